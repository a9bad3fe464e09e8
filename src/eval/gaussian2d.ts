// A 2-D Gaussian position error described by its covariance [[σₑ², ρσₑσₙ], [ρσₑσₙ, σₙ²]] (m²,
// east/north): the uncertainty ellipse, and the circular error probable (CEP50).

export type Cov2 = [[number, number], [number, number]];

export interface Ellipse {
  /** 1σ semi-axes (m). The 2σ ellipse (×2) holds 86.5 % of the probability, the 1σ one 39.3 %. */
  semiMajorM: number;
  semiMinorM: number;
  /** Direction of the major axis, degrees clockwise from north, in [0, 180). */
  orientationDeg: number;
}

/** Eigen-decomposition of a symmetric 2×2 matrix: the 1σ ellipse. */
export function ellipseOf(c: Cov2): Ellipse {
  const [[a, b], [, d]] = c;
  const mean = (a + d) / 2;
  const diff = Math.sqrt(((a - d) / 2) ** 2 + b * b);
  const l1 = mean + diff;
  const l2 = Math.max(mean - diff, 0);
  // Major-axis angle from the east axis, then converted to a compass bearing.
  const fromEast = 0.5 * Math.atan2(2 * b, a - d);
  const bearing = (90 - (fromEast * 180) / Math.PI + 360) % 180;
  return { semiMajorM: Math.sqrt(l1), semiMinorM: Math.sqrt(l2), orientationDeg: bearing };
}

/**
 * P(|X| ≤ r) for X ~ N(0, C). In polar coordinates the radial integral is closed-form:
 * P = 1/(2π√det C) ∫₀^{2π} (1 − exp(−r² q(θ)/2)) / q(θ) dθ with q(θ) = uᵀC⁻¹u, u = (cos θ, sin θ).
 */
export function probabilityWithinRadius(c: Cov2, r: number): number {
  const [[a, b], [, d]] = c;
  const det = a * d - b * b;
  if (!(det > 0)) throw new RangeError('probabilityWithinRadius: covariance must be positive definite');
  const steps = 128; // the integrand is smooth and periodic: the rectangle rule converges exponentially
  let sum = 0;
  for (let k = 0; k < steps; k++) {
    const t = (2 * Math.PI * k) / steps;
    const u = Math.cos(t);
    const v = Math.sin(t);
    const q = (d * u * u - 2 * b * u * v + a * v * v) / det;
    sum += (1 - Math.exp((-r * r * q) / 2)) / q;
  }
  return sum / steps / Math.sqrt(det);
}

/** Radius of the circle around the mean that holds 50 % of the probability (CEP50, m). */
export function cep50(c: Cov2): number {
  const { semiMajorM } = ellipseOf(c);
  let lo = 0;
  let hi = 2 * semiMajorM + 1e-9;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (probabilityWithinRadius(c, mid) < 0.5) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
