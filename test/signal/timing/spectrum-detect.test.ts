// hasSignal's band detector: a LoRa-like chirp filling an eighth of a 1 MHz capture at −10 dB over the
// whole band stands out in no single Welch bin, yet its excess summed over the bins it occupies is
// unmistakable — and pure noise never passes either test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../src/math/rng.js';
import { hasSignal, spectrumSnr } from '../../../src/signal/timing/spectrum.js';
import { makeWaveform } from '../../../src/sim/waveforms.js';
import { DEFAULTS, receive } from '../../sim/waveforms/helpers.js';

const RATE_HZ = 1e6;
const SAMPLES = 10_000;

test('a wide, weak burst is found by the band sum where single bins miss it; noise alone is not', () => {
  let byBandOnly = 0;
  for (let seed = 1; seed <= 4; seed++) {
    const rng = new Rng(seed, 'spectrum-detect');
    const w = makeWaveform('lora', rng, { ...DEFAULTS, loraBandwidthHz: 125e3, loraSpreadingFactors: [7, 7] }, SAMPLES / RATE_HZ);
    // Unit power while on, noise 10 dB above it over the full 1 MHz.
    const s = spectrumSnr(receive(w, RATE_HZ, SAMPLES, 0, 10 ** 1.0, rng));
    assert.ok(hasSignal(s), `seed ${seed}: band excess ${s.bandExcessSigmas.toFixed(1)} σ, ${s.signalBins} single bins`);
    if (s.signalBins < 3) byBandOnly++;
    const noise = new Float32Array(2 * SAMPLES);
    rng.addComplexNoise(noise, 1);
    const n = spectrumSnr(noise);
    assert.ok(!hasSignal(n), `seed ${seed}: noise passed (band excess ${n.bandExcessSigmas.toFixed(1)} σ, ${n.signalBins} bins)`);
    assert.ok(n.bandExcessSigmas < 4, `seed ${seed}: noise band excess ${n.bandExcessSigmas.toFixed(2)} σ`);
  }
  assert.ok(byBandOnly >= 2, `bursts found by the band sum alone: ${byBandOnly} of 4`);
});
