// The metrics of one estimator (the model or a reference) as the evaluation document holds them:
// error statistics, calibration of its predicted Gaussian, an error CDF, and bootstrap 95 %
// intervals so a reader can tell real differences from resampling noise. Arrays in, numbers out.
import { Rng } from '../math/rng.js';
import type { BinnedErrors, BoundMetrics, EstimatorMetrics, EstimatorSample, Interval } from './evaluation-document.js';
import { gaussianNll2, mahalanobis2, quantile } from './metrics.js';

/** Nominal levels of the calibration curve: 0.05, 0.10, …, 0.95. */
export const CALIBRATION_LEVELS: readonly number[] = Array.from({ length: 19 }, (_, i) => Number(((i + 1) * 0.05).toFixed(2)));

/** Most points an error CDF keeps (a report line needs no more). */
export const MAX_CDF_POINTS = 200;

export interface EstimatorMetricsOptions {
  /** Bootstrap resamples for the 95 % intervals (default 1000). */
  bootstrap?: number;
  /** Seed of the resampling: same samples and seed, same intervals (default 1). */
  seed?: number;
}

/** Squared Mahalanobis radius of the p-ellipse of a 2-D Gaussian: P(m² ≤ t) = 1 − e^(−t/2). */
function mahalanobis2AtLevel(p: number): number {
  return -2 * Math.log(1 - p);
}

