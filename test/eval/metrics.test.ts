// Localization metrics: hand-computed small cases, and calibration of a correct vs an
// overconfident predictor on samples drawn from known Gaussians.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type LocalizationSample, localizationMetrics, mahalanobis2, quantile } from '../../src/eval/metrics.js';
import { type Cov2, cep50 } from '../../src/math/gaussian2d.js';
import { assertClose, prng } from '../helpers.js';

/** N(0, 1) pairs by Box–Muller from the test PRNG. */
function gaussians(seed: number): () => [number, number] {
  const r = prng(seed);
  return () => {
    const u1 = 1 - r();
    const u2 = r();
    const m = Math.sqrt(-2 * Math.log(u1));
    return [m * Math.cos(2 * Math.PI * u2), m * Math.sin(2 * Math.PI * u2)];
  };
}

const iso = (s: number): Cov2 => [
  [s * s, 0],
  [0, s * s],
];

describe('quantile', () => {
  test('linear interpolation between order statistics', () => {
    const s = [1, 2, 4, 8];
    assert.equal(quantile(s, 0), 1);
    assert.equal(quantile(s, 1), 8);
    assert.equal(quantile(s, 0.5), 3); // h = 1.5 → 2 + 0.5·(4 − 2)
    assertClose([quantile(s, 0.9)], [6.8], 1e-12); // h = 2.7 → 4 + 0.7·4
    assert.equal(quantile([5], 0.3), 5);
    assert.equal(quantile(Float64Array.from([0, 10]), 0.25), 2.5);
  });

  test('rejects empty input and q outside [0, 1]', () => {
    assert.throws(() => quantile([], 0.5), /quantile: empty input/);
    assert.throws(() => quantile([1], 1.5), /q must be in \[0, 1\]/);
    assert.throws(() => quantile([1], Number.NaN), /q must be in \[0, 1\]/);
  });
});

describe('mahalanobis2', () => {
  test('diagonal and correlated covariances', () => {
    assertClose([mahalanobis2(3, 4, iso(5))], [1], 1e-15);
    assertClose(
      [
        mahalanobis2(2, 3, [
          [4, 0],
          [0, 9],
        ]),
      ],
      [2],
      1e-15,
    );
    // Σ = [[2, 1], [1, 2]], Σ⁻¹ = [[2, −1], [−1, 2]]/3: [1, 1] → (2 − 2 + 2)/3 = 2/3; [1, −1] → 6/3 = 2.
    const c: Cov2 = [
      [2, 1],
      [1, 2],
    ];
    assertClose([mahalanobis2(1, 1, c), mahalanobis2(1, -1, c)], [2 / 3, 2], 1e-15);
  });

  test('rejects a covariance that is not positive definite', () => {
    assert.throws(
      () =>
        mahalanobis2(1, 1, [
          [1, 2],
          [2, 1],
        ]),
      /mahalanobis2: covariance must be symmetric positive definite/,
    );
  });
});

