import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locateTdoa } from '../../../src/locate/tdoa.js';
import { gccPhat } from '../../../src/signal/features/gcc-phat.js';
import type { Recording } from '../../../src/signal/recording.js';
import { measureTimeDifferences } from '../../../src/signal/timing/measure.js';
import { positionCrlb, toaSigmaS } from '../../../src/sim/crlb.js';
import { FIX_SIGMA_S, rmsBandwidthHz, type SimReceiver, simulate } from './tdoa-scenario.js';

// HF-scale network (KiwiSDRs hundreds of km apart), transmitter inside it.
const RX: SimReceiver[] = [
  { id: 'KA', east: -310_000, north: 120_000, heightM: 40, snrDb: 12, startOffsetMs: 0 },
  { id: 'KB', east: 260_000, north: 240_000, heightM: 80, snrDb: 9, startOffsetMs: 41, rateErrorPpm: 200 },
  { id: 'KC', east: 60_000, north: -330_000, heightM: 15, snrDb: 10, startOffsetMs: 17, staleFirstFixNs: 60_000n },
  { id: 'KD', east: -120_000, north: -200_000, heightM: 25, snrDb: 6, startOffsetMs: 63, impulsiveBlocks: [120] },
  { id: 'KE', east: 330_000, north: -60_000, heightM: 5, snrDb: 8, startOffsetMs: 29, rateErrorPpm: -40 },
];
const TX = { east: 42_000, north: 31_000 };
const REGION = { east: [-600_000, 600_000] as [number, number], north: [-600_000, 600_000] as [number, number] };

const sim = simulate(RX, TX);
const truth = (a: string, b: string): number => (sim.arrivalS.get(b) as number) - (sim.arrivalS.get(a) as number);

test('TDOA end to end from KiwiSDR WAVs: 200 ppm clock, stale first fix, impulsive block', (t) => {
  const fitted = sim.recordings.find((r) => r.receiver.id === 'KB') as Recording;
  // The reader's fit recovers the fast clock (it would be 2.4 Hz off at the header's rate).
  assert.ok(Math.abs(fitted.sampleRateHz - (sim.trueRateHz.get('KB') as number)) < 0.01, `KB rate ${fitted.sampleRateHz}`);
  assert.ok((sim.recordings.find((r) => r.receiver.id === 'KC')?.meta.timestampsRejected as number) >= 1);

  const result = measureTimeDifferences(sim.recordings);
  assert.ok(
    result.receivers.every((r) => r.used),
    JSON.stringify(result.receivers),
  );
  assert.equal(result.tdoas.length, RX.length - 1);
  assert.ok((result.receivers.find((r) => r.id === 'KD')?.droppedBlocks as number) >= 1);
  assert.equal(result.receivers.find((r) => r.id === 'KA')?.droppedBlocks, 0);
  const lines: string[] = [];
  for (const d of result.tdoas) {
    const errS = d.seconds - truth(d.a, d.b);
    lines.push(
      `${d.a}→${d.b}: error ${(errS * 1e9).toFixed(0)} ns, σ ${(d.sigmaS * 1e9).toFixed(0)} ns, q ${d.quality.toFixed(0)}`,
    );
    assert.ok(Math.abs(errS) < 4 * d.sigmaS, lines.at(-1));
    // σ is dominated by the GNSS time bases (~100–300 ns), not by a loose floor.
    assert.ok(d.sigmaS > 50e-9 && d.sigmaS < 2e-6, lines.at(-1));
  }
  t.diagnostic(lines.join('; '));

  const est = locateTdoa(RX, result.tdoas, REGION, { gridSteps: 100 });
  const errM = Math.hypot(est.east - TX.east, est.north - TX.north);
  const rmsM = Math.sqrt(est.cov[0][0] + est.cov[1][1]);
  // Truth-based reference: per-receiver TOA CRLB (known signal, true SNR and bandwidth) ⊕ the fixes' clock error.
  const beta = rmsBandwidthHz();
  const clockS = Math.sqrt((300e-9 ** 2 / 3 + FIX_SIGMA_S ** 2) / 8) * 1.5; // 8 fixes, intercept extrapolated
  const crlb = positionCrlb(
    TX,
    RX.map((r) => ({
      east: r.east,
      north: r.north,
      distanceM: Math.hypot(TX.east - r.east, TX.north - r.north, r.heightM),
      horizontalM: Math.hypot(TX.east - r.east, TX.north - r.north),
      lossSlopeDbPerM: 0,
      rssSigmaDb: 1e6, // no power information (positionCrlb always carries the power nuisance)
      toaSigmaS: toaSigmaS(beta, 200 * 512, 10 ** (r.snrDb / 10), clockS),
    })),
  );
  assert.ok('rmseM' in crlb);
  t.diagnostic(
    `position error ${errM.toFixed(0)} m, √trace(cov) ${rmsM.toFixed(0)} m, truth-based CRLB rmse ${crlb.rmseM.toFixed(0)} m`,
  );
  assert.ok(errM < 3 * rmsM, `error ${errM} m vs 3 × ${rmsM} m`);
  assert.ok(rmsM > 0.3 * crlb.rmseM && rmsM < 5 * crlb.rmseM, `√trace ${rmsM} m vs CRLB ${crlb.rmseM} m`);
  assert.ok(est.pairs?.every((p) => p.used));
});

test('without alignment the 200 ppm receiver smears the correlation: its delay is far off', (t) => {
  const aligned = measureTimeDifferences(sim.recordings).tdoas.find((d) => d.b === 'KB' || d.a === 'KB');
  assert.ok(aligned !== undefined);
  // What extract.ts does: GCC-PHAT on the raw samples plus the start-time difference.
  const ra = sim.recordings.find((r) => r.receiver.id === aligned.a) as Recording;
  const rb = sim.recordings.find((r) => r.receiver.id === aligned.b) as Recording;
  const samples = Math.min(ra.iq.length, rb.iq.length) / 2;
  const g = gccPhat(ra.iq, rb.iq, samples);
  const naiveS = Number((rb.startUnixNs as bigint) - (ra.startUnixNs as bigint)) / 1e9 + g.lagSamples / ra.sampleRateHz;
  const naiveErr = Math.abs(naiveS - truth(aligned.a, aligned.b));
  const alignedErr = Math.abs(aligned.seconds - truth(aligned.a, aligned.b));
  t.diagnostic(
    `${aligned.a}→${aligned.b}: aligned error ${(alignedErr * 1e9).toFixed(0)} ns (σ ${(aligned.sigmaS * 1e9).toFixed(0)} ns, q ${aligned.quality.toFixed(0)}); unaligned error ${(naiveErr * 1e6).toFixed(1)} µs (q ${g.quality.toFixed(1)})`,
  );
  assert.ok(naiveErr > 50 * aligned.sigmaS, `unaligned error ${naiveErr} s`);
  assert.ok(naiveErr > 100 * alignedErr);
});
