// Calibration of predicted uncertainty and like-for-like comparison with a per-sample bound.
// Pure functions over arrays: no model, no database.
import { Rng } from '../math/rng.js';
import { type LocalizationSample, quantile } from './metrics.js';

/**
 * Post-hoc calibration (temperature scaling of σ), fitted on the VALIDATION split: the factor k
 * in [0.5, 3] whose scaled ellipses bring the 1σ and 2σ coverages closest to 39.35 % and 86.47 %.
 * Real errors have heavier tails than a Gaussian, so one factor trades the two off.
 */
export function fitSigmaScale(validation: LocalizationSample[], o: { onlyIfMiscalibrated?: boolean } = {}): number {
  const m2 = validation.map((s) => {
    const [[a, b], [, d]] = s.cov;
    const det = a * d - b * b;
    return (d * s.errorE * s.errorE - 2 * b * s.errorE * s.errorN + a * s.errorN * s.errorN) / det;
  });
  // With onlyIfMiscalibrated, ellipses whose 1σ and 2σ coverages are both within two binomial
  // standard errors of the targets are left as they are: a factor fitted to sampling noise
  // would move a calibrated estimator away from calibration on other data.
  if (o.onlyIfMiscalibrated) {
    const n = m2.length;
    const within = (inside: number, p: number) => Math.abs(inside / n - p) <= 2 * Math.sqrt((p * (1 - p)) / n);
    if (within(m2.filter((v) => v <= 1).length, 0.3935) && within(m2.filter((v) => v <= 4).length, 0.8647)) return 1;
  }
  let best = 1;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let k = 0.5; k <= 3.0001; k += 0.01) {
    const c1 = m2.filter((v) => v <= k * k).length / m2.length;
    const c2 = m2.filter((v) => v <= 4 * k * k).length / m2.length;
    const cost = (c1 - 0.3935) ** 2 + (c2 - 0.8647) ** 2;
    if (cost < bestCost - 1e-12) {
      bestCost = cost;
      best = Number(k.toFixed(2));
    }
  }
  return best;
}

export interface BoundComparison {
  /** Median radial error (m) over the samples that have a bound — the same samples as `boundMedianM`. */
  medianErrorM: number;
  /** Median of the bound (m) over those samples. */
  boundMedianM: number;
  /** Samples compared (have a bound). */
  compared: number;
  /** Samples left out (no bound: e.g. too few receivers heard them). */
  leftOut: number;
}

/**
 * Compares radial errors with a per-sample bound on the SAME samples: samples whose bound is null
 * are left out of both medians and counted. Returns null when no sample has a bound.
 */
export function compareWithBound(errorsM: ArrayLike<number>, boundsM: ArrayLike<number | null>): BoundComparison | null {
  if (errorsM.length !== boundsM.length) {
    throw new RangeError(`compareWithBound: ${errorsM.length} errors but ${boundsM.length} bounds`);
  }
  const errors: number[] = [];
  const bounds: number[] = [];
  for (let i = 0; i < errorsM.length; i++) {
    const b = boundsM[i];
    if (b === null || b === undefined || !Number.isFinite(b)) continue;
    errors.push(errorsM[i] as number);
    bounds.push(b);
  }
  if (bounds.length === 0) return null;
  errors.sort((a, b) => a - b);
  bounds.sort((a, b) => a - b);
  return {
    medianErrorM: quantile(errors, 0.5),
    boundMedianM: quantile(bounds, 0.5),
    compared: bounds.length,
    leftOut: errorsM.length - bounds.length,
  };
}

export interface CorrectionGain {
  /** Factor in [0, 1] on the learned position correction (0: the prior itself). */
  gain: number;
  /** The gain with the smallest median error, before the significance check. */
  bestGain: number;
  /** Median radial error (m) of the prior, of the kept gain and of the whole correction (gain 1) on the fitting split. */
  priorMedianM: number;
  correctedMedianM: number;
  fullMedianM: number;
  /** Paired bootstrap 95 % upper bound of (median at bestGain − median of the prior), m: < 0 means a real improvement. */
  improvementUpperM: number;
}

const GAINS = Array.from({ length: 21 }, (_, k) => k / 20);

/**
 * The shrinkage of a learned position correction, fitted on the VALIDATION split. The gain g in
 * {0, 0.05, …, 1} with the smallest median error of prior + g·(model − prior) is kept only when
 * its improvement over the prior is significant — the paired bootstrap's 95 % upper bound of the
 * median difference is below zero (seeded: deterministic) — else g = 0, the prior itself. Noise
 * that happens to help on one split is not kept, so the model is not worse than the physics it
 * corrects unless the data show it.
 */
export function fitCorrectionGain(
  prior: readonly { east: number; north: number }[],
  model: readonly { east: number; north: number }[],
  truth: readonly { east: number; north: number }[],
  o: { resamples?: number; seed?: number } = {},
): CorrectionGain {
  const n = truth.length;
  if (n === 0 || prior.length !== n || model.length !== n)
    throw new RangeError(
      `fitCorrectionGain: needs as many priors, model positions and truths (got ${prior.length}, ${model.length}, ${n}), at least one`,
    );
  const errorsAt = (g: number) =>
    truth.map((t, i) => {
      const p = prior[i] as { east: number; north: number };
      const m = model[i] as { east: number; north: number };
      return Math.hypot(p.east + g * (m.east - p.east) - t.east, p.north + g * (m.north - p.north) - t.north);
    });
  const median = (v: readonly number[]) =>
    quantile(
      [...v].sort((a, b) => a - b),
      0.5,
    );
  const base = errorsAt(0);
  let bestGain = 0;
  let best = median(base);
  let bestErrors = base;
  for (const g of GAINS.slice(1)) {
    const e = errorsAt(g);
    const m = median(e);
    if (m < best - 1e-9) {
      best = m;
      bestGain = g;
      bestErrors = e;
    }
  }
  const upper = bestGain === 0 ? 0 : pairedMedianDifferenceUpper(bestErrors, base, o.resamples ?? 400, o.seed ?? 1);
  const gain = upper < 0 ? bestGain : 0;
  return {
    gain,
    bestGain,
    priorMedianM: median(base),
    correctedMedianM: gain === 0 ? median(base) : best,
    fullMedianM: median(errorsAt(1)),
    improvementUpperM: upper,
  };
}

/** 97.5th percentile of median(a*) − median(b*) over paired bootstrap resamples (seeded). */
function pairedMedianDifferenceUpper(a: readonly number[], b: readonly number[], resamples: number, seed: number): number {
  const rng = new Rng(seed, 'correction gain bootstrap');
  const n = a.length;
  const xa = new Float64Array(n);
  const xb = new Float64Array(n);
  const diffs = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const k = rng.int(n);
      xa[i] = a[k] as number;
      xb[i] = b[k] as number;
    }
    diffs[r] = quantile(xa.sort(), 0.5) - quantile(xb.sort(), 0.5);
  }
  return quantile(diffs.sort(), 0.975);
}

/**
 * Whether per-sample losses `candidate` improve on `baseline` significantly: the paired mean
 * difference is below zero by more than two standard errors.
 */
export function significantlyLower(candidate: readonly number[], baseline: readonly number[]): boolean {
  const n = candidate.length;
  if (n < 2 || baseline.length !== n) return false;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += ((candidate[i] as number) - (baseline[i] as number)) / n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += ((candidate[i] as number) - (baseline[i] as number) - mean) ** 2 / (n - 1);
  return mean < -2 * Math.sqrt(variance / n);
}
