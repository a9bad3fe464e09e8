import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../src/math/rng.js';
import type { Recording } from '../../../src/signal/recording.js';
import { measureTimeDifferences } from '../../../src/signal/timing/measure.js';
import { makeWaveform } from '../../../src/sim/waveforms.js';
import { DEFAULTS, receive } from '../../sim/waveforms/helpers.js';

// Through the whole path (clock checks, bad blocks, common grid, ML correlation): with near-perfect clocks the
// σ of each time difference is the delay estimator's own, and (error / σ) should have about unit spread.
test('measureTimeDifferences: σ from the measured per-bin SNRs makes the normalized errors ~unit spread', (t) => {
  const rateHz = 250_000;
  const samples = 8192;
  const z: number[] = [];
  for (let trial = 0; trial < 6; trial++) {
    const rng = new Rng(11, 'measure-sigma', trial);
    const w = makeWaveform(trial % 2 === 0 ? 'dv25' : 'lora', rng, DEFAULTS, samples / rateHz);
    const delaysS = Array.from({ length: 5 }, () => rng.between(0, 2e-4));
    const recordings: Recording[] = delaysS.map((delayS, i) => ({
      iq: receive(w, rateHz, samples, delayS, 10 ** (-rng.between(0, 15) / 10), rng),
      sampleRateHz: rateHz,
      centerFreqHz: 446e6,
      startUnixNs: 1_772_366_400_000_000_000n,
      timestampSigmaS: 1e-10,
      receiver: { id: `R${i}` },
      source: `trial ${trial} R${i}`,
      meta: {},
    }));
    const result = measureTimeDifferences(recordings);
    assert.equal(result.tdoas.length, 4, JSON.stringify(result.receivers));
    for (const d of result.tdoas) {
      const truth = (delaysS[Number(d.b.slice(1))] as number) - (delaysS[Number(d.a.slice(1))] as number);
      z.push((d.seconds - truth) / d.sigmaS);
      assert.ok(d.quality >= 6);
    }
  }
  const rms = Math.sqrt(z.reduce((a, v) => a + v * v, 0) / z.length);
  t.diagnostic(
    `RMS(error/σ) over ${z.length} pairs: ${rms.toFixed(2)}; max |error/σ| ${Math.max(...z.map(Math.abs)).toFixed(2)}`,
  );
  assert.ok(rms > 0.5 && rms < 1.6, `RMS(error/σ) ${rms}`);
  assert.ok(z.every((v) => Math.abs(v) < 4.5));
});
