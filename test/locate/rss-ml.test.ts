// Maximum likelihood from received powers reaches the Cramér–Rao bound at high SNR, reports a
// covariance that matches it, and refuses with the receivers named when too few heard.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locateRssMl } from '../../src/locate/rss-ml.js';
import { LocateError } from '../../src/locate/types.js';
import { Rng } from '../../src/math/rng.js';
import { pathLossSlopeDbPerM } from '../../src/rf/propagation.js';
import { type CrlbLink, positionCrlb } from '../../src/sim/crlb.js';
import { drawObservations, FREQ_HZ, logDistanceModel, ring } from './fixtures.js';

const EXPONENT = 3;
const SIGMA_DB = 4;
const model = logDistanceModel(EXPONENT, SIGMA_DB, [20, 40]);
const rx = ring(20, 10_000);
const tx = { east: 1500, north: -800 };
const region = { east: [-15_000, 15_000] as [number, number], north: [-15_000, 15_000] as [number, number] };

function crlbAt(p: { east: number; north: number }) {
  const links: CrlbLink[] = rx.map((r) => {
    const d = Math.hypot(p.east - r.east, p.north - r.north);
    return {
      east: r.east,
      north: r.north,
      distanceM: d,
      horizontalM: d,
      lossSlopeDbPerM: pathLossSlopeDbPerM(
        { model: 'log-distance', exponent: EXPONENT, refDistanceM: 1000 },
        { distanceM: d, freqHz: FREQ_HZ, rxHeightM: 10, txHeightM: 10 },
      ),
      rssSigmaDb: SIGMA_DB,
      toaSigmaS: Number.POSITIVE_INFINITY,
    };
  });
  const b = positionCrlb(p, links);
  if ('reason' in b) throw new Error(b.reason);
  return b;
}

test('RSS-ML reaches the CRLB within 20 % (20 receivers, σ = 4 dB, 250 draws)', () => {
  const bound = crlbAt(tx);
  const rng = new Rng(11, 'rss-ml-crlb');
  let sq = 0;
  const covRatios: number[] = [];
  const draws = 250;
  for (let t = 0; t < draws; t++) {
    const est = locateRssMl(drawObservations(rx, model, tx, 30, rng), model, region);
    sq += (est.east - tx.east) ** 2 + (est.north - tx.north) ** 2;
    covRatios.push((est.cov[0][0] + est.cov[1][1]) / (bound.covariance[0][0] + bound.covariance[1][1]));
  }
  const ratio = Math.sqrt(sq / draws) / bound.rmseM;
  console.log(`RSS-ML RMSE ${Math.sqrt(sq / draws).toFixed(0)} m vs CRLB ${bound.rmseM.toFixed(0)} m: ratio ${ratio.toFixed(3)}`);
  assert.ok(ratio >= 0.8 && ratio <= 1.2, `RMSE / √trace(CRLB) = ${ratio.toFixed(3)}`);
  covRatios.sort((a, b) => a - b);
  const median = covRatios[Math.floor(draws / 2)] as number;
  assert.ok(Math.abs(median - 1) < 0.2, `median trace(ML cov at the estimate) / trace(CRLB at the truth) = ${median.toFixed(3)}`);
});

test("RSS-ML's own covariance at the truth is the CRLB (noise-free powers)", () => {
  const rng = new Rng(12, 'unused');
  const exact = { ...model, sigmaDb: 0 };
  const obs = drawObservations(rx, exact, tx, 30, rng);
  const est = locateRssMl(obs, model, region);
  assert.ok(Math.hypot(est.east - tx.east, est.north - tx.north) < 1, `noise-free estimate ${est.east}, ${est.north}`);
  const b = crlbAt(tx).covariance;
  for (const [i, j] of [
    [0, 0],
    [1, 1],
    [0, 1],
  ] as const) {
    const scale = Math.sqrt(b[0][0] * b[1][1]);
    assert.ok(Math.abs(est.cov[i][j] - b[i][j]) < 0.02 * scale, `cov[${i}][${j}] ${est.cov[i][j]} vs CRLB ${b[i][j]}`);
  }
  assert.ok(Math.abs((est.nuisance?.txPowerDbm as number) - 30) < 1e-3);
  assert.ok(est.receivers.every((r) => r.used && Math.abs(r.residualDb as number) < 1e-3));
});

test('with fitExponent, the exponent and σ are estimated and the position still found', () => {
  const rng = new Rng(13, 'fit-exponent');
  const truth = logDistanceModel(3.5, 2, [20, 40]);
  // A 5×5 grid of receivers: the distances spread widely, which separates the exponent from the
  // intercept (on a ring around the transmitter they barely differ and the two trade off).
  const grid = Array.from({ length: 25 }, (_, i) => ({
    id: `g${i}`,
    east: ((i % 5) - 2) * 6000,
    north: (Math.floor(i / 5) - 2) * 6000,
    heightM: 10,
  }));
  const at = { east: 3000, north: -2000 };
  // The estimator is told n = 3 but fits its own.
  const est = locateRssMl(drawObservations(grid, truth, at, 30, rng), model, region, { fitExponent: true });
  assert.ok(Math.abs((est.nuisance?.exponent as number) - 3.5) < 0.5, `exponent ${est.nuisance?.exponent}`);
  assert.ok(Math.abs((est.nuisance?.sigmaDb as number) - 2) < 0.8, `σ ${est.nuisance?.sigmaDb}`);
  const err = Math.hypot(est.east - at.east, est.north - at.north);
  const sd = Math.sqrt(est.cov[0][0] + est.cov[1][1]);
  assert.ok(err < 3 * sd && sd < 1000, `error ${err.toFixed(0)} m, reported RMS ${sd.toFixed(0)} m`);
});

test('too few heard receivers: LocateError naming them; flat cost refused', () => {
  const obs = ring(5, 5000).map((r, i) => ({ ...r, rssDbm: i < 2 ? -90 : null }));
  assert.throws(
    () => locateRssMl(obs, model, region),
    (e: unknown) =>
      e instanceof LocateError &&
      /at least 3/.test(e.message) &&
      /heard: rx00, rx01/.test(e.message) &&
      /not heard: rx02, rx03, rx04/.test(e.message),
  );
  const four = ring(5, 5000).map((r, i) => ({ ...r, rssDbm: i < 3 ? -90 : null }));
  assert.throws(
    () => locateRssMl(four, model, region, { fitExponent: true }),
    (e: unknown) => e instanceof LocateError && /at least 4/.test(e.message),
  );
  const stacked = [0, 1, 2].map((i) => ({ id: `s${i}`, east: 0, north: 0, heightM: 10, rssDbm: -80 - i }));
  assert.throws(
    () => locateRssMl(stacked, model, region),
    (e: unknown) => e instanceof LocateError && /flat/.test(e.message),
  );
});
