// Classical TDOA localization. Model: a pair (a, b) measures τ_ab = (d_b − d_a)/c + w, w ~ N(0, σ_ab²), with d the
// path length from the transmitter (east, north, txHeightM) to the receiver (east, north, heightM) in the local
// frame (observations.ts distance3dM: the ground distance with the Earth's curvature) and c = 299 792 458 m/s. Pairs that share a receiver share its clock error when they state it
// (clockSigmaAS/BS): their covariance then has off-diagonal terms and the least squares below is whitened by it
// (pair-covariance.ts); otherwise they are independent.
// 1. Likelihood over a grid of the region; per pair the σ is widened by the delay change across a cell (so the
//    true cell is not missed between grid points) and the normalized residual is capped at 5 (an outlier pair
//    cannot pull the search away from the others' consensus).
// 2. Levenberg–Marquardt (damped Gauss–Newton) on the whitened residuals from the best few local minima of the
//    grid (which takes the pairs as independent: it only picks starting points); the lowest cost wins.
// 3. Robustness: while the worst |residual|/σ exceeds 5 and dropping that pair leaves ≥ 3 receivers, drop it
//    (reported in `pairs`) and search again.
// 4. cov = inverse Fisher information Gᵀ C⁻¹ G at the estimate, G = ∂τ/∂(east, north), C the pairs' covariance.
import { SPEED_OF_LIGHT_M_S } from '../math/constants.js';
import type { Cov2 } from '../math/gaussian2d.js';
import { distance3dM } from './observations.js';
import { type PairWhitener, pairWhitener } from './pair-covariance.js';
import {
  LocateError,
  type LocationEstimate,
  type PairDiagnostic,
  type ReceiverDiagnostic,
  type SearchRegion,
  type TimeDifferenceObservation,
} from './types.js';

export interface TdoaReceiver {
  id: string;
  east: number;
  north: number;
  heightM: number;
}

export interface TdoaOptions {
  /** Transmitter antenna height (m) in the receivers' height reference; default 0. */
  txHeightM?: number;
  /** Grid points per axis of the region; default 120. */
  gridSteps?: number;
}

/** A pair whose normalized residual exceeds this is an outlier. */
const OUTLIER_SIGMAS = 5;
const STARTS = 5;
const MAX_ITERATIONS = 100;

interface Pair {
  obs: TimeDifferenceObservation;
  a: TdoaReceiver;
  b: TdoaReceiver;
}

/** Predicted τ_ab (s) and its gradient (s/m) with respect to (east, north). */
function predict(p: Pair, e: number, n: number, h: number): { tau: number; ge: number; gn: number } {
  // At least 1 m (distance3dM): at a receiver's own position the gradient stays finite.
  const da = distance3dM(e, n, h, p.a);
  const db = distance3dM(e, n, h, p.b);
  const ua = 1 / da;
  const ub = 1 / db;
  return {
    tau: (db - da) / SPEED_OF_LIGHT_M_S,
    ge: ((e - p.b.east) * ub - (e - p.a.east) * ua) / SPEED_OF_LIGHT_M_S,
    gn: ((n - p.b.north) * ub - (n - p.a.north) * ua) / SPEED_OF_LIGHT_M_S,
  };
}

function distinctReceivers(pairs: Pair[]): string[] {
  return [...new Set(pairs.flatMap((p) => [p.a.id, p.b.id]))];
}

const pairName = (o: TimeDifferenceObservation): string => `${o.a}–${o.b}`;

