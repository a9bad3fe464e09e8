import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dropBadBlocks } from '../../../src/signal/timing/bad-blocks.js';
import { resampleIq } from '../../../src/signal/timing/resample.js';
import { prng } from '../../helpers.js';

/** Relative RMS error of resampling a sum of tones at |f| ≤ maxFrac·fs (in cycles per sample) onto a grid 200 ppm slower, offset by 0.37. */
function resampleError(maxFrac: number): number {
  const rand = prng(21);
  // Evenly spread over ±maxFrac (both edges included), random phases.
  const tones = Array.from({ length: 25 }, (_, i) => ({ f: maxFrac * (i / 12 - 1), ph: 2 * Math.PI * rand() }));
  const at = (t: number): [number, number] => {
    let re = 0;
    let im = 0;
    for (const { f, ph } of tones) {
      re += Math.cos(2 * Math.PI * f * t + ph);
      im += Math.sin(2 * Math.PI * f * t + ph);
    }
    return [re, im];
  };
  const n = 4000;
  const iq = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) [iq[2 * i], iq[2 * i + 1]] = at(i);
  const first = 100.37;
  const step = 1 + 200e-6;
  const count = 3000;
  const out = resampleIq(iq, first, step, count);
  let err = 0;
  let pow = 0;
  for (let m = 0; m < count; m++) {
    const [re, im] = at(first + m * step);
    err += ((out[2 * m] as number) - re) ** 2 + ((out[2 * m + 1] as number) - im) ** 2;
    pow += re * re + im * im;
  }
  return Math.sqrt(err / pow);
}

test('windowed-sinc resampling is accurate to ≤ 1e-4 within ±0.4 fs and degrades only towards the band edge', (t) => {
  const e40 = resampleError(0.4);
  const e25 = resampleError(0.25);
  const e48 = resampleError(0.48);
  t.diagnostic(
    `relative RMS error: ±0.25 fs ${e25.toExponential(2)}, ±0.40 fs ${e40.toExponential(2)}, ±0.48 fs ${e48.toExponential(2)}`,
  );
  assert.ok(e25 < 1e-4, `±0.25 fs: ${e25}`);
  assert.ok(e40 < 3e-4, `±0.40 fs: ${e40}`);
  // Near the band edge no 32-tap kernel interpolates well: the stated accuracy really stops at ±0.4 fs.
  assert.ok(e48 > 10 * e40, `±0.48 fs: ${e48}`);
});

test('bad blocks (non-finite, zero, impulsive) are zeroed and reported; a strong burst transmission is kept', () => {
  const rand = prng(2);
  const n = 100 * 512;
  const iq = new Float32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) iq[i] = 0.01 * (rand() - 0.5);
  // A transmission 40 dB above the noise in blocks 40–69: not interference.
  for (let i = 40 * 1024; i < 70 * 1024; i++) iq[i] = (iq[i] as number) * 100;
  iq[10 * 1024 + 17] = Number.NaN;
  iq.fill(0, 20 * 1024, 21 * 1024);
  for (let i = 80 * 1024; i < 81 * 1024; i++) iq[i] = 0.5 * (rand() - 0.5); // 34 dB impulse
  const c = dropBadBlocks(iq);
  assert.deepEqual(c.dropped, [
    { block: 10, why: 'non-finite' },
    { block: 20, why: 'zero' },
    { block: 80, why: 'impulsive' },
  ]);
  assert.equal(c.goodSamples, 97 * 512);
  assert.ok(c.iq.subarray(10 * 1024, 11 * 1024).every((v) => v === 0));
  assert.ok(c.iq.subarray(80 * 1024, 81 * 1024).every((v) => v === 0));
  assert.equal(c.iq[45 * 1024], iq[45 * 1024]);
  assert.ok(Number.isNaN(iq[10 * 1024 + 17] as number), 'the input is not modified');
});
