// Robust straight-line fit x = a + s·n for clock time bases (time vs sample index): a robust start
// (median of pairwise slopes, median intercept), then least squares, rejecting points whose |residual|
// exceeds max(floor, k × 1.4826 × MAD) and refitting until the inlier set is stable. Shared by the KiwiSDR
// reader (per-block GNSS timestamps) and the timing layer (SigMF captures with core:datetime).

export interface Line {
  /** Intercept: x at n = 0. */
  a: number;
  /** Slope: x per unit n. */
  s: number;
}

const MAX_FIT_ITERATIONS = 50;

export function median(values: number[]): number {
  const v = [...values].sort((x, y) => x - y);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** Robust start: median of pairwise slopes (all pairs when few, else pairs half the set apart), median intercept. */
export function theilSenLine(n: number[], x: number[]): Line {
  const k = n.length;
  const slopes: number[] = [];
  const addPair = (i: number, j: number): void => {
    const dn = (n[j] as number) - (n[i] as number);
    if (dn !== 0) slopes.push(((x[j] as number) - (x[i] as number)) / dn);
  };
  if (k <= 400) {
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) addPair(i, j);
  } else {
    const h = k >> 1;
    for (let i = 0; i + h < k; i++) addPair(i, i + h);
  }
  const s = median(slopes);
  return { s, a: median(x.map((xi, i) => xi - s * (n[i] as number))) };
}

/** Least squares x = a + s·n over the given indices (centred, so large n do not hurt). */
export function leastSquaresLine(n: number[], x: number[], idx: number[]): Line {
  let nm = 0;
  let xm = 0;
  for (const i of idx) {
    nm += n[i] as number;
    xm += x[i] as number;
  }
  nm /= idx.length;
  xm /= idx.length;
  let sxy = 0;
  let sxx = 0;
  for (const i of idx) {
    const dn = (n[i] as number) - nm;
    sxy += dn * ((x[i] as number) - xm);
    sxx += dn * dn;
  }
  const s = sxy / sxx;
  return { s, a: xm - s * nm };
}

/**
 * Indices of the points that survive iterated outlier rejection (may be fewer than 2): a point is an outlier when
 * |residual| > max(floorX, sigmas × 1.4826 × MAD of the inliers' residuals).
 */
export function lineInliers(n: number[], x: number[], floorX: number, sigmas = 5): number[] {
  const all = n.map((_, i) => i);
  if (all.length < 2) return all;
  let line = theilSenLine(n, x);
  let inliers = all;
  for (let iter = 0; iter < MAX_FIT_ITERATIONS; iter++) {
    const r = all.map((i) => (x[i] as number) - line.a - line.s * (n[i] as number));
    const ri = inliers.map((i) => r[i] as number);
    const m = median(ri);
    const sigma = 1.4826 * median(ri.map((v) => Math.abs(v - m)));
    const threshold = Math.max(floorX, sigmas * sigma);
    const next = all.filter((i) => Math.abs(r[i] as number) <= threshold);
    if (next.length < 2) return next;
    const changed = iter === 0 || next.length !== inliers.length || next.some((v, j) => v !== inliers[j]);
    inliers = next;
    if (!changed) break;
    line = leastSquaresLine(n, x, inliers);
  }
  return inliers;
}

/** RMS of the inliers' residuals about `line`. */
export function residualRms(n: number[], x: number[], idx: number[], line: Line): number {
  let ss = 0;
  for (const i of idx) ss += ((x[i] as number) - line.a - line.s * (n[i] as number)) ** 2;
  return Math.sqrt(ss / Math.max(1, idx.length));
}
