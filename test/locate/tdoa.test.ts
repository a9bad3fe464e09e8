import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locateTdoa, type TdoaReceiver } from '../../src/locate/tdoa.js';
import { LocateError, type SearchRegion, type TimeDifferenceObservation } from '../../src/locate/types.js';
import { SPEED_OF_LIGHT_M_S } from '../../src/math/constants.js';
import type { Cov2 } from '../../src/math/gaussian2d.js';
import { prng } from '../helpers.js';

const receivers: TdoaReceiver[] = [
  { id: 'north', east: 2_000, north: 38_000, heightM: 30 },
  { id: 'east', east: 41_000, north: -3_000, heightM: 10 },
  { id: 'south', east: -5_000, north: -40_000, heightM: 55 },
  { id: 'west', east: -37_000, north: 6_000, heightM: 20 },
  { id: 'centre', east: 4_000, north: 2_000, heightM: 5 },
  { id: 'ne', east: 28_000, north: 30_000, heightM: 15 },
];
const region: SearchRegion = { east: [-60_000, 60_000], north: [-60_000, 60_000] };
const TX_HEIGHT_M = 2;

function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function arrivalS(tx: { east: number; north: number }, r: TdoaReceiver): number {
  return Math.hypot(tx.east - r.east, tx.north - r.north, TX_HEIGHT_M - r.heightM) / SPEED_OF_LIGHT_M_S;
}

/** Pairs against the first receiver, each with its own σ and independent Gaussian noise. */
function observe(
  tx: { east: number; north: number },
  rx: TdoaReceiver[],
  sigmas: number[],
  noise: () => number,
): TimeDifferenceObservation[] {
  const ref = rx[0] as TdoaReceiver;
  return rx.slice(1).map((r, k) => {
    const sigmaS = sigmas[k % sigmas.length] as number;
    return { a: ref.id, b: r.id, seconds: arrivalS(tx, r) - arrivalS(tx, ref) + sigmaS * noise(), sigmaS, quality: 20 };
  });
}

function mahalanobis2(dx: number, dy: number, c: Cov2): number {
  const det = c[0][0] * c[1][1] - c[0][1] * c[1][0];
  return (c[1][1] * dx * dx - 2 * c[0][1] * dx * dy + c[0][0] * dy * dy) / det;
}

test('locateTdoa recovers the transmitter within its own 3σ ellipse; the 2σ coverage is plausible', (t) => {
  const noise = gaussian(prng(11));
  const pick = prng(5);
  const draws = 80;
  let within2 = 0;
  let within3 = 0;
  let worstRmsM = 0;
  for (let k = 0; k < draws; k++) {
    const tx = { east: -30_000 + 60_000 * pick(), north: -30_000 + 60_000 * pick() };
    const est = locateTdoa(receivers, observe(tx, receivers, [100e-9, 150e-9, 80e-9], noise), region, {
      txHeightM: TX_HEIGHT_M,
    });
    const m2 = mahalanobis2(est.east - tx.east, est.north - tx.north, est.cov);
    if (m2 <= 6.18) within2++; // the 2σ ellipse of a 2-D Gaussian: χ²₂ ≤ 6.18 holds 95.4 %
    if (m2 <= 11.83) within3++; // χ²₂ ≤ 11.83 holds 99.73 %
    worstRmsM = Math.max(worstRmsM, Math.sqrt(est.cov[0][0] + est.cov[1][1]));
    assert.equal(est.method, 'tdoa');
    assert.ok(est.pairs?.every((p) => p.used));
  }
  t.diagnostic(`${within2}/${draws} within 2σ, ${within3}/${draws} within 3σ, worst √trace(cov) ${worstRmsM.toFixed(1)} m`);
  // σ ≈ 100 ns is ~30 m of range difference: the ellipses are tens of metres, not kilometres.
  assert.ok(worstRmsM < 500, `worst √trace(cov) ${worstRmsM} m`);
  assert.ok(within3 >= draws - 2, `${within3}/${draws} within the 3σ ellipse`);
  // Binomial(80, 0.954): mean 76.3, σ 1.9.
  assert.ok(within2 >= 70 && within2 <= 80, `${within2}/${draws} within the 2σ ellipse (expected ~95 %)`);
});

