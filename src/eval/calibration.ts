// Calibration of predicted uncertainty and like-for-like comparison with a per-sample bound.
// Pure functions over arrays: no model, no database.
import { type LocalizationSample, quantile } from './metrics.js';

/**
 * Post-hoc calibration (temperature scaling of σ), fitted on the VALIDATION split: the factor k
 * in [0.5, 3] whose scaled ellipses bring the 1σ and 2σ coverages closest to 39.35 % and 86.47 %.
 * Real errors have heavier tails than a Gaussian, so one factor trades the two off.
 */
export function fitSigmaScale(validation: LocalizationSample[]): number {
  const m2 = validation.map((s) => {
    const [[a, b], [, d]] = s.cov;
    const det = a * d - b * b;
    return (d * s.errorE * s.errorE - 2 * b * s.errorE * s.errorN + a * s.errorN * s.errorN) / det;
  });
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
  /** Median radial error (m) of the prior and of prior + gain·correction on the fitting split. */
  priorMedianM: number;
  correctedMedianM: number;
  /** …and with the whole correction (gain 1). */
  fullMedianM: number;
}

/**
 * The shrinkage of a learned correction, fitted on the VALIDATION split: the gain g in
 * {0, 0.05, …, 1} whose positions prior + g·(model − prior) have the smallest median error (ties:
 * the smaller g, i.e. the physics). So a correction that does not help on held-out data is scaled
 * back towards the prior it corrects, and the model is not worse than that prior there.
 */
export function fitCorrectionGain(
  prior: readonly { east: number; north: number }[],
  model: readonly { east: number; north: number }[],
  truth: readonly { east: number; north: number }[],
): CorrectionGain {
  const n = truth.length;
  if (n === 0 || prior.length !== n || model.length !== n)
    throw new RangeError(
      `fitCorrectionGain: needs as many priors, model positions and truths (got ${prior.length}, ${model.length}, ${n}), at least one`,
    );
  const medianAt = (g: number) =>
    quantile(
      truth
        .map((t, i) => {
          const p = prior[i] as { east: number; north: number };
          const m = model[i] as { east: number; north: number };
          return Math.hypot(p.east + g * (m.east - p.east) - t.east, p.north + g * (m.north - p.north) - t.north);
        })
        .sort((a, b) => a - b),
      0.5,
    );
  let gain = 0;
  let best = medianAt(0);
  for (let k = 1; k <= 20; k++) {
    const m = medianAt(k / 20);
    if (m < best - 1e-9) {
      best = m;
      gain = k / 20;
    }
  }
  return { gain, priorMedianM: medianAt(0), correctedMedianM: best, fullMedianM: medianAt(1) };
}
