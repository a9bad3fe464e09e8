// Line-of-sight state and NLOS excess delay of a link, from 3GPP TR 38.901 V17.0.0:
// - LOS probability vs 2-D distance d (m), Table 7.4.2-1 (outdoor users, UT height ≤ 13 m so UMa's
//   C'(h_UT) = 0):
//     UMi-street canyon  1 for d ≤ 18, else 18/d + exp(−d/36)·(1 − 18/d)
//     UMa                1 for d ≤ 18, else 18/d + exp(−d/63)·(1 − 18/d)
//     RMa                1 for d ≤ 10, else exp(−(d − 10)/1000)
// - Absolute time of arrival, §7.6.9: a NLOS link's paths all arrive Δτ later than d_3D/c, with
//   lg(Δτ/1 s) ~ N(μ, σ²), Table 7.6.9-1: UMi-street canyon μ = −7.5, σ = 0.5; UMa μ = −7.4, σ = 0.2;
//   RMa μ = −8.33, σ = 0.26 (LOS links: Δτ = 0).
// The tables are for base stations at 10 m (UMi), 25 m (UMa) and 35 m (RMa); the formulas do not take the
// base height, so a higher mast does not raise the LOS probability in these models' own terms.
import type { Rng } from '../math/rng.js';

export const NLOS_MODELS = ['umi-street-canyon', 'uma', 'rma'] as const;
export type NlosModel = (typeof NLOS_MODELS)[number];

/** lg(Δτ/1 s) mean and σ of TR 38.901 Table 7.6.9-1. */
export const EXCESS_DELAY_LG: Record<NlosModel, { mu: number; sigma: number }> = {
  'umi-street-canyon': { mu: -7.5, sigma: 0.5 },
  uma: { mu: -7.4, sigma: 0.2 },
  rma: { mu: -8.33, sigma: 0.26 },
};

/** Probability (0–1) that a link of 2-D length `distance2dM` is line of sight. */
export function losProbability(model: NlosModel, distance2dM: number): number {
  if (!(distance2dM >= 0)) throw new Error(`losProbability: distance2dM must be >= 0, got ${distance2dM}`);
  const d = distance2dM;
  switch (model) {
    case 'umi-street-canyon':
      return d <= 18 ? 1 : 18 / d + Math.exp(-d / 36) * (1 - 18 / d);
    case 'uma':
      return d <= 18 ? 1 : 18 / d + Math.exp(-d / 63) * (1 - 18 / d);
    case 'rma':
      return d <= 10 ? 1 : Math.exp(-(d - 10) / 1000);
  }
}

/** A NLOS link's excess delay Δτ (s) of its first arriving path over the direct path, drawn from `rng`. */
export function drawExcessDelayS(model: NlosModel, rng: Rng): number {
  const { mu, sigma } = EXCESS_DELAY_LG[model];
  return 10 ** (mu + sigma * rng.normal());
}

/** The median (10^μ) and mean (10^μ·e^{(σ ln 10)²/2}) of the excess delay (s). */
export function excessDelayMoments(model: NlosModel): { medianS: number; meanS: number } {
  const { mu, sigma } = EXCESS_DELAY_LG[model];
  const s = sigma * Math.LN10;
  return { medianS: 10 ** mu, meanS: 10 ** mu * Math.exp((s * s) / 2) };
}
