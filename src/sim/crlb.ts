// Cramér–Rao bound on the transmitter position: the smallest covariance any unbiased estimator
// can reach from the scenario's measurements. Unknowns θ = (east, north, P₀[, T₀]): transmit
// power P₀ is always a nuisance parameter (RSS); emission time T₀ is one when arrival times are
// used (TDOA). Measurements, independent Gaussian:
//   RSSᵢ = P₀ − L(dᵢ) + wᵢ,   wᵢ ~ N(0, σ_rss,ᵢ²)          (dB)
//   TOAᵢ = T₀ + dᵢ/c + vᵢ,    vᵢ ~ N(0, σ_toa,ᵢ²)          (s)
// Fisher information J = Σᵢ ∇μᵢ ∇μᵢᵀ / σᵢ²; the position CRLB is the top-left 2×2 block of J⁻¹.

import { SPEED_OF_LIGHT_M_S } from '../math/constants.js';
import { type Cov2, cep50, type Ellipse, ellipseOf } from '../math/gaussian2d.js';

export interface CrlbLink {
  /** Receiver position minus nothing: local east/north metres, same frame as the transmitter. */
  east: number;
  north: number;
  /** 3-D distance transmitter–receiver (m). */
  distanceM: number;
  /** Horizontal distance (m): the position gradient acts on it. */
  horizontalM: number;
  /** dL/dd (dB/m) of the path-loss model at this distance. */
  lossSlopeDbPerM: number;
  /** σ of the RSS measurement (dB): shadowing, calibration, fading residual. */
  rssSigmaDb: number;
  /** σ of the arrival-time measurement (s); Infinity when the receiver gives no timing. */
  toaSigmaS: number;
}

export interface Crlb {
  covariance: Cov2;
  ellipse: Ellipse;
  /** Radius holding 50 % of an efficient estimator's errors (m). */
  cep50M: number;
  /** √(trace): the RMS position error bound (m). */
  rmseM: number;
  measurements: 'rss' | 'rss+tdoa';
  receivers: number;
  /**
   * With arrival times: the CEP50 (m) of the same links' power measurements alone — the margin the
   * bound predicts for timing over received power (what a timed model should gain over RSS-only).
   */
  rssOnlyCep50M?: number;
}

/** Inverse of a small, equilibrated symmetric positive-definite matrix (Gauss–Jordan, pivoting). */
function invert(m: number[][]): number[][] | null {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]?.[col] as number) > Math.abs(a[pivot]?.[col] as number)) pivot = r;
    if (Math.abs(a[pivot]?.[col] as number) <= 1e-12) return null;
    [a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]];
    const row = a[col] as number[];
    const p = row[col] as number;
    for (let j = 0; j < 2 * n; j++) row[j] = (row[j] as number) / p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const other = a[r] as number[];
      const f = other[col] as number;
      if (f !== 0) for (let j = 0; j < 2 * n; j++) other[j] = (other[j] as number) - f * (row[j] as number);
    }
  }
  return a.map((row) => row.slice(n));
}

/**
 * The position CRLB for a transmitter at (east, north) heard by `links`, or null with the reason
 * when the geometry cannot determine it (too few receivers, collinear, singular information).
 */
