// Maximum-likelihood transmitter position from received powers (the classical RSS baseline).
// Heard receivers only: RSSᵢ = P₀ − L(dᵢ, hᵢ) + wᵢ, wᵢ ~ N(0, σ²) independent, equal σ. The unknown
// transmit power P₀ is profiled out in closed form (P̂₀ = mean of RSSᵢ + Lᵢ), leaving a 2-D least
// squares; with fitExponent the stated loss is replaced by L = A + 10·n·log10(d) and (P₀ − A, n)
// are profiled by linear least squares at each position. The 2-D search is a grid over the region
// followed by Nelder–Mead, both constrained to the region (a point outside costs what its nearest
// point inside does: far outside, RSS alone cannot tell distances apart and the cost goes flat).
import type { Cov2 } from '../math/gaussian2d.js';
import { nelderMead2 } from './nelder-mead.js';
import { distance3dM, type HeardObservation, requireHeard } from './observations.js';
import {
  LocateError,
  type LocationEstimate,
  type ReceiverDiagnostic,
  type ReceiverObservation,
  type RssModel,
  type SearchRegion,
} from './types.js';

export interface RssMlOptions {
  /** Fit the path-loss exponent too (log-distance law with free intercept and slope). */
  fitExponent?: boolean;
  /** Grid points per axis of the coarse search (default 40). */
  gridSteps?: number;
}

interface Fit {
  cost: number;
  /** Profiled nuisance: P₀ (plain) or the intercept c = P₀ − A (fitExponent). */
  offsetDb: number;
  exponent: number;
}

const LOG10_DB = (d: number) => 10 * Math.log10(d);

function fitAt(heard: HeardObservation[], model: RssModel, fitExponent: boolean, east: number, north: number): Fit {
  const m = heard.length;
  if (!fitExponent) {
    let sum = 0;
    const r = heard.map((o) => {
      const v = o.rssDbm + model.lossDb(distance3dM(east, north, model.txHeightM, o), o.heightM);
      sum += v;
      return v;
    });
    const p0 = sum / m;
    return { cost: r.reduce((acc, v) => acc + (v - p0) ** 2, 0), offsetDb: p0, exponent: Number.NaN };
  }
  // RSSᵢ = c − n·xᵢ with xᵢ = 10·log10(dᵢ): ordinary least squares in (c, n).
  const x = heard.map((o) => LOG10_DB(distance3dM(east, north, model.txHeightM, o)));
  const xMean = x.reduce((a, b) => a + b, 0) / m;
  const yMean = heard.reduce((a, o) => a + o.rssDbm, 0) / m;
  let sxx = 0;
  let sxy = 0;
  heard.forEach((o, i) => {
    sxx += ((x[i] as number) - xMean) ** 2;
    sxy += ((x[i] as number) - xMean) * (o.rssDbm - yMean);
  });
  // All receivers equidistant: the slope is undetermined; the cost is then the plain spread.
  const exponent = sxx > 1e-12 ? -sxy / sxx : 0;
  const offsetDb = yMean + exponent * xMean;
  const cost = heard.reduce((acc, o, i) => acc + (o.rssDbm - (offsetDb - exponent * (x[i] as number))) ** 2, 0);
  return { cost, offsetDb, exponent };
}

/** dL/dd (dB/m) of the stated model by central differences. */
function lossSlopeDbPerM(model: RssModel, distanceM: number, heightM: number): number {
  const h = Math.max(distanceM * 1e-4, 1e-3);
  const lo = Math.max(distanceM - h, 1);
  return (model.lossDb(distanceM + h, heightM) - model.lossDb(lo, heightM)) / (distanceM + h - lo);
}

/**
 * Position block of the inverse Fisher information with nuisance parameters: the inverse of the
 * Schur complement J_pp − J_pn·J_nn⁻¹·J_np, for unit σ (caller scales by σ²). Null if singular.
 */
