// The engine's signal kernels (stftPower, melDb) against references computed independently in
// plain JavaScript (a direct DFT, a dense filterbank product), their argument checks, and their
// use from a worker thread (feature extraction runs there) without tensor handles.
import assert from 'node:assert/strict';
import test from 'node:test';
import { Worker } from 'node:worker_threads';
import { liveTensorCount } from '../../src/engine/runtime.js';
import { melDb, stftPower } from '../../src/engine/signal.js';
import { assertClose, randomValues } from '../helpers.js';

/** scale·|DFT(frame f of x, windowed)|² by the definition, in float64. */
function directPower(iq: Float32Array, nFft: number, hop: number, frames: number, w: number[], scale: number): number[] {
  const out: number[] = [];
  for (let f = 0; f < frames; f++) {
    for (let k = 0; k < nFft; k++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < nFft; n++) {
        const xr = (iq[2 * (f * hop + n)] as number) * (w[n] as number);
        const xi = (iq[2 * (f * hop + n) + 1] as number) * (w[n] as number);
        const a = (-2 * Math.PI * k * n) / nFft;
        re += xr * Math.cos(a) - xi * Math.sin(a);
        im += xr * Math.sin(a) + xi * Math.cos(a);
      }
      out.push((re * re + im * im) * scale);
    }
  }
  return out;
}

test('stftPower equals scale·|DFT(window·frame)|² of every frame, in natural bin order', () => {
  for (const [nFft, hop, frames] of [
    [16, 5, 4],
    [64, 64, 3],
    [32, 0, 1],
  ] as const) {
    const iq = Float32Array.from(randomValues(2 * ((frames - 1) * hop + nFft + 7), nFft + frames));
    const w = randomValues(nFft, 3, 0, 1);
    const got = stftPower(iq, nFft, hop, frames, Float64Array.from(w), 0.25);
    assert.equal(got.length, frames * nFft);
    assertClose(Array.from(got), directPower(iq, nFft, hop, frames, w, 0.25), 1e-12, 1e-12, `nFft ${nFft}, hop ${hop}`);
  }
});

test('stftPower names the bad argument', () => {
  const iq = new Float32Array(2 * 100);
  const w = new Float64Array(16);
  assert.throws(
    () => stftPower(iq, 16, 10, 10, w, 1),
    /stftPower: 10 frames of 16 with hop 10 need 106 complex samples, got 100/,
  );
  assert.throws(() => stftPower(iq, 16, 10, 2, new Float64Array(8), 1), /stftPower: the window has 8 values, nFft is 16/);
  assert.throws(() => stftPower(iq, 0, 10, 2, w, 1), /stftPower: nFft and frames must be >= 1 and hop >= 0, got nFft 0/);
  assert.throws(
    () => stftPower(new Float64Array(200) as unknown as Float32Array, 16, 10, 2, w, 1),
    /stftPower: argument 0 \(iq\) must be a Float32Array/,
  );
});

/** A random sparse filterbank over nFft bins: band b uses `width` consecutive bins from 3b. */
function filterbank(bands: number, width: number) {
  const start = Int32Array.from({ length: bands + 1 }, (_, b) => b * width);
  const bins = Int32Array.from({ length: bands * width }, (_, j) => 3 * Math.floor(j / width) + (j % width));
  const weights = Float64Array.from(randomValues(bands * width, 11, 0, 2));
  return { start, bins, weights };
}

test('melDb is the filterbank product in dB, band-major at the offset, floored', () => {
  const [frames, nFft, bands, width] = [5, 32, 8, 4];
  const power = Float64Array.from(randomValues(frames * nFft, 5, 0, 1e-3));
  power.fill(0, 2 * nFft, 3 * nFft); // a silent frame: −inf dB is floored
  const fb = filterbank(bands, width);
  const out = new Float32Array(3 + bands * frames).fill(7);
  melDb(power, frames, fb, -60, out, 3);
  const expected: number[] = [];
  for (let b = 0; b < bands; b++) {
    for (let f = 0; f < frames; f++) {
      let s = 0;
      for (let j = b * width; j < (b + 1) * width; j++)
        s += (fb.weights[j] as number) * (power[f * nFft + (fb.bins[j] as number)] as number);
      expected.push(Math.max(-60, 10 * Math.log10(s)));
    }
  }
  assert.deepEqual(Array.from(out.subarray(0, 3)), [7, 7, 7]);
  assertClose(Array.from(out.subarray(3)), expected, 1e-5, 0, 'mel dB');
  assert.equal(out[3 + 2], -60); // band 0, silent frame 2
  assert.ok(expected.some((v) => v > -60 && v < -30));
});

test('melDb refuses a filterbank or an output that does not fit', () => {
  const power = new Float64Array(4 * 16);
  const fb = filterbank(2, 3);
  const out = new Float32Array(8);
  assert.throws(
    () => melDb(power, 4, { ...fb, bins: Int32Array.from([0, 1, 2, 3, 4, 16]) }, -100, out),
    /melDb: filterbank bin 16 is outside 0 … 15/,
  );
  assert.throws(
    () => melDb(power, 4, { ...fb, weights: new Float64Array(5) }, -100, out),
    /start, bins and weights disagree \(6 bins, 5 weights/,
  );
  assert.throws(() => melDb(power, 4, fb, -100, out, 1), /melDb: 2 × 4 values do not fit the output \(8 values\) at offset 1/);
  assert.throws(() => melDb(power, 5, fb, -100, out), /melDb: 64 power values are not 5 frames/);
});

test('the kernels hold no tensor handles and give the same results in a worker thread', async () => {
  const before = liveTensorCount();
  const iq = Float32Array.from(randomValues(2 * 600, 21));
  const w = Float64Array.from(randomValues(128, 22, 0, 1));
  const here = stftPower(iq, 128, 100, 5, w, 1e-3);
  assert.equal(liveTensorCount(), before);
  const url = new URL('../../src/engine/signal.js', import.meta.url).href;
  const worker = new Worker(
    `const { parentPort, workerData: d } = require('node:worker_threads');
     import(${JSON.stringify(url)}).then((m) => parentPort.postMessage(m.stftPower(d.iq, 128, 100, 5, d.w, 1e-3)));`,
    { eval: true, workerData: { iq, w } },
  );
  const there = await new Promise<Float64Array>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  assert.deepEqual(Array.from(there), Array.from(here));
});