export function positionCrlb(tx: { east: number; north: number }, links: CrlbLink[]): Crlb | { reason: string } {
  const timed = links.some((l) => Number.isFinite(l.toaSigmaS));
  const dim = timed ? 4 : 3;
  const J = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
  const accumulate = (g: number[], sigma: number) => {
    for (let i = 0; i < dim; i++)
      for (let j = 0; j < dim; j++)
        (J[i] as number[])[j] = ((J[i] as number[])[j] as number) + ((g[i] as number) * (g[j] as number)) / (sigma * sigma);
  };
  for (const l of links) {
    const dx = tx.east - l.east;
    const dy = tx.north - l.north;
    // ∂d/∂(east, north) = (dx, dy)/d for the 3-D distance d (heights fixed).
    const ux = dx / l.distanceM;
    const uy = dy / l.distanceM;
    if (Number.isFinite(l.rssSigmaDb) && l.rssSigmaDb > 0) {
      accumulate([-l.lossSlopeDbPerM * ux, -l.lossSlopeDbPerM * uy, 1, 0], l.rssSigmaDb);
    }
    if (timed && Number.isFinite(l.toaSigmaS) && l.toaSigmaS > 0) {
      accumulate([ux / SPEED_OF_LIGHT_M_S, uy / SPEED_OF_LIGHT_M_S, 0, 1], l.toaSigmaS);
    }
  }
  if (links.length < 3)
    return { reason: `only ${links.length} receiver(s) heard the transmission; position and power need at least 3` };
  // Equilibrate before inverting: entries span ~30 orders of magnitude (dB/m vs 1/s²), so invert
  // D·J·D with D = diag(1/√Jᵢᵢ), then J⁻¹ = D·(DJD)⁻¹·D.
  const d = J.map((row, i) => 1 / Math.sqrt(row[i] as number));
  if (!d.every(Number.isFinite)) return { reason: 'a parameter is not observed by any measurement' };
  const scaled = J.map((row, i) => row.map((v, j) => v * (d[i] as number) * (d[j] as number)));
  const invScaled = invert(scaled);
  const inv = invScaled?.map((row, i) => row.map((v, j) => v * (d[i] as number) * (d[j] as number))) ?? null;
  if (inv === null) return { reason: 'singular Fisher information (receivers collinear with the transmitter, or co-located)' };
  // Symmetrize: elimination leaves the two off-diagonal entries a rounding error apart.
  const offDiagonal = ((inv[0]?.[1] as number) + (inv[1]?.[0] as number)) / 2;
  const covariance: Cov2 = [
    [inv[0]?.[0] as number, offDiagonal],
    [offDiagonal, inv[1]?.[1] as number],
  ];
  if (!(covariance[0][0] > 0 && covariance[1][1] > 0)) return { reason: 'numerically singular Fisher information' };
  return {
    covariance,
    ellipse: ellipseOf(covariance),
    cep50M: cep50(covariance),
    rmseM: Math.sqrt(covariance[0][0] + covariance[1][1]),
    measurements: timed ? 'rss+tdoa' : 'rss',
    receivers: links.length,
    ...(timed ? rssOnly(tx, links) : {}),
  };
}

function rssOnly(tx: { east: number; north: number }, links: CrlbLink[]): { rssOnlyCep50M?: number } {
  const r = positionCrlb(
    tx,
    links.map((l) => ({ ...l, toaSigmaS: Number.POSITIVE_INFINITY })),
  );
  return 'reason' in r ? {} : { rssOnlyCep50M: r.cep50M };
}

/** Trigamma ψ′(x) (asymptotic series after shifting x ≥ 6): variance of log of a Gamma variable. */
export function trigamma(x: number): number {
  let acc = 0;
  let y = x;
  while (y < 6) {
    acc += 1 / (y * y);
    y += 1;
  }
  const y2 = 1 / (y * y);
  return acc + 1 / y + y2 / 2 + (1 / (6 * y * y * y)) * (1 - y2 * (1 / 5 - y2 * (1 / 7 - y2 / 5)));
}

/**
 * σ (dB) left by fast fading in a power measurement averaged over a recording: the average of N
 * independent fades (N ≈ 1 + 2·f_D·T) of a Rician channel is close to Gamma with shape
 * N·(K+1)²/(2K+1), whose log has variance ψ′(shape); in dB multiply by 10/ln 10.
 */
export function fadingResidualSigmaDb(
  model: 'none' | 'rayleigh' | 'rician',
  kFactorDb: number,
  dopplerHz: number,
  durationS: number,
): number {
  if (model === 'none') return 0;
  const k = model === 'rician' ? 10 ** (kFactorDb / 10) : 0;
  const independent = 1 + 2 * dopplerHz * durationS;
  const shape = (independent * (k + 1) ** 2) / (2 * k + 1);
  return (10 / Math.LN10) * Math.sqrt(trigamma(shape));
}

/**
 * σ (s) of a time-of-arrival estimate: the delay-estimation CRLB 1/(2π·β·√(2·E/N₀)) for RMS
 * bandwidth β and energy-to-noise ratio E/N₀ = N·SNR (N complex samples), combined with the
 * receiver's timestamp error.
 */
export function toaSigmaS(rmsBandwidthHz: number, samples: number, snrLinear: number, clockSigmaS: number): number {
  const ebn = samples * snrLinear;
  const estimation =
    rmsBandwidthHz > 0 && ebn > 0 ? 1 / (2 * Math.PI * rmsBandwidthHz * Math.sqrt(2 * ebn)) : Number.POSITIVE_INFINITY;
  return Math.sqrt(estimation * estimation + clockSigmaS * clockSigmaS);
}
