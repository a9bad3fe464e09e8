// Estimator metrics of the evaluation document: hand-computed small cases, coverage and the
// calibration curve on errors drawn from known correlated Gaussians, bootstrap intervals.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { binnedMedians, boundMetrics, CALIBRATION_LEVELS, estimatorMetrics } from '../../src/eval/estimator-metrics.js';
import type { EstimatorSample } from '../../src/eval/evaluation-document.js';
import type { Cov2 } from '../../src/math/gaussian2d.js';
import { Rng } from '../../src/math/rng.js';

const close = (actual: number | null | undefined, expected: number, tol: number, what: string) => {
  assert.ok(actual !== null && actual !== undefined, `${what}: got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected} ± ${tol}, got ${actual}`);
};

const iso = (s: number): Cov2 => [
  [s * s, 0],
  [0, s * s],
];

/** n errors drawn from N(0, Σᵢ) with random correlated Σᵢ; `claimedScale` scales the σ each sample reports. */
function gaussianSamples(n: number, seed: number, claimedScale = 1): EstimatorSample[] {
  const rng = new Rng(seed, 'test gaussians');
  const out: EstimatorSample[] = [];
  for (let i = 0; i < n; i++) {
    const se = rng.between(10, 200);
    const sn = rng.between(10, 200);
    const rho = rng.between(-0.8, 0.8);
    // Cholesky of [[se², ρ se sn], [ρ se sn, sn²]].
    const z1 = rng.normal();
    const z2 = rng.normal();
    const errorE = se * z1;
    const errorN = sn * (rho * z1 + Math.sqrt(1 - rho * rho) * z2);
    const k2 = claimedScale * claimedScale;
    out.push({
      errorE,
      errorN,
      cov: [
        [k2 * se * se, k2 * rho * se * sn],
        [k2 * rho * se * sn, k2 * sn * sn],
      ],
    });
  }
  return out;
}

