// int16 IQ: the AGC-like quantizer keeps its headroom and is exact to half an LSB; int16Exact
// recovers integers losslessly; and what int16 costs in SNR on strong and weak links.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/math/rng.js';
import { INT16_FULL_SCALE, int16Exact, int16ToFloatIq, quantizeIqInt16 } from '../../src/signal/iq-int16.js';

/** A CW tone of power 10^(snrDb/10)·noiseVar plus complex Gaussian noise of variance noiseVar (full-scale units). */
function link(rng: Rng, n: number, snrDb: number, noiseVar: number): { iq: Float32Array; noiseVar: number } {
  const iq = new Float32Array(2 * n);
  const a = Math.sqrt(noiseVar * 10 ** (snrDb / 10));
  const s = Math.sqrt(noiseVar / 2);
  for (let k = 0; k < n; k++) {
    const phase = 2 * Math.PI * 0.0123 * k;
    iq[2 * k] = a * Math.cos(phase) + s * rng.normal();
    iq[2 * k + 1] = a * Math.sin(phase) + s * rng.normal();
  }
  return { iq, noiseVar };
}

/** SNR loss (dB) of int16: quantization error power Q against the noise N, 10·log10(1 + Q/N). */
function snrLossDb(iq: Float32Array, noiseVar: number): { lossDb: number; peakDbfs: number } {
  const { samples, gainDb } = quantizeIqInt16(iq);
  const back = 1 / (10 ** (gainDb / 20) * INT16_FULL_SCALE);
  let q = 0;
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    q += ((samples[i] as number) * back - (iq[i] as number)) ** 2;
    peak = Math.max(peak, Math.abs(samples[i] as number));
  }
  return { lossDb: 10 * Math.log10(1 + q / (samples.length / 2) / noiseVar), peakDbfs: 20 * Math.log10(peak / INT16_FULL_SCALE) };
}

test('the gain puts the largest component just below −6 dBFS, and int16 → float is within half an LSB of the scaled input', () => {
  const rng = new Rng(7);
  for (const level of [1e-9, 3e-4, 0.2, 5]) {
    const { iq } = link(rng, 4000, 20, level);
    const { samples, gainDb } = quantizeIqInt16(iq);
    let peak = 0;
    for (const v of samples) peak = Math.max(peak, Math.abs(v));
    const peakDbfs = 20 * Math.log10(peak / INT16_FULL_SCALE);
    assert.ok(peakDbfs <= -6 && peakDbfs > -6.02, `peak ${peakDbfs} dBFS at level ${level}`);
    const g = 10 ** (gainDb / 20);
    const back = int16ToFloatIq(samples);
    for (let i = 0; i < iq.length; i++)
      assert.ok(Math.abs((back[i] as number) - (iq[i] as number) * g) <= 0.5 / INT16_FULL_SCALE + 1e-9);
  }
  assert.deepEqual(quantizeIqInt16(new Float32Array(4)), { samples: new Int16Array(4), gainDb: 0 });
});

test('quantizeIqInt16 refuses non-finite samples and a target above full scale, naming them', () => {
  assert.throws(() => quantizeIqInt16(new Float32Array([0, Number.NaN])), /iq\[1\] is NaN; samples must be finite/);
  assert.throws(() => quantizeIqInt16(new Float32Array(2), { peakDbfs: 3 }), /peakDbfs must be a finite number ≤ 0 dBFS, got 3/);
});

test('int16Exact gives back the integers of int16 / 32768 samples and null for anything else', () => {
  const ints = Int16Array.from([-32768, -1, 0, 1, 32767, 1234]);
  assert.deepEqual(int16Exact(int16ToFloatIq(ints)), ints);
  assert.equal(int16Exact(new Float32Array([0.5, 0.1])), null); // 0.1 · 32768 is not an integer
  assert.equal(int16Exact(new Float32Array([1, 0])), null); // +1.0 full scale has no int16
});

test('int16 costs under 0.05 dB of SNR on weak and strong links up to 70 dB; beyond that the −98 dBFS floor shows', () => {
  const rng = new Rng(11);
  // Weak (−10 dB) to strong (70 dB) links over the sampled bandwidth, at very different input levels.
  for (const snrDb of [-10, 0, 20, 40, 60, 70]) {
    for (const noiseVar of [1e-12, 1e-4]) {
      const { lossDb, peakDbfs } = snrLossDb(link(rng, 12_000, snrDb, noiseVar).iq, noiseVar);
      assert.ok(lossDb < 0.05, `SNR ${snrDb} dB, noise ${noiseVar}: loss ${lossDb} dB (peak ${peakDbfs} dBFS)`);
    }
  }
  // A 100 dB link: the noise sits below int16's quantization floor (2·(2^-15)²/12 = −98.1 dBFS, the
  // tone at −6 dBFS), so the loss follows 10·log10(1 + 10^((SNR − 92.1)/10)) ≈ 8.6 dB.
  const { lossDb } = snrLossDb(link(rng, 12_000, 100, 1e-6).iq, 1e-6);
  const expected = 10 * Math.log10(1 + 10 ** ((100 + 6 - 98.1) / 10));
  assert.ok(Math.abs(lossDb - expected) < 0.5, `loss ${lossDb} dB, model ${expected} dB`);
});