export function locateTdoa(
  receivers: TdoaReceiver[],
  tdoas: TimeDifferenceObservation[],
  region: SearchRegion,
  o: TdoaOptions = {},
): LocationEstimate {
  const txH = o.txHeightM ?? 0;
  const steps = o.gridSteps ?? 120;
  const byId = new Map(receivers.map((r) => [r.id, r]));
  const pairs: Pair[] = tdoas.map((obs) => {
    const a = byId.get(obs.a);
    const b = byId.get(obs.b);
    if (a === undefined || b === undefined) {
      throw new LocateError(
        `TDOA pair ${pairName(obs)}: receiver '${a === undefined ? obs.a : obs.b}' is not among the receivers given (${receivers.map((r) => r.id).join(', ')})`,
      );
    }
    if (obs.a === obs.b) throw new LocateError(`TDOA pair ${pairName(obs)} pairs a receiver with itself`);
    if (!Number.isFinite(obs.seconds) || !(obs.sigmaS > 0 && Number.isFinite(obs.sigmaS))) {
      throw new LocateError(`TDOA pair ${pairName(obs)}: seconds ${obs.seconds} and sigmaS ${obs.sigmaS} must be finite, σ > 0`);
    }
    return { obs, a, b };
  });
  const involved = distinctReceivers(pairs);
  if (involved.length < 3) {
    throw new LocateError(
      `TDOA needs time differences involving at least 3 distinct receivers; got ${involved.length} (${involved.join(', ') || 'none'}) from ${pairs.length} pair(s) ${pairs.map((p) => pairName(p.obs)).join(', ')}`,
    );
  }
  if (!(region.east[1] > region.east[0] && region.north[1] > region.north[0])) {
    throw new LocateError(`search region east ${region.east} / north ${region.north} is empty`);
  }

  const active = new Set(pairs.map((_, i) => i));
  const rejected = new Map<number, string>();
  let used = activeSet(pairs, active);
  let est = solve(pairs, used, region, steps, txH);
  for (;;) {
    let worst = -1;
    let worstZ = OUTLIER_SIGMAS;
    for (const i of active) {
      const p = pairs[i] as Pair;
      const z = Math.abs(p.obs.seconds - predict(p, est.east, est.north, txH).tau) / p.obs.sigmaS;
      if (z > worstZ) {
        worstZ = z;
        worst = i;
      }
    }
    if (worst < 0) break;
    const remaining = [...active].filter((i) => i !== worst);
    if (distinctReceivers(remaining.map((i) => pairs[i] as Pair)).length < 3) break;
    active.delete(worst);
    rejected.set(worst, `outlier: normalized residual ${worstZ.toFixed(1)}σ > ${OUTLIER_SIGMAS}σ`);
    used = activeSet(pairs, active);
    est = solve(pairs, used, region, steps, txH);
  }

  const fisherCov = inverseFisher(pairs, used, est.east, est.north, txH);
  if (fisherCov === null) {
    throw new LocateError(
      `the pairs ${[...active].map((i) => pairName((pairs[i] as Pair).obs)).join(', ')} do not determine a position (receivers ${distinctReceivers([...active].map((i) => pairs[i] as Pair)).join(', ')} collinear with the estimate?)`,
    );
  }
  // A posteriori variance factor: when the residuals are larger than the stated σ's (χ² per degree of
  // freedom > 1, e.g. delays biased by multipath or by a signal the σ model does not know), the
  // ellipse grows by it, so it stays honest; it never shrinks below the stated σ's.
  const dof = active.size - 2;
  const varianceFactor = dof >= 2 ? Math.max(1, cost(pairs, used, est.east, est.north, txH) / dof) : 1;
  const cov: Cov2 = [
    [fisherCov[0][0] * varianceFactor, fisherCov[0][1] * varianceFactor],
    [fisherCov[1][0] * varianceFactor, fisherCov[1][1] * varianceFactor],
  ];
  const usedIds = new Set(distinctReceivers([...active].map((i) => pairs[i] as Pair)));
  const receiverDiagnostics: ReceiverDiagnostic[] = receivers.map((r) => {
    if (usedIds.has(r.id)) return { id: r.id, used: true };
    return { id: r.id, used: false, reason: involved.includes(r.id) ? 'only in rejected pairs' : 'in no time-difference pair' };
  });
  const pairDiagnostics: PairDiagnostic[] = pairs.map((p, i) => {
    const d: PairDiagnostic = {
      a: p.obs.a,
      b: p.obs.b,
      used: active.has(i),
      seconds: p.obs.seconds,
      residualS: p.obs.seconds - predict(p, est.east, est.north, txH).tau,
    };
    const why = rejected.get(i);
    if (why !== undefined) d.reason = why;
    return d;
  });
  return {
    method: 'tdoa',
    east: est.east,
    north: est.north,
    cov,
    receivers: receiverDiagnostics,
    pairs: pairDiagnostics,
    nuisance: { varianceFactor },
  };
}

/** The pairs in use and the whitener of their covariance (null: independent, divide by σ). */
interface Active {
  idx: number[];
  whitener: PairWhitener | null;
}

function activeSet(pairs: Pair[], active: Set<number>): Active {
  const idx = [...active];
  return { idx, whitener: pairWhitener(idx.map((i) => (pairs[i] as Pair).obs)) };
}

/** Residuals and their gradients (s/m) at (e, n), whitened: r̃ = L⁻¹r, g̃ = L⁻¹g (L⁻¹ = diag(1/σ) when independent). */
function whitened(
  pairs: Pair[],
  active: Active,
  e: number,
  n: number,
  h: number,
): { r: Float64Array; ge: Float64Array; gn: Float64Array } {
  const m = active.idx.length;
  const r = new Float64Array(m);
  const ge = new Float64Array(m);
  const gn = new Float64Array(m);
  active.idx.forEach((i, k) => {
    const p = pairs[i] as Pair;
    const q = predict(p, e, n, h);
    const scale = active.whitener === null ? 1 / p.obs.sigmaS : 1;
    r[k] = (p.obs.seconds - q.tau) * scale;
    ge[k] = q.ge * scale;
    gn[k] = q.gn * scale;
  });
  if (active.whitener !== null) {
    active.whitener.whiten(r);
    active.whitener.whiten(ge);
    active.whitener.whiten(gn);
  }
  return { r, ge, gn };
}

/** rᵀC⁻¹r over the active pairs (Σ (residual/σ)² when independent). */
function cost(pairs: Pair[], active: Active, e: number, n: number, h: number): number {
  const { r } = whitened(pairs, active, e, n, h);
  let c = 0;
  for (const v of r) c += v * v;
  return c;
}

