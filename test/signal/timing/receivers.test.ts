import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Recording } from '../../../src/signal/recording.js';
import { measureTimeDifferences, TimingError } from '../../../src/signal/timing/measure.js';
import { prng } from '../../helpers.js';
import { type SimReceiver, simulate } from './tdoa-scenario.js';

const RX: SimReceiver[] = [
  { id: 'R1', east: -200_000, north: 50_000, heightM: 20, snrDb: 10, startOffsetMs: 0 },
  { id: 'R2', east: 180_000, north: 160_000, heightM: 20, snrDb: 10, startOffsetMs: 12 },
  { id: 'R3', east: 30_000, north: -220_000, heightM: 20, snrDb: 10, startOffsetMs: 25 },
  { id: 'R4', east: 150_000, north: -40_000, heightM: 20, snrDb: 10, startOffsetMs: 7 },
];
const sim = simulate(RX, { east: 10_000, north: 5_000 }, 4);
const [r1, r2, r3, r4] = sim.recordings as [Recording, Recording, Recording, Recording];

function noiseOnly(r: Recording): Recording {
  const rand = prng(9);
  const iq = Float32Array.from(
    { length: r.iq.length },
    () => 0.01 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()),
  );
  return { ...r, iq };
}

test('a receiver without a GNSS fix or with a coarse clock is reported unused with the reason; the rest are timed', () => {
  const noFix: Recording = { ...r4, startUnixNs: null, timestampSigmaS: null, meta: {} };
  const res = measureTimeDifferences([r1, r2, r3, noFix]);
  const d = res.receivers.find((r) => r.id === 'R4');
  assert.equal(d?.used, false);
  assert.match(d?.reason ?? '', /no timestamp \(no GNSS fix/);
  assert.equal(res.tdoas.length, 2);
  assert.ok(res.tdoas.every((t) => t.a !== 'R4' && t.b !== 'R4'));

  const ntp: Recording = { ...r4, timestampSigmaS: 5e-3 };
  const d2 = measureTimeDifferences([r1, r2, r3, ntp]).receivers.find((r) => r.id === 'R4');
  assert.equal(d2?.used, false);
  assert.match(d2?.reason ?? '', /timestamp σ 5\.00e\+3 µs > 100 µs \(not GNSS-timed\)/);
  // The caller may accept coarser clocks without patching anything.
  assert.equal(
    measureTimeDifferences([r1, r2, r3, ntp], { maxTimestampSigmaS: 1e-2 }).receivers.every((r) => r.used),
    true,
  );
});

test('a receiver without signal or with too few good samples is unused; with fewer than 3 usable the error names every receiver', () => {
  const gappy: Recording = { ...r3, iq: Float32Array.from(r3.iq).fill(0, 0, Math.floor(r3.iq.length * 0.7)) };
  const res = measureTimeDifferences([r1, r2, gappy, r4]);
  assert.match(
    res.receivers.find((r) => r.id === 'R3')?.reason ?? '',
    /too few good samples: \d+ of 102400 \(\d+ zero blocks zeroed\)/,
  );

  const quiet = noiseOnly(r2);
  const noFix: Recording = { ...r4, startUnixNs: null, timestampSigmaS: null, meta: {} };
  assert.throws(
    () => measureTimeDifferences([r1, quiet, r3, noFix]),
    (e: unknown) =>
      e instanceof TimingError &&
      /at least 3 usable GNSS-timed receivers/.test(e.message) &&
      /R1: usable/.test(e.message) &&
      /R2: unusable \(no signal: the spectrum is flat at the noise floor\)/.test(e.message) &&
      /R3: usable/.test(e.message) &&
      /R4: unusable \(no timestamp/.test(e.message),
  );
});

test('a receiver that heard another transmission has no clear correlation peak: its pair and it are unused', () => {
  // Same receiver and clock, different symbols: a signal in its spectrum, but not the reference's.
  const other = simulate([RX[3] as SimReceiver], { east: 10_000, north: 5_000 }, 99).recordings[0] as Recording;
  const res = measureTimeDifferences([r1, r2, r3, other]);
  const pair = res.pairs.find((p) => p.b === 'R4' || p.a === 'R4');
  assert.equal(pair?.used, false);
  assert.match(pair?.reason ?? '', /correlation peak quality \d+\.\d < 6 \(no clear common signal\)/);
  assert.match(
    res.receivers.find((r) => r.id === 'R4')?.reason ?? '',
    /its pair with the reference R\d: correlation peak quality/,
  );
  assert.equal(res.tdoas.length, 2);
});

test('an unmodulated carrier has no arrival time to measure: every receiver hearing only it is unused, by name', () => {
  // The same receivers, clocks and noise, but the transmitter sends a pure tone (1.3 kHz off centre,
  // 60 dB above the noise): its correlation would only show where the common window starts (lag 0).
  const carrier = (r: Recording, seed: number): Recording => {
    const rand = prng(seed);
    const iq = new Float32Array(r.iq.length);
    const phase = 2 * Math.PI * rand();
    for (let n = 0; n < iq.length / 2; n++) {
      const ph = phase + (2 * Math.PI * 1300 * n) / r.sampleRateHz;
      iq[2 * n] = Math.cos(ph) + 1e-3 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      iq[2 * n + 1] = Math.sin(ph) + 1e-3 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.sin(2 * Math.PI * rand());
    }
    return { ...r, iq };
  };
  assert.throws(
    () => measureTimeDifferences([carrier(r1, 1), carrier(r2, 2), carrier(r3, 3), carrier(r4, 4)]),
    (e: unknown) =>
      e instanceof TimingError &&
      ['R1', 'R2', 'R3', 'R4'].every((id) => new RegExp(`${id}: unusable \\(an unmodulated carrier`).test(e.message)),
  );
  // The modulated originals keep all four receivers.
  assert.equal(measureTimeDifferences([r1, r2, r3, r4]).receivers.filter((r) => r.used).length, 4);
});