describe('estimatorMetrics: hand-computed values', () => {
  // Radial errors 5, 1, 10, 2 → sorted [1, 2, 5, 10].
  const samples: EstimatorSample[] = [
    { errorE: 3, errorN: 4, cov: iso(1) }, // m² = 25
    { errorE: 0, errorN: 1, cov: iso(1) }, // m² = 1
    { errorE: 6, errorN: 8, cov: null }, // no covariance: error statistics only
    { errorE: 0, errorN: -2, cov: iso(2) }, // m² = 4/4 = 1
  ];
  const m = estimatorMetrics(samples, { bootstrap: 50, seed: 3 });

  test('error statistics over all samples', () => {
    assert.equal(m.count, 4);
    close(m.medianErrorM, 3.5, 1e-12, 'median');
    close(m.cep50M, 3.5, 1e-12, 'CEP50');
    close(m.meanErrorM, 4.5, 1e-12, 'mean');
    close(m.rmseM, Math.sqrt(130 / 4), 1e-12, 'RMSE');
    close(m.p90ErrorM, 8.5, 1e-12, 'p90'); // h = 2.7 → 5 + 0.7·5
    close(m.p95ErrorM, 9.25, 1e-12, 'p95'); // h = 2.85 → 5 + 0.85·5
    close(m.r95M, 9.25, 1e-12, 'R95');
  });

  test('coverage, NLL, sharpness over the samples that have a covariance', () => {
    close(m.coverage1Sigma, 2 / 3, 1e-12, '1σ coverage'); // m² = 25, 1, 1
    close(m.coverage2Sigma, 2 / 3, 1e-12, '2σ coverage');
    const log2pi = Math.log(2 * Math.PI);
    close(m.meanNll, (12.5 + 0.5 + 0.5 + 0.5 * Math.log(16)) / 3 + log2pi, 1e-12, 'mean NLL');
    close(m.sharpnessM2, Math.PI, 1e-12, 'sharpness'); // areas π, π, 4π
  });

  test('calibration curve at 0.05 … 0.95 with the p-ellipse m² ≤ −2 ln(1 − p)', () => {
    assert.deepEqual(
      m.calibration?.map((c) => c.level),
      [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
    );
    // m² = 1 lies inside the p-ellipse once −2 ln(1 − p) ≥ 1, i.e. p ≥ 1 − e^(−1/2) = 0.3935.
    for (const c of m.calibration ?? []) assert.equal(c.observed, c.level >= 0.3935 ? 2 / 3 : 0, `level ${c.level}`);
  });

  test('CDF: every sample when there are few', () => {
    assert.deepEqual(m.cdf, [
      { errorM: 1, fraction: 0.25 },
      { errorM: 2, fraction: 0.5 },
      { errorM: 5, fraction: 0.75 },
      { errorM: 10, fraction: 1 },
    ]);
  });

  test('no covariances: the covariance-based fields are null', () => {
    const none = estimatorMetrics(
      samples.map((s) => ({ ...s, cov: null })),
      { bootstrap: 20 },
    );
    assert.equal(none.coverage1Sigma, null);
    assert.equal(none.coverage2Sigma, null);
    assert.equal(none.meanNll, null);
    assert.equal(none.sharpnessM2, null);
    assert.equal(none.calibration, null);
    assert.equal(none.intervals.coverage1Sigma, null);
    assert.equal(none.intervals.coverage2Sigma, null);
    close(none.medianErrorM, 3.5, 1e-12, 'median without covariances');
  });

  test('identical errors give a zero-width interval', () => {
    const same = estimatorMetrics(Array.from({ length: 30 }, () => ({ errorE: 6, errorN: 8, cov: iso(20) })));
    assert.deepEqual(same.intervals.medianErrorM, { low: 10, high: 10 });
    assert.deepEqual(same.intervals.coverage1Sigma, { low: 1, high: 1 });
  });

  test('rejects empty input, non-finite errors, bad covariances and bad resample counts', () => {
    assert.throws(() => estimatorMetrics([]), /estimatorMetrics: no samples/);
    assert.throws(() => estimatorMetrics([{ errorE: Number.NaN, errorN: 0, cov: null }]), /sample 0 has a non-finite error/);
    assert.throws(
      () =>
        estimatorMetrics([
          {
            errorE: 1,
            errorN: 1,
            cov: [
              [1, 2],
              [2, 1],
            ],
          },
        ]),
      /symmetric positive definite/,
    );
    assert.throws(() => estimatorMetrics(samples, { bootstrap: 0 }), /bootstrap must be a positive integer, got 0/);
  });
});

describe('estimatorMetrics: draws from known Gaussians', () => {
  const n = 3000;
  const calibrated = estimatorMetrics(gaussianSamples(n, 11), { bootstrap: 200, seed: 5 });

  test('calibrated covariances: 1σ ≈ 39.35 %, 2σ ≈ 86.47 %, calibration curve ≈ diagonal', () => {
    close(calibrated.coverage1Sigma, 1 - Math.exp(-0.5), 0.03, '1σ coverage');
    close(calibrated.coverage2Sigma, 1 - Math.exp(-2), 0.02, '2σ coverage');
    assert.equal(calibrated.calibration?.length, CALIBRATION_LEVELS.length);
    for (const c of calibrated.calibration ?? []) close(c.observed, c.level, 0.035, `calibration at ${c.level}`);
    // The intervals hold the point estimates and are narrow for 3000 samples.
    const i1 = calibrated.intervals.coverage1Sigma;
    assert.ok(i1 && i1.low <= (calibrated.coverage1Sigma as number) && (calibrated.coverage1Sigma as number) <= i1.high);
    assert.ok(i1 && i1.high - i1.low < 0.06, `1σ interval ${JSON.stringify(i1)}`);
  });

  test('over-confident covariances (σ/2) give clearly lower coverage', () => {
    const over = estimatorMetrics(gaussianSamples(n, 11, 0.5), { bootstrap: 50 });
    // m² grows 4×: P(m² ≤ 1) = 1 − e^(−1/8) = 0.1175, P(m² ≤ 4) = 1 − e^(−1/2) = 0.3935.
    close(over.coverage1Sigma, 1 - Math.exp(-1 / 8), 0.03, 'over-confident 1σ');
    close(over.coverage2Sigma, 1 - Math.exp(-0.5), 0.03, 'over-confident 2σ');
    assert.ok((over.calibration?.[18]?.observed as number) < 0.7, 'calibration at 0.95 far below the diagonal');
  });

  test('the CDF keeps at most 200 points, ends at 1 and increases', () => {
    const cdf = calibrated.cdf;
    assert.equal(cdf.length, 200);
    assert.equal(cdf.at(-1)?.fraction, 1);
    for (let i = 1; i < cdf.length; i++) {
      assert.ok((cdf[i]?.errorM as number) >= (cdf[i - 1]?.errorM as number));
      assert.ok((cdf[i]?.fraction as number) > (cdf[i - 1]?.fraction as number));
    }
    close(cdf[99]?.fraction, 0.5, 1e-12, 'the 100th point is the median rank');
  });

  test('bootstrap interval contains the true median and is deterministic for a seed', () => {
    // Isotropic σ = 50 m: the radial error is Rayleigh, median σ·√(2 ln 2).
    const rng = new Rng(99, 'rayleigh');
    const samples: EstimatorSample[] = Array.from({ length: 4000 }, () => ({
      errorE: 50 * rng.normal(),
      errorN: 50 * rng.normal(),
      cov: iso(50),
    }));
    const trueMedian = 50 * Math.sqrt(2 * Math.LN2);
    const a = estimatorMetrics(samples, { seed: 7 });
    const { low, high } = a.intervals.medianErrorM;
    assert.ok(low < trueMedian && trueMedian < high, `[${low}, ${high}] should hold ${trueMedian}`);
    assert.ok(high - low < 0.1 * trueMedian, `interval [${low}, ${high}] too wide for 4000 samples`);
    const b = estimatorMetrics(samples, { seed: 7 });
    assert.deepEqual(b.intervals, a.intervals);
    const c = estimatorMetrics(samples, { seed: 8 });
    assert.notDeepEqual(c.intervals.medianErrorM, a.intervals.medianErrorM);
  });
});

describe('boundMetrics', () => {
  test('median over the samples that have a bound; the rest are left out', () => {
    assert.deepEqual(boundMetrics([4, null, 1, 9, null, 2]), { count: 4, medianErrorM: 3, leftOut: 2 });
  });
  test('rejects a list without any bound and non-finite bounds', () => {
    assert.throws(() => boundMetrics([null, null]), /none of the 2 samples has a bound/);
    assert.throws(() => boundMetrics([1, Number.NaN]), /bound 1 must be a finite radius/);
  });
});

describe('binnedMedians', () => {
  test('medians per estimator in [from, to) bins; null x and null errors left out', () => {
    const x = [1, 1.5, 2, 2.5, null, 3.5, 9];
    const errors = { model: [10, 30, 5, null, 100, 7, 1], tdoa: [null, null, 50, 70, 100, 90, 1] };
    const bins = binnedMedians(x, errors, [1, 2, 3, 4]);
    assert.deepEqual(bins, [
      { from: 1, to: 2, count: 2, medianErrorM: { model: 20, tdoa: null } },
      { from: 2, to: 3, count: 2, medianErrorM: { model: 5, tdoa: 60 } },
      { from: 3, to: 4, count: 1, medianErrorM: { model: 7, tdoa: 90 } },
    ]);
  });
  test('rejects bad edges and mismatched lengths', () => {
    assert.throws(() => binnedMedians([1], { m: [1] }, [1]), /at least 2 edges/);
    assert.throws(() => binnedMedians([1], { m: [1] }, [2, 2]), /edges must increase strictly/);
    assert.throws(() => binnedMedians([1, 2], { m: [1] }, [0, 3]), /errors\['m'\] has 1 values but x has 2/);
  });
});
