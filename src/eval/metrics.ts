// Localization metrics over a set of predictions: error statistics (m), calibration of the
// predicted 2-D Gaussian (coverage of the 1σ/2σ ellipses, NLL) and the predicted CEP50.
import { type Cov2, cep50 } from '../math/gaussian2d.js';

export interface LocalizationSample {
  /** Prediction error, east and north (m): prediction − truth (the sign does not matter here). */
  errorE: number;
  errorN: number;
  /** Predicted error covariance (m²). */
  cov: Cov2;
}

export interface LocalizationMetrics {
  count: number;
  medianErrorM: number;
  p90ErrorM: number;
  meanErrorM: number;
  rmseM: number;
  /** Median radial error: the empirical CEP50 (m). */
  cep50EmpiricalM: number;
  /** Fraction of samples inside their 1σ ellipse (Mahalanobis² ≤ 1); 0.3935 if calibrated. */
  coverage1Sigma: number;
  /** Fraction inside the 2σ ellipse (Mahalanobis² ≤ 4); 0.8647 if calibrated. */
  coverage2Sigma: number;
  /** Mean 2-D Gaussian negative log-likelihood of the errors (natural log, densities per m²). */
  meanNll: number;
  /** Mean of the predicted CEP50 radii (m). */
  meanPredictedCep50M: number;
}

/** The q-quantile (0 ≤ q ≤ 1) of ascending `sorted`, interpolating linearly between order statistics. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile: empty input');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  if (lo + 1 >= n) return a;
  const b = sorted[lo + 1] as number;
  return a + (h - lo) * (b - a);
}

function determinant(cov: Cov2, fn: string): number {
  const [[a, b], [b2, d]] = cov;
  const det = a * d - b * b2;
  if (!(a > 0 && d > 0 && det > 0) || Math.abs(b - b2) > 1e-9 * Math.max(a, d)) {
    throw new RangeError(`${fn}: covariance must be symmetric positive definite, got [[${a}, ${b}], [${b2}, ${d}]]`);
  }
  return det;
}

/** Squared Mahalanobis distance [e, n] Σ⁻¹ [e, n]ᵀ. */
export function mahalanobis2(e: number, n: number, cov: Cov2): number {
  const det = determinant(cov, 'mahalanobis2');
  const [[a, b], [, d]] = cov;
  return (d * e * e - 2 * b * e * n + a * n * n) / det;
}

/** −log N([e, n]; 0, Σ) = ½ m² + ½ log det Σ + log 2π. */
export function gaussianNll2(e: number, n: number, cov: Cov2): number {
  const det = determinant(cov, 'gaussianNll2');
  return 0.5 * mahalanobis2(e, n, cov) + 0.5 * Math.log(det) + Math.log(2 * Math.PI);
}

export function localizationMetrics(samples: LocalizationSample[]): LocalizationMetrics {
  const count = samples.length;
  if (count === 0) throw new RangeError('localizationMetrics: no samples (need at least one prediction to evaluate)');
  const radial = new Float64Array(count);
  let sumErr = 0;
  let sumSq = 0;
  let in1 = 0;
  let in2 = 0;
  let sumNll = 0;
  let sumCep = 0;
  samples.forEach((s, i) => {
    if (!(Number.isFinite(s.errorE) && Number.isFinite(s.errorN))) {
      throw new RangeError(`localizationMetrics: sample ${i} has a non-finite error (${s.errorE}, ${s.errorN})`);
    }
    const sq = s.errorE * s.errorE + s.errorN * s.errorN;
    const r = Math.sqrt(sq);
    radial[i] = r;
    sumErr += r;
    sumSq += sq;
    const m2 = mahalanobis2(s.errorE, s.errorN, s.cov);
    if (m2 <= 1) in1++;
    if (m2 <= 4) in2++;
    sumNll += gaussianNll2(s.errorE, s.errorN, s.cov);
    sumCep += cep50(s.cov);
  });
  radial.sort();
  const median = quantile(radial, 0.5);
  return {
    count,
    medianErrorM: median,
    p90ErrorM: quantile(radial, 0.9),
    meanErrorM: sumErr / count,
    rmseM: Math.sqrt(sumSq / count),
    cep50EmpiricalM: median,
    coverage1Sigma: in1 / count,
    coverage2Sigma: in2 / count,
    meanNll: sumNll / count,
    meanPredictedCep50M: sumCep / count,
  };
}
