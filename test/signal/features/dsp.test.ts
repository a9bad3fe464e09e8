// The heimdall_dsp addon's kernels (stftPower through FFTW, melDb) against references computed
// independently in plain JavaScript (a direct DFT, a dense filterbank product), their argument
// checks, and their use from worker threads (feature extraction runs there), without libtorch.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import test from 'node:test';
import { Worker } from 'node:worker_threads';
import { fftwVersion, melDb, stftPower } from '../../../src/signal/features/dsp.js';
import { assertClose, randomValues } from '../../helpers.js';

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
    [48, 7, 3], // not a power of two: FFTW's mixed-radix path
    [1, 1, 2],
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

test('the kernels give the same bits on every call and in concurrent worker threads', async () => {
  assert.match(fftwVersion, /^fftw-3\./);
  const iq = Float32Array.from(randomValues(2 * 600, 21));
  const w = Float64Array.from(randomValues(128, 22, 0, 1));
  const here = stftPower(iq, 128, 100, 5, w, 1e-3);
  assert.deepEqual(Array.from(stftPower(iq, 128, 100, 5, w, 1e-3)), Array.from(here));
  const url = new URL('../../../src/signal/features/dsp.js', import.meta.url).href;
  const code = `const { parentPort, workerData: d } = require('node:worker_threads');
     import(${JSON.stringify(url)}).then((m) => parentPort.postMessage(m.stftPower(d.iq, 128, 100, 5, d.w, 1e-3)));`;
  // Two workers at once: both plan (under the addon's mutex) and execute concurrently.
  const results = await Promise.all(
    [0, 1].map(async () => {
      const worker = new Worker(code, { eval: true, workerData: { iq, w } });
      const r = await new Promise<Float64Array>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await worker.terminate();
      return r;
    }),
  );
  for (const there of results) assert.deepEqual(Array.from(there), Array.from(here));
});

test('loading the kernels maps FFTW into the process, not libtorch', () => {
  const url = new URL('../../../src/signal/features/dsp.js', import.meta.url).href;
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(url)});
       const maps = (await import('node:fs')).readFileSync('/proc/self/maps', 'utf8');
       console.log(JSON.stringify({ fftw: /libfftw3/.test(maps), torch: /libtorch|heimdall_torch/.test(maps) }));`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { fftw: true, torch: false });
});