export function positionCovWithNuisance(rows: { position: [number, number]; nuisance: number[] }[]): Cov2 | null {
  const k = rows[0]?.nuisance.length ?? 0;
  const pp = [0, 0, 0]; // ee, en, nn
  const pn = [new Array<number>(k).fill(0), new Array<number>(k).fill(0)];
  const nn = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const r of rows) {
    const [ge, gn] = r.position;
    pp[0] = (pp[0] as number) + ge * ge;
    pp[1] = (pp[1] as number) + ge * gn;
    pp[2] = (pp[2] as number) + gn * gn;
    for (let a = 0; a < k; a++) {
      const ga = r.nuisance[a] as number;
      (pn[0] as number[])[a] = ((pn[0] as number[])[a] as number) + ge * ga;
      (pn[1] as number[])[a] = ((pn[1] as number[])[a] as number) + gn * ga;
      for (let b = 0; b < k; b++) (nn[a] as number[])[b] = ((nn[a] as number[])[b] as number) + ga * (r.nuisance[b] as number);
    }
  }
  // J_nn⁻¹ for k = 1 or 2 (P₀; or intercept and exponent).
  let inv: number[][];
  if (k === 0) inv = [];
  else if (k === 1) {
    const v = nn[0]?.[0] as number;
    if (!(v > 0)) return null;
    inv = [[1 / v]];
  } else if (k === 2) {
    const [a, b, d] = [nn[0]?.[0] as number, nn[0]?.[1] as number, nn[1]?.[1] as number];
    const det = a * d - b * b;
    if (!(det > 1e-12 * a * d)) return null;
    inv = [
      [d / det, -b / det],
      [-b / det, a / det],
    ];
  } else throw new RangeError(`positionCovWithNuisance: up to 2 nuisance parameters, got ${k}`);
  const s = [...pp];
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) {
      const w = inv[a]?.[b] as number;
      const ea = pn[0]?.[a] as number;
      const na = pn[1]?.[a] as number;
      const eb = pn[0]?.[b] as number;
      const nb = pn[1]?.[b] as number;
      s[0] = (s[0] as number) - ea * w * eb;
      s[1] = (s[1] as number) - ea * w * nb;
      s[2] = (s[2] as number) - na * w * nb;
    }
  const [see, sen, snn] = s as [number, number, number];
  const det = see * snn - sen * sen;
  if (!(see > 0 && snn > 0 && det > 1e-10 * see * snn)) return null;
  return [
    [snn / det, -sen / det],
    [-sen / det, see / det],
  ];
}

/**
 * ML position from the receivers that heard (≥ 3; ≥ 4 with fitExponent). cov is the inverse
 * Fisher information at the estimate with the nuisance parameters profiled (Schur complement),
 * σ = model.sigmaDb, or with fitExponent σ estimated from the residuals (at least 1 dB; the
 * stated σ when four receivers leave no residual degree of freedom).
 */