test('locateTdoa rejects a corrupted pair and reports it', () => {
  const noise = gaussian(prng(3));
  const tx = { east: 12_000, north: -8_000 };
  const obs = observe(tx, receivers, [100e-9], noise);
  const bad = obs[2] as TimeDifferenceObservation;
  bad.seconds += 30e-6; // 9 km of range difference: a wrong correlation peak
  const est = locateTdoa(receivers, obs, region, { txHeightM: TX_HEIGHT_M });
  const diag = est.pairs?.find((p) => p.b === bad.b);
  assert.equal(diag?.used, false);
  assert.match(diag?.reason ?? '', /outlier: normalized residual \d+(\.\d)?σ > 5σ/);
  assert.equal(est.pairs?.filter((p) => !p.used).length, 1);
  assert.equal(est.receivers.find((r) => r.id === bad.b)?.used, false);
  assert.ok(mahalanobis2(est.east - tx.east, est.north - tx.north, est.cov) <= 11.83);
  // Without rejection the corrupted pair would pull the estimate by kilometres.
  assert.ok(Math.hypot(est.east - tx.east, est.north - tx.north) < 200);
});

test('locateTdoa refuses pairs that involve only 2 receivers, naming them', () => {
  const obs: TimeDifferenceObservation[] = [{ a: 'north', b: 'east', seconds: 1e-5, sigmaS: 1e-7, quality: 20 }];
  assert.throws(
    () => locateTdoa(receivers, obs, region),
    (e: unknown) => e instanceof LocateError && /at least 3 distinct receivers/.test(e.message) && /north, east/.test(e.message),
  );
  assert.throws(
    () => locateTdoa(receivers, [{ ...obs[0], b: 'nowhere' } as TimeDifferenceObservation], region),
    (e: unknown) => e instanceof LocateError && /'nowhere' is not among the receivers/.test(e.message),
  );
});

test('delays noisier than their stated σ: the variance factor (χ² per degree of freedom) widens the ellipse towards honest', () => {
  const noise = gaussian(prng(23));
  const pick = prng(29);
  const draws = 80;
  let scaled = 0;
  let unscaled = 0;
  let factors = 0;
  for (let k = 0; k < draws; k++) {
    const tx = { east: -30_000 + 60_000 * pick(), north: -30_000 + 60_000 * pick() };
    // Stated σ 100 ns, true noise 200 ns: a σ model that underrates the delay error 2×.
    const obs = observe(tx, receivers, [200e-9], noise).map((o) => ({ ...o, sigmaS: 100e-9 }));
    const est = locateTdoa(receivers, obs, region, { txHeightM: TX_HEIGHT_M });
    const f = est.nuisance?.varianceFactor ?? Number.NaN;
    factors += f;
    const [dx, dy] = [est.east - tx.east, est.north - tx.north];
    if (mahalanobis2(dx, dy, est.cov) <= 6.18) scaled++;
    const fisher = est.cov.map((row) => row.map((v) => v / f)) as Cov2;
    if (mahalanobis2(dx, dy, fisher) <= 6.18) unscaled++;
  }
  // E[χ²/dof] = 4 when the noise is twice the stated σ (fewer after the occasional 5σ rejection).
  assert.ok(factors / draws > 2 && factors / draws < 7, `mean variance factor ${(factors / draws).toFixed(1)}`);
  // The 2σ ellipse (95.4 % when honest): the factor recovers most of what the understated σ lost.
  assert.ok(scaled >= unscaled + 0.15 * draws, `2σ coverage ${scaled}/${draws} scaled vs ${unscaled}/${draws} unscaled`);
  assert.ok(scaled >= 0.75 * draws, `${scaled}/${draws} within the 2σ ellipse`);
});