describe('localizationMetrics', () => {
  test('a hand-computed set of four samples', () => {
    // Radial errors 5, 10, 1, 20 (3-4-5, 6-8-10, 0-1-1, 0-20-20) → sorted 1, 5, 10, 20.
    const samples: LocalizationSample[] = [
      { errorE: 3, errorN: 4, cov: iso(5) }, // m² = 1
      { errorE: -6, errorN: 8, cov: iso(5) }, // m² = 4
      { errorE: 0, errorN: 1, cov: iso(2) }, // m² = 0.25
      { errorE: 0, errorN: -20, cov: iso(5) }, // m² = 16
    ];
    const m = localizationMetrics(samples);
    assert.equal(m.count, 4);
    assertClose([m.medianErrorM], [7.5], 1e-12, 0, 'median'); // between 5 and 10
    assertClose([m.cep50EmpiricalM], [7.5], 1e-12, 0, 'cep50 empirical');
    assertClose([m.p90ErrorM], [17], 1e-12, 0, 'p90'); // h = 2.7 → 10 + 0.7·10
    assertClose([m.meanErrorM], [9], 1e-12, 0, 'mean');
    assertClose([m.rmseM], [Math.sqrt((25 + 100 + 1 + 400) / 4)], 1e-12, 0, 'rmse');
    assert.equal(m.coverage1Sigma, 0.5); // m² = 1 and 0.25 (≤ is inclusive)
    assert.equal(m.coverage2Sigma, 0.75); // + m² = 4
    // NLL = ½m² + log(2π) + log σ² for an isotropic σ.
    const nll = (m2: number, s: number) => 0.5 * m2 + Math.log(2 * Math.PI) + Math.log(s * s);
    assertClose([m.meanNll], [(nll(1, 5) + nll(4, 5) + nll(0.25, 2) + nll(16, 5)) / 4], 1e-12, 1e-12, 'meanNll');
    // CEP50 of an isotropic Gaussian: σ√(2 ln 2).
    const k = Math.sqrt(2 * Math.LN2);
    assertClose([m.meanPredictedCep50M], [((3 * 5 + 2) * k) / 4], 1e-8, 1e-8, 'mean predicted CEP50');
  });

  test('a single sample', () => {
    const m = localizationMetrics([{ errorE: 0, errorN: 0, cov: iso(1) }]);
    assert.equal(m.count, 1);
    assert.equal(m.medianErrorM, 0);
    assert.equal(m.p90ErrorM, 0);
    assert.equal(m.coverage1Sigma, 1);
    assertClose([m.meanNll], [Math.log(2 * Math.PI)], 1e-15);
  });

  test('errors on empty input and on non-finite errors', () => {
    assert.throws(() => localizationMetrics([]), /localizationMetrics: no samples/);
    assert.throws(
      () => localizationMetrics([{ errorE: Number.NaN, errorN: 0, cov: iso(1) }]),
      /localizationMetrics: sample 0 has a non-finite error/,
    );
  });

  /** n samples each drawn from its own (varied, correlated) predicted Gaussian; `inflate` scales the drawn error. */
  function drawn(n: number, seed: number, inflate = 1): LocalizationSample[] {
    const g = gaussians(seed);
    const r = prng(seed + 1);
    const out: LocalizationSample[] = [];
    for (let i = 0; i < n; i++) {
      const se = 5 + 95 * r();
      const sn = 5 + 95 * r();
      const rho = -0.9 + 1.8 * r();
      const [u, v] = g();
      const e = se * u * inflate;
      const nn = sn * (rho * u + Math.sqrt(1 - rho * rho) * v) * inflate;
      out.push({
        errorE: e,
        errorN: nn,
        cov: [
          [se * se, rho * se * sn],
          [rho * se * sn, sn * sn],
        ],
      });
    }
    return out;
  }

  test('samples drawn from their predicted Gaussians: coverage ≈ 0.393 / 0.865, meanNll matches the formula', () => {
    const n = 2000;
    const samples = drawn(n, 7);
    const m = localizationMetrics(samples);
    const p1 = 1 - Math.exp(-0.5);
    const p2 = 1 - Math.exp(-2);
    assertClose([m.coverage1Sigma], [p1], 4 * Math.sqrt((p1 * (1 - p1)) / n), 0, 'coverage 1σ');
    assertClose([m.coverage2Sigma], [p2], 4 * Math.sqrt((p2 * (1 - p2)) / n), 0, 'coverage 2σ');
    // meanNll against a direct formula with Σ⁻¹ and det written out.
    let sum = 0;
    let cepSum = 0;
    for (const s of samples) {
      const [[a, b], [, d]] = s.cov;
      const det = a * d - b * b;
      const quad = (d * s.errorE ** 2 - 2 * b * s.errorE * s.errorN + a * s.errorN ** 2) / det;
      sum += 0.5 * quad + Math.log(2 * Math.PI * Math.sqrt(det));
      cepSum += cep50(s.cov);
    }
    assertClose([m.meanNll], [sum / n], 1e-10, 1e-12, 'meanNll');
    assertClose([m.meanPredictedCep50M], [cepSum / n], 1e-9, 1e-12, 'mean predicted CEP50');
  });

  test('an overconfident predictor (σ 3× too small) has much lower coverage and higher NLL', () => {
    const n = 2000;
    const calibrated = localizationMetrics(drawn(n, 9));
    const over = localizationMetrics(drawn(n, 9, 3));
    // Errors 3× the predicted σ: P(m² ≤ k²) = 1 − exp(−k²/18): 0.054 at 1σ, 0.199 at 2σ.
    const q1 = 1 - Math.exp(-1 / 18);
    const q2 = 1 - Math.exp(-4 / 18);
    assertClose([over.coverage1Sigma], [q1], 4 * Math.sqrt((q1 * (1 - q1)) / n), 0, 'overconfident 1σ');
    assertClose([over.coverage2Sigma], [q2], 4 * Math.sqrt((q2 * (1 - q2)) / n), 0, 'overconfident 2σ');
    assert.ok(over.coverage1Sigma < calibrated.coverage1Sigma / 4);
    assert.ok(over.coverage2Sigma < calibrated.coverage2Sigma / 3);
    assert.ok(over.meanNll > calibrated.meanNll + 3, `NLL ${over.meanNll} vs ${calibrated.meanNll}`);
    assertClose([over.medianErrorM], [3 * calibrated.medianErrorM], 1e-9, 1e-9, 'median scales with the errors');
  });
});