export function locateRssMl(
  obs: ReceiverObservation[],
  model: RssModel,
  region: SearchRegion,
  o: RssMlOptions = {},
): LocationEstimate {
  const fitExponent = o.fitExponent ?? false;
  const heard = fitExponent
    ? requireHeard('rss-ml', obs, 4, 'position, transmit power, path-loss intercept and exponent')
    : requireHeard('rss-ml', obs, 3, 'position and transmit power');
  const steps = Math.max(2, Math.round(o.gridSteps ?? 40));
  const [e0, e1] = region.east;
  const [n0, n1] = region.north;
  if (!(e1 > e0 && n1 > n0))
    throw new LocateError(
      `rss-ml: search region must have east[0] < east[1] and north[0] < north[1], got ${JSON.stringify(region)}`,
    );
  const clampE = (e: number) => Math.min(e1, Math.max(e0, e));
  const clampN = (n: number) => Math.min(n1, Math.max(n0, n));
  const cost = (e: number, n: number) => fitAt(heard, model, fitExponent, clampE(e), clampN(n)).cost;

  let best: [number, number] = [e0, n0];
  let bestCost = Number.POSITIVE_INFINITY;
  let worstCost = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= steps; i++)
    for (let j = 0; j <= steps; j++) {
      const e = e0 + ((e1 - e0) * i) / steps;
      const n = n0 + ((n1 - n0) * j) / steps;
      const c = cost(e, n);
      if (!Number.isFinite(c))
        throw new LocateError(
          `rss-ml: the cost is not finite at east ${e.toFixed(0)} m, north ${n.toFixed(0)} m (check rssDbm and the loss model)`,
        );
      if (c < bestCost) {
        bestCost = c;
        best = [e, n];
      }
      worstCost = Math.max(worstCost, c);
    }
  if (worstCost - bestCost <= 1e-9 * (1 + worstCost))
    throw new LocateError(
      `rss-ml: the cost is flat over the search region (${heard.length} heard receivers cannot tell positions apart: co-located, or every position predicts the same power differences)`,
    );
  const cell = Math.min(e1 - e0, n1 - n0) / steps;
  const refined = nelderMead2(cost, best, cell, { iterations: 500, toleranceM: Math.max(1e-3, cell * 1e-5) });
  const east = clampE(refined.point[0]);
  const north = clampN(refined.point[1]);
  const fit = fitAt(heard, model, fitExponent, east, north);

  const m = heard.length;
  const sigmaDb = fitExponent ? Math.max(1, m > 4 ? Math.sqrt(fit.cost / (m - 4)) : model.sigmaDb) : model.sigmaDb;
  // The fitted law's intercept A is pinned to the stated model at the heard receivers' geometric-mean
  // distance, so the reported P₀ is comparable with the stated model's.
  let txPowerDbm = fit.offsetDb;
  const dist = heard.map((r) => distance3dM(east, north, model.txHeightM, r));
  if (fitExponent) {
    const refM = 10 ** (dist.reduce((a, d) => a + Math.log10(d), 0) / m);
    const hMean = heard.reduce((a, r) => a + r.heightM, 0) / m;
    txPowerDbm = fit.offsetDb + model.lossDb(refM, hMean) - fit.exponent * LOG10_DB(refM);
  }
  const predictedDbm = (r: HeardObservation, d: number) =>
    fitExponent ? fit.offsetDb - fit.exponent * LOG10_DB(d) : fit.offsetDb - model.lossDb(d, r.heightM);

  const rows = heard.map((r, i) => {
    const d = dist[i] as number;
    const slope = fitExponent ? (10 * fit.exponent) / (d * Math.LN10) : lossSlopeDbPerM(model, d, r.heightM);
    // μᵢ = P₀ − L(dᵢ): ∂μ/∂east = −L′(d)·(east − eᵢ)/d; ∂μ/∂P₀ = 1; ∂μ/∂n = −10·log10(dᵢ).
    const position: [number, number] = [(-slope * (east - r.east)) / d, (-slope * (north - r.north)) / d];
    return { position, nuisance: fitExponent ? [1, -LOG10_DB(d)] : [1] };
  });
  const unit = positionCovWithNuisance(rows);
  if (unit === null)
    throw new LocateError(
      `rss-ml: singular Fisher information at the estimate (east ${east.toFixed(0)} m, north ${north.toFixed(0)} m): the heard receivers (${heard.map((r) => r.id).join(', ')}) are collinear with it or the loss model is flat there`,
    );
  const s2 = sigmaDb * sigmaDb;
  const cov: Cov2 = [
    [unit[0][0] * s2, unit[0][1] * s2],
    [unit[1][0] * s2, unit[1][1] * s2],
  ];
  const receivers: ReceiverDiagnostic[] = obs.map((r) => {
    const i = heard.indexOf(r as HeardObservation);
    if (i < 0) return { id: r.id, used: false, reason: 'not heard (rss-ml uses only receivers that heard)' };
    const h = heard[i] as HeardObservation;
    return { id: r.id, used: true, residualDb: h.rssDbm - predictedDbm(h, dist[i] as number) };
  });
  const nuisance: Record<string, number> = { txPowerDbm, sigmaDb };
  if (fitExponent) nuisance.exponent = fit.exponent; // n in L = A + 10·n·log10(d)
  return { method: 'rss-ml', east, north, cov, receivers, nuisance };
}
