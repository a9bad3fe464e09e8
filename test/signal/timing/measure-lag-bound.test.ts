import assert from 'node:assert/strict';
import { test } from 'node:test';
import { destinationPoint } from '../../../src/geo/distance.js';
import { Rng } from '../../../src/math/rng.js';
import type { Recording } from '../../../src/signal/recording.js';
import { measureTimeDifferences } from '../../../src/signal/timing/measure.js';
import { makeWaveform } from '../../../src/sim/waveforms.js';
import { DEFAULTS, receive } from '../../sim/waveforms/helpers.js';

// Three GNSS-timed receivers within 2 km; R2 also holds the same signal 20 ms later at twice the amplitude
// (what a repeating burst or a strong interferer looks like). No path inside 2 km delays anything by 20 ms:
// with the receivers' positions, the search stays within the baseline over c plus the path excess and finds the
// direct arrival; without positions it takes the impossible 20 ms peak.
const RATE_HZ = 250_000;
const SAMPLES = 16_384;
const ECHO_S = 0.02;
const CENTER = { lat: 45.46, lon: 9.19 };

function recordings(withPositions: boolean): { recordings: Recording[]; delaysS: number[] } {
  const rng = new Rng(7, 'lag-bound');
  const w = makeWaveform('lora', rng, DEFAULTS, SAMPLES / RATE_HZ);
  const delaysS = [0, 3.1e-6, 5.7e-6];
  const recordings = delaysS.map((delayS, i): Recording => {
    const iq = receive(w, RATE_HZ, SAMPLES, delayS, 0.01, rng);
    if (i === 2) {
      const echo = receive(w, RATE_HZ, SAMPLES, delayS + ECHO_S, 0, rng);
      for (let k = 0; k < iq.length; k++) iq[k] = (iq[k] as number) + 2 * (echo[k] as number);
    }
    const at = destinationPoint(CENTER, 120 * i, 700 * i);
    return {
      iq,
      sampleRateHz: RATE_HZ,
      centerFreqHz: 868.1e6,
      startUnixNs: 1_772_366_400_000_000_000n,
      timestampSigmaS: 20e-9,
      receiver: withPositions ? { id: `R${i}`, lat: at.lat, lon: at.lon } : { id: `R${i}` },
      source: `R${i}`,
      meta: {},
    };
  });
  return { recordings, delaysS };
}

const errorOf = (withPositions: boolean): number => {
  const { recordings: rec, delaysS } = recordings(withPositions);
  const result = measureTimeDifferences(rec);
  const d = result.tdoas.find((x) => x.b === 'R2' || x.a === 'R2');
  assert.ok(d, JSON.stringify(result.pairs));
  const truth = (delaysS[Number(d.b.slice(1))] as number) - (delaysS[Number(d.a.slice(1))] as number);
  return d.seconds - truth;
};

test('measureTimeDifferences searches no further than the baseline allows when positions are known', () => {
  const bounded = errorOf(true);
  assert.ok(Math.abs(bounded) < 1e-6, `with positions: error ${bounded} s`);
});

test('without positions the search spans ±70 ms, and the impossible 20 ms peak wins', () => {
  const unbounded = errorOf(false);
  assert.ok(Math.abs(Math.abs(unbounded) - ECHO_S) < 1e-5, `without positions: error ${unbounded} s`);
});