function fractionAtMost(sortedAsc: Float64Array, t: number): number {
  // Binary search for the first value > t.
  let lo = 0;
  let hi = sortedAsc.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sortedAsc[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo / sortedAsc.length;
}

/** At most MAX_CDF_POINTS points of the empirical CDF, evenly spaced in rank, always ending at fraction 1. */
function downsampledCdf(sortedAsc: Float64Array): { errorM: number; fraction: number }[] {
  const n = sortedAsc.length;
  const points = Math.min(n, MAX_CDF_POINTS);
  const out: { errorM: number; fraction: number }[] = [];
  for (let k = 1; k <= points; k++) {
    const rank = Math.round((k * n) / points); // 1-based rank of the k-th kept order statistic
    out.push({ errorM: sortedAsc[rank - 1] as number, fraction: rank / n });
  }
  return out;
}

function interval(statistics: Float64Array): Interval {
  statistics.sort();
  return { low: quantile(statistics, 0.025), high: quantile(statistics, 0.975) };
}

/**
 * Every field of EstimatorMetrics for one estimator's samples.
 *
 * Samples with `cov: null` count in the error statistics (median, p90, CDF, …) but not in the
 * covariance-based ones: when SOME samples have a covariance, coverages, NLL, sharpness and the
 * calibration curve are computed over those samples only (and their bootstrap intervals over the
 * covariance-carrying samples drawn in each resample); when none has one, those fields are null.
 *
 * Bootstrap: `bootstrap` resamples of all samples with replacement (seeded, so deterministic);
 * the intervals are the 2.5th and 97.5th percentiles of the resampled median and coverages.
 */
export function estimatorMetrics(samples: EstimatorSample[], o: EstimatorMetricsOptions = {}): EstimatorMetrics {
  const n = samples.length;
  if (n === 0) throw new RangeError('estimatorMetrics: no samples (need at least one error to evaluate)');
  const resamples = o.bootstrap ?? 1000;
  if (!(Number.isInteger(resamples) && resamples >= 1)) {
    throw new RangeError(`estimatorMetrics: bootstrap must be a positive integer, got ${resamples}`);
  }
  const radial = new Float64Array(n);
  // Squared Mahalanobis distance per sample; NaN where the sample has no covariance.
  const m2 = new Float64Array(n).fill(Number.NaN);
  const withCov: number[] = [];
  const nll: number[] = [];
  const areas: number[] = [];
  let sumErr = 0;
  let sumSq = 0;
  samples.forEach((s, i) => {
    if (!(Number.isFinite(s.errorE) && Number.isFinite(s.errorN))) {
      throw new RangeError(`estimatorMetrics: sample ${i} has a non-finite error (${s.errorE}, ${s.errorN})`);
    }
    const sq = s.errorE * s.errorE + s.errorN * s.errorN;
    radial[i] = Math.sqrt(sq);
    sumErr += radial[i] as number;
    sumSq += sq;
    if (s.cov === null) return;
    m2[i] = mahalanobis2(s.errorE, s.errorN, s.cov); // throws, naming the matrix, if not SPD
    withCov.push(i);
    nll.push(gaussianNll2(s.errorE, s.errorN, s.cov));
    const [[a, b], [, d]] = s.cov;
    areas.push(Math.PI * Math.sqrt(a * d - b * b));
  });
  const sorted = Float64Array.from(radial).sort();
  const median = quantile(sorted, 0.5);

  let coverage1Sigma: number | null = null;
  let coverage2Sigma: number | null = null;
  let meanNll: number | null = null;
  let sharpnessM2: number | null = null;
  let calibration: EstimatorMetrics['calibration'] = null;
  if (withCov.length > 0) {
    const m2Sorted = Float64Array.from(withCov, (i) => m2[i] as number).sort();
    coverage1Sigma = fractionAtMost(m2Sorted, 1);
    coverage2Sigma = fractionAtMost(m2Sorted, 4);
    meanNll = nll.reduce((acc, v) => acc + v, 0) / nll.length;
    sharpnessM2 = quantile(
      areas.sort((x, y) => x - y),
      0.5,
    );
    calibration = CALIBRATION_LEVELS.map((level) => ({ level, observed: fractionAtMost(m2Sorted, mahalanobis2AtLevel(level)) }));
  }

  // Bootstrap over all samples; coverages over the covariance-carrying samples drawn.
  const rng = new Rng(o.seed ?? 1, 'estimatorMetrics bootstrap');
  const medians = new Float64Array(resamples);
  const cov1 = new Float64Array(resamples);
  const cov2 = new Float64Array(resamples);
  const draw = new Float64Array(n);
  for (let r = 0; r < resamples; r++) {
    let drawnWithCov = 0;
    let in1 = 0;
    let in2 = 0;
    for (let k = 0; k < n; k++) {
      const i = rng.int(n);
      draw[k] = radial[i] as number;
      const v = m2[i] as number;
      if (Number.isNaN(v)) continue;
      drawnWithCov++;
      if (v <= 1) in1++;
      if (v <= 4) in2++;
    }
    medians[r] = quantile(draw.sort(), 0.5);
    // A resample that drew no covariance-carrying sample says nothing about coverage: use the point estimate.
    cov1[r] = drawnWithCov > 0 ? in1 / drawnWithCov : (coverage1Sigma ?? 0);
    cov2[r] = drawnWithCov > 0 ? in2 / drawnWithCov : (coverage2Sigma ?? 0);
  }
  const hasCov = withCov.length > 0;

  return {
    count: n,
    medianErrorM: median,
    meanErrorM: sumErr / n,
    p90ErrorM: quantile(sorted, 0.9),
    p95ErrorM: quantile(sorted, 0.95),
    rmseM: Math.sqrt(sumSq / n),
    cep50M: median,
    r95M: quantile(sorted, 0.95),
    coverage1Sigma,
    coverage2Sigma,
    meanNll,
    sharpnessM2,
    intervals: {
      medianErrorM: interval(medians),
      coverage1Sigma: hasCov ? interval(cov1) : null,
      coverage2Sigma: hasCov ? interval(cov2) : null,
    },
    calibration,
    cdf: downsampledCdf(sorted),
  };
}

/**
 * The CRLB reference: the median of the per-sample bound (CEP50, m) over the samples that have
 * one; null entries (too few receivers heard the sample) are counted in `leftOut`.
 */
export function boundMetrics(boundsM: (number | null)[]): BoundMetrics {
  const kept: number[] = [];
  boundsM.forEach((b, i) => {
    if (b === null) return;
    if (!(Number.isFinite(b) && b >= 0))
      throw new RangeError(`boundMetrics: bound ${i} must be a finite radius ≥ 0 m or null, got ${b}`);
    kept.push(b);
  });
  if (kept.length === 0) {
    throw new RangeError(
      `boundMetrics: none of the ${boundsM.length} samples has a bound (leave the CRLB reference out instead)`,
    );
  }
  kept.sort((x, y) => x - y);
  return { count: kept.length, medianErrorM: quantile(kept, 0.5), leftOut: boundsM.length - kept.length };
}

/**
 * Median error per estimator in bins [edges[i], edges[i+1]) of x (e.g. GDOP, best SNR in dB).
 * Samples whose x is null or outside the edges are left out; an estimator's null errors (it did
 * not apply) are left out of its median, which is null when a bin has none of its errors.
 */
export function binnedMedians(x: (number | null)[], errors: Record<string, (number | null)[]>, edges: number[]): BinnedErrors[] {
  if (edges.length < 2) throw new RangeError(`binnedMedians: need at least 2 edges, got ${edges.length}`);
  for (let i = 1; i < edges.length; i++) {
    if (!((edges[i] as number) > (edges[i - 1] as number))) {
      throw new RangeError(`binnedMedians: edges must increase strictly, got ${edges[i - 1]} then ${edges[i]} at index ${i}`);
    }
  }
  for (const [name, e] of Object.entries(errors)) {
    if (e.length !== x.length)
      throw new RangeError(`binnedMedians: errors['${name}'] has ${e.length} values but x has ${x.length}`);
  }
  const bins: BinnedErrors[] = [];
  for (let b = 0; b + 1 < edges.length; b++) {
    const from = edges[b] as number;
    const to = edges[b + 1] as number;
    const members: number[] = [];
    x.forEach((v, i) => {
      if (v !== null && v >= from && v < to) members.push(i);
    });
    const medianErrorM: Record<string, number | null> = {};
    for (const [name, e] of Object.entries(errors)) {
      const values = members.map((i) => e[i]).filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v));
      medianErrorM[name] =
        values.length > 0
          ? quantile(
              values.sort((p, q) => p - q),
              0.5,
            )
          : null;
    }
    bins.push({ from, to, count: members.length, medianErrorM });
  }
  return bins;
}
