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
 * erf(x) to ~1e-14: the Maclaurin series below |x| = 2.5 (terms fall fast enough that
 * cancellation costs < 3 digits), a Lentz continued fraction for erfc above it.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    const v = (2 / Math.sqrt(Math.PI)) * sum;
    return x >= 0 ? v : -v;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), modified Lentz.
  const tiny = 1e-300;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let k = 1; k < 200; k++) {
    const a = k / 2;
    d = ax + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = ax + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x >= 0 ? 1 - erfc : erfc - 1;
}

function checkCovariance(c: Cov2, fn: string): void {
  const [[a, b], [b2, d]] = c;
  if (!(a > 0 && d > 0 && a * d - b * b2 > 0) || Math.abs(b - b2) > 1e-9 * Math.max(a, d)) {
    throw new RangeError(`${fn}: covariance must be symmetric positive definite, got [[${a}, ${b}], [${b2}, ${d}]]`);
  }
}

/**
 * P(|X| ≤ r) for X ~ N(0, C). In C's eigenbasis (σ₁ ≥ σ₂) with x₁ = r·sin θ:
 * P = ∫_{−π/2}^{π/2} φ(r sin θ / σ₁)/σ₁ · erf(r cos θ / (σ₂√2)) · r cos θ dθ,
 * smooth for any axis ratio (the polar form needs ever more angles as the ellipse flattens).
 */
export function probabilityWithinRadius(c: Cov2, r: number): number {
  checkCovariance(c, 'probabilityWithinRadius');
  if (r <= 0) return 0;
  const { semiMajorM: s1, semiMinorM: s2 } = ellipseOf(c);
  const steps = 160; // Simpson's rule (even): < 1e-9 relative error up to axis ratios of 1000
  const h = Math.PI / steps;
  const f = (theta: number) => {
    const x1 = r * Math.sin(theta);
    const half = r * Math.cos(theta);
    const density = Math.exp((-0.5 * x1 * x1) / (s1 * s1)) / (s1 * Math.sqrt(2 * Math.PI));
    return density * (s2 > 0 ? erf(half / (s2 * Math.SQRT2)) : 1) * half;
  };
  let sum = f(-Math.PI / 2) + f(Math.PI / 2);
  for (let k = 1; k < steps; k++) sum += (k % 2 === 1 ? 4 : 2) * f(-Math.PI / 2 + k * h);
  return Math.min(1, (sum * h) / 3);
}

/** Radius of the circle around the mean that holds 50 % of the probability (CEP50, m). */
export function cep50(c: Cov2): number {
  checkCovariance(c, 'cep50');
  const { semiMajorM } = ellipseOf(c);
  // CEP50 lies between 0.6745·σ₁ (a line) and 1.1774·σ₁ (a circle): regula falsi (Illinois)
  // on that bracket converges in a handful of evaluations.
  let lo = 0.674 * semiMajorM;
  let hi = 1.178 * semiMajorM;
  let flo = probabilityWithinRadius(c, lo) - 0.5;
  let fhi = probabilityWithinRadius(c, hi) - 0.5;
  let side = 0;
  for (let i = 0; i < 60 && hi - lo > 1e-12 * semiMajorM; i++) {
    const mid = (lo * fhi - hi * flo) / (fhi - flo);
    const fm = probabilityWithinRadius(c, mid) - 0.5;
    if (fm === 0) return mid;
    if (fm < 0) {
      lo = mid;
      flo = fm;
      if (side === -1) fhi /= 2;
      side = -1;
    } else {
      hi = mid;
      fhi = fm;
      if (side === 1) flo /= 2;
      side = 1;
    }
  }
  return (lo * fhi - hi * flo) / (fhi - flo);
}

/**
 * The product of two 2-D Gaussians N(x; a, A)·N(x; b, B), normalized: the information-form fusion
 * (A⁻¹ + B⁻¹)⁻¹, with mean weighted by each information. A may be numerically singular (an
 * estimate that knows nothing along one direction — a TDOA hyperbola's asymptote gives
 * σ ≈ 10⁸ m one way and metres the other, where A's determinant cancels to noise): it is inverted
 * through its eigenvalues, the smaller floored at 1e-14 of the larger (float64 entries of size λ₁
 * carry errors of ~1e-16·λ₁, so a smaller λ₂ is rounding noise): the open direction adds no
 * information and B alone decides it. B must be well conditioned (a region's spread).
 */
export function fuseGaussians(
  a: { east: number; north: number; cov: Cov2 },
  b: { east: number; north: number; cov: Cov2 },
): { east: number; north: number; cov: Cov2 } {
  const ia = informationOf(a.cov);
  const ib = informationOf(b.cov);
  const p: Cov2 = [
    [ia[0][0] + ib[0][0], ia[0][1] + ib[0][1]],
    [ia[1][0] + ib[1][0], ia[1][1] + ib[1][1]],
  ];
  const det = p[0][0] * p[1][1] - p[0][1] * p[1][0];
  const cov: Cov2 = [
    [p[1][1] / det, -p[0][1] / det],
    [-p[1][0] / det, p[0][0] / det],
  ];
  // Information-weighted means: y = A⁻¹a + B⁻¹b, mean = P⁻¹y.
  const ye = ia[0][0] * a.east + ia[0][1] * a.north + ib[0][0] * b.east + ib[0][1] * b.north;
  const yn = ia[1][0] * a.east + ia[1][1] * a.north + ib[1][0] * b.east + ib[1][1] * b.north;
  return { east: cov[0][0] * ye + cov[0][1] * yn, north: cov[1][0] * ye + cov[1][1] * yn, cov };
}

/** The inverse of a symmetric positive semi-definite 2×2 matrix through its eigenvalues (see fuseGaussians). */
function informationOf(c: Cov2): Cov2 {
  const [[a, b], [, d]] = c;
  const mean = (a + d) / 2;
  const diff = Math.sqrt(((a - d) / 2) ** 2 + b * b);
  const l1 = mean + diff;
  const floor = 1e-14 * l1;
  const l2 = Math.max(mean - diff, floor);
  // Unit eigenvector of l1; the other is perpendicular.
  const theta = 0.5 * Math.atan2(2 * b, a - d);
  const c1 = Math.cos(theta);
  const s1 = Math.sin(theta);
  const i1 = 1 / Math.max(l1, floor);
  const i2 = 1 / l2;
  return [
    [i1 * c1 * c1 + i2 * s1 * s1, (i1 - i2) * c1 * s1],
    [(i1 - i2) * c1 * s1, i1 * s1 * s1 + i2 * c1 * c1],
  ];
}