function solve(pairs: Pair[], active: Active, region: SearchRegion, steps: number, h: number): { east: number; north: number } {
  const [e0, e1] = region.east;
  const [n0, n1] = region.north;
  const de = (e1 - e0) / (steps - 1);
  const dn = (n1 - n0) / (steps - 1);
  // A cell's half-diagonal moves a difference of two distances by at most twice that (s).
  const cellDelayS = (2 * Math.hypot(de, dn)) / 2 / SPEED_OF_LIGHT_M_S;
  const gridSigma = active.idx.map((i) => Math.hypot((pairs[i] as Pair).obs.sigmaS, cellDelayS));
  const cap = OUTLIER_SIGMAS ** 2;
  const grid = new Float64Array(steps * steps);
  for (let a = 0; a < steps; a++) {
    for (let b = 0; b < steps; b++) {
      const e = e0 + a * de;
      const n = n0 + b * dn;
      let c = 0;
      active.idx.forEach((i, k) => {
        const p = pairs[i] as Pair;
        c += Math.min(cap, ((p.obs.seconds - predict(p, e, n, h).tau) / (gridSigma[k] as number)) ** 2);
      });
      grid[a * steps + b] = c;
    }
  }
  // Local minima of the grid (8-neighbourhood), best first.
  const minima: number[] = [];
  for (let a = 0; a < steps; a++) {
    for (let b = 0; b < steps; b++) {
      const v = grid[a * steps + b] as number;
      let isMin = true;
      for (let da = -1; da <= 1 && isMin; da++) {
        for (let db = -1; db <= 1; db++) {
          const x = a + da;
          const y = b + db;
          if ((da !== 0 || db !== 0) && x >= 0 && y >= 0 && x < steps && y < steps && (grid[x * steps + y] as number) < v) {
            isMin = false;
            break;
          }
        }
      }
      if (isMin) minima.push(a * steps + b);
    }
  }
  minima.sort((x, y) => (grid[x] as number) - (grid[y] as number));
  let best = { east: e0, north: n0 };
  let bestCost = Number.POSITIVE_INFINITY;
  for (const cell of minima.slice(0, STARTS)) {
    const start = { east: e0 + Math.floor(cell / steps) * de, north: n0 + (cell % steps) * dn };
    const x = refine(pairs, active, start, h);
    const c = cost(pairs, active, x.east, x.north, h);
    if (c < bestCost) {
      bestCost = c;
      best = x;
    }
  }
  return best;
}

/** Levenberg–Marquardt on Σ (residual/σ)². */
function refine(
  pairs: Pair[],
  active: Active,
  start: { east: number; north: number },
  h: number,
): { east: number; north: number } {
  let { east: e, north: n } = start;
  let c = cost(pairs, active, e, n, h);
  let lambda = 1e-3;
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    const { hee, hen, hnn, be, bn } = normalEquations(pairs, active, e, n, h);
    let accepted = false;
    for (let tries = 0; tries < 30 && !accepted; tries++) {
      const aee = hee * (1 + lambda);
      const ann = hnn * (1 + lambda);
      const det = aee * ann - hen * hen;
      if (!(det > 0)) {
        lambda *= 10;
        continue;
      }
      const se = (ann * be - hen * bn) / det;
      const sn = (aee * bn - hen * be) / det;
      const cNew = cost(pairs, active, e + se, n + sn, h);
      if (cNew <= c) {
        const small = Math.hypot(se, sn) < 1e-4;
        e += se;
        n += sn;
        c = cNew;
        lambda = Math.max(1e-9, lambda / 3);
        accepted = true;
        if (small) return { east: e, north: n };
      } else {
        lambda *= 5;
      }
    }
    if (!accepted) break;
  }
  return { east: e, north: n };
}

/**
 * Gauss–Newton normal equations at (e, n) on the whitened system: G̃ᵀG̃ (the Fisher information, hee/hen/hnn) and
 * G̃ᵀr̃ (be/bn).
 */
function normalEquations(pairs: Pair[], active: Active, e: number, n: number, h: number) {
  const { r, ge, gn } = whitened(pairs, active, e, n, h);
  let hee = 0;
  let hen = 0;
  let hnn = 0;
  let be = 0;
  let bn = 0;
  for (let k = 0; k < r.length; k++) {
    const x = ge[k] as number;
    const y = gn[k] as number;
    hee += x * x;
    hen += x * y;
    hnn += y * y;
    be += x * (r[k] as number);
    bn += y * (r[k] as number);
  }
  return { hee, hen, hnn, be, bn };
}

function inverseFisher(pairs: Pair[], active: Active, e: number, n: number, h: number): Cov2 | null {
  const { hee: jee, hen: jen, hnn: jnn } = normalEquations(pairs, active, e, n, h);
  const det = jee * jnn - jen * jen;
  if (!(det > 1e-12 * jee * jnn) || !(jee > 0 && jnn > 0)) return null;
  return [
    [jnn / det, -jen / det],
    [-jen / det, jee / det],
  ];
}
