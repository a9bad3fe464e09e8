// A radio map learned from labelled power logs, and the posterior of a transmitter's position
// under it. The received power of receiver i from a transmitter at x is modelled as
//     reportᵢ = c + oᵢ − n·10·log10(dᵢ(x)) + sᵢ(x) + w,   w ~ N(0, σ²)
// with c the transmission's level (unknown, profiled), oᵢ the device's offset and n the exponent
// (log-distance-fit.ts), and sᵢ(x) the receiver's SHADOWING MAP: what the law misses at that
// place for that receiver (buildings, terrain), which stays the same week after week. sᵢ is the
// training residuals around x, kernel-smoothed (Gaussian, bandwidth h) and shrunk towards 0
// where there are few of them: sᵢ(x) = Σ K·r / (Σ K + λ). Mobile receivers get no map (their
// shadowing depends on where they are too). A receiver that was running and heard nothing is
// censored evidence: P(report < its weakest training report). Receivers that were off are absent.
// The posterior over a grid covering the training area (a uniform prior over it) gives the mean
// and covariance: a calibrated estimate, not only a point.
import type { Cov2 } from '../../math/gaussian2d.js';
import { logPhi } from '../log-tables.js';
import { distance3dM } from '../observations.js';
import { LocateError, type LocationEstimate, type SearchRegion } from '../types.js';
import { fitLogDistance, type LogDistanceFit } from './log-distance-fit.js';
import { type PowerReading, type PowerSample, searchRegionOf, truthsOf } from './samples.js';

export interface RadioMapGrid {
  east0: number;
  north0: number;
  cellM: number;
  nx: number;
  ny: number;
}

export interface RadioMap {
  law: LogDistanceFit;
  grid: RadioMapGrid;
  bandwidthM: number;
  /** Per fixed receiver, shadowing (dB) per grid cell, row-major (north index × nx + east index). */
  shadowDb: Record<string, Float32Array>;
  /**
   * σ (dB) of a reading in the likelihood: the training residuals' σ once the map is applied
   * (in sample, so too small), times the factor chosen on validation (select.ts).
   */
  sigmaDb: number;
  /** Each receiver's weakest training report (dB, its own scale): it hears nothing below it. */
  floorDb: Record<string, number>;
  /** Where each fixed receiver stands (local frame, m): its per-cell predictions are tabulated once. */
  fixedAt: Record<string, { east: number; north: number; heightM: number }>;
  /** Factor applied to the posterior's covariance (σ calibration on validation); 1 when fitted. */
  covScale: number;
}

export interface RadioMapOptions {
  /** Grid cell (m); default 50. */
  cellM?: number;
  /** Kernel bandwidth (m); default 150. */
  bandwidthM?: number;
  /** Shrinkage λ, in readings: a cell with few residuals nearby stays near 0 (default 1). */
  shrinkage?: number;
  /** The area to cover; default the training transmitters' and receivers' extent + 10 %. */
  region?: SearchRegion;
}

const LOG10_DB = (d: number) => 10 * Math.log10(Math.max(d, 1));

/**
 * One pass of a 1-D kernel (half-width r) along an axis of a row-major nx × ny field: along east
 * (stride 1, nx long) or north (stride nx, ny long). Cells beyond the edge count as 0.
 */
function convolveAxis(src: Float64Array, k: Float64Array, nx: number, ny: number, alongNorth: boolean): Float64Array {
  const r = (k.length - 1) / 2;
  const out = new Float64Array(src.length);
  const stride = alongNorth ? nx : 1;
  const length = alongNorth ? ny : nx;
  for (let y = 0; y < ny; y++)
    for (let x = 0; x < nx; x++) {
      const at = alongNorth ? y : x;
      const cell = y * nx + x;
      let s = 0;
      for (let t = Math.max(-r, -at); t <= Math.min(r, length - 1 - at); t++)
        s += (k[t + r] as number) * (src[cell + t * stride] as number);
      out[cell] = s;
    }
  return out;
}

/** Separable Gaussian blur of a row-major nx × ny field, kernel truncated at 3σ (in cells). */
function blur(field: Float64Array, nx: number, ny: number, sigmaCells: number): Float64Array {
  const r = Math.max(1, Math.ceil(3 * sigmaCells));
  const k = Float64Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigmaCells * sigmaCells)));
  return convolveAxis(convolveAxis(field, k, nx, ny, false), k, nx, ny, true);
}

/** Grid index of a point (clamped to the grid). */
function cellOf(g: RadioMapGrid, east: number, north: number): number {
  const x = Math.min(g.nx - 1, Math.max(0, Math.round((east - g.east0) / g.cellM)));
  const y = Math.min(g.ny - 1, Math.max(0, Math.round((north - g.north0) / g.cellM)));
  return y * g.nx + x;
}

export function fitRadioMap(train: readonly PowerSample[], o: RadioMapOptions = {}): RadioMap {
  const law = fitLogDistance(train);
  const truths = truthsOf(train, 'fitRadioMap');
  const cellM = o.cellM ?? 50;
  const bandwidthM = o.bandwidthM ?? 150;
  const lambda = o.shrinkage ?? 1;
  const region = o.region ?? searchRegionOf(train);
  const grid: RadioMapGrid = {
    east0: region.east[0],
    north0: region.north[0],
    cellM,
    nx: Math.max(2, Math.ceil((region.east[1] - region.east[0]) / cellM) + 1),
    ny: Math.max(2, Math.ceil((region.north[1] - region.north[0]) / cellM) + 1),
  };
  const cells = grid.nx * grid.ny;
  // Residuals of the heard training readings under the law, each transmission's level profiled.
  const sums = new Map<string, { sum: Float64Array; count: Float64Array }>();
  const floorDb: Record<string, number> = {};
  const fixedAt: RadioMap['fixedAt'] = {};
  const residuals: { id: string; cell: number; r: number }[] = [];
  train.forEach((s, k) => {
    const t = truths[k] as { east: number; north: number };
    const heard = s.readings.filter((r) => r.rssDbm !== null);
    for (const r of heard) floorDb[r.id] = Math.min(floorDb[r.id] ?? Infinity, r.rssDbm as number);
    for (const r of s.readings) if (!r.mobile) fixedAt[r.id] ??= { east: r.east, north: r.north, heightM: r.heightM };
    if (heard.length < 2) return;
    const mu = heard.map(
      (r) => (law.offsetsDb[r.id] ?? 0) - law.exponent * LOG10_DB(distance3dM(t.east, t.north, law.txHeightM, r)),
    );
    const level = heard.reduce((a, r, i) => a + (r.rssDbm as number) - (mu[i] as number), 0) / heard.length;
    const cell = cellOf(grid, t.east, t.north);
    heard.forEach((r, i) => {
      const res = (r.rssDbm as number) - (mu[i] as number) - level;
      residuals.push({ id: r.id, cell, r: res });
      if (r.mobile) return;
      let acc = sums.get(r.id);
      if (acc === undefined) {
        acc = { sum: new Float64Array(cells), count: new Float64Array(cells) };
        sums.set(r.id, acc);
      }
      acc.sum[cell] = (acc.sum[cell] as number) + res;
      acc.count[cell] = (acc.count[cell] as number) + 1;
    });
  });
  const shadowDb: Record<string, Float32Array> = {};
  const sigmaCells = bandwidthM / cellM;
  for (const [id, acc] of sums) {
    const s = blur(acc.sum, grid.nx, grid.ny, sigmaCells);
    const c = blur(acc.count, grid.nx, grid.ny, sigmaCells);
    shadowDb[id] = Float32Array.from(s, (v, i) => v / ((c[i] as number) + lambda));
  }
  // σ after the map, from the same residuals (in-sample: validation calibrates it further).
  let ss = 0;
  for (const x of residuals) ss += (x.r - (shadowDb[x.id]?.[x.cell] ?? 0)) ** 2;
  const sigmaDb = Math.max(1, Math.sqrt(ss / Math.max(1, residuals.length - law.transmissions)));
  return { law, grid, bandwidthM, shadowDb, sigmaDb, floorDb, fixedAt, covScale: 1 };
}

/**
 * Posteriors under one map. Each fixed receiver's prediction per cell (offset − law + shadowing)
 * is tabulated once, so a transmission costs one add per reading and cell; a mobile receiver, or a
 * fixed one reported somewhere else than in training, is computed per cell.
 */
export class RadioMapLocator {
  readonly map: RadioMap;
  readonly #tables = new Map<string, Float32Array>();
  readonly #east: Float64Array;
  readonly #north: Float64Array;

  constructor(map: RadioMap) {
    this.map = map;
    const g = map.grid;
    this.#east = Float64Array.from({ length: g.nx }, (_, x) => g.east0 + x * g.cellM);
    this.#north = Float64Array.from({ length: g.ny }, (_, y) => g.north0 + y * g.cellM);
  }

  /** Predicted report (level excluded) of a reading's receiver at every cell. */
  #predicted(r: PowerReading): Float32Array {
    const at = r.mobile ? undefined : this.map.fixedAt[r.id];
    const fixedHere = at !== undefined && at.east === r.east && at.north === r.north && at.heightM === r.heightM;
    const cached = fixedHere ? this.#tables.get(r.id) : undefined;
    if (cached) return cached;
    const { grid: g, law } = this.map;
    const out = new Float32Array(g.nx * g.ny);
    const offset = law.offsetsDb[r.id] ?? 0;
    const shadow = r.mobile ? undefined : this.map.shadowDb[r.id];
    const dz = law.txHeightM - r.heightM;
    const slope = (law.exponent * 5) / Math.LN10;
    for (let y = 0; y < g.ny; y++) {
      const dn = (this.#north[y] as number) - r.north;
      for (let x = 0; x < g.nx; x++) {
        const de = (this.#east[x] as number) - r.east;
        const cell = y * g.nx + x;
        // 10·log10(d) as (5/ln 10)·ln(d²): no square root, one logarithm (distances below 1 m count as 1 m).
        const d2 = Math.max(de * de + dn * dn + dz * dz, 1);
        out[cell] = offset - slope * Math.log(d2) + (shadow?.[cell] ?? 0);
      }
    }
    if (fixedHere) this.#tables.set(r.id, out);
    return out;
  }

  /**
   * The posterior mean and covariance of one transmission's position (uniform prior over the
   * grid). Needs at least one receiver that heard.
   */
  locate(s: PowerSample): LocationEstimate {
    const heard = s.readings.filter((r) => r.rssDbm !== null);
    if (heard.length === 0)
      throw new LocateError(`radio-map: transmission ${s.id}: no receiver heard it (${s.readings.length} running)`);
    const { grid: g } = this.map;
    const n = g.nx * g.ny;
    const inv = 1 / this.map.sigmaDb;
    const heardTables = heard.map((r) => this.#predicted(r));
    const silent = s.readings.flatMap((r) => {
      const floor = this.map.floorDb[r.id];
      return r.rssDbm === null && floor !== undefined ? [{ table: this.#predicted(r), floor }] : [];
    });
    // Reading by reading over all cells (tight loops over typed arrays): first the transmission's
    // level profiled at each cell (the mean of report − prediction over the heard receivers), then
    // the Gaussian log-likelihood of the heard reports and the censored one of the silent receivers.
    const level = new Float64Array(n);
    heard.forEach((r, i) => {
      const t = heardTables[i] as Float32Array;
      const p = r.rssDbm as number;
      for (let cell = 0; cell < n; cell++) level[cell] = (level[cell] as number) + p - (t[cell] as number);
    });
    const k = 1 / heard.length;
    for (let cell = 0; cell < n; cell++) level[cell] = (level[cell] as number) * k;
    const logw = new Float64Array(n);
    heard.forEach((r, i) => {
      const t = heardTables[i] as Float32Array;
      const p = r.rssDbm as number;
      for (let cell = 0; cell < n; cell++) {
        const z = (p - (t[cell] as number) - (level[cell] as number)) * inv;
        logw[cell] = (logw[cell] as number) - 0.5 * z * z;
      }
    });
    for (const { table, floor } of silent)
      for (let cell = 0; cell < n; cell++)
        logw[cell] = (logw[cell] as number) + logPhi((floor - (table[cell] as number) - (level[cell] as number)) * inv);
    let top = Number.NEGATIVE_INFINITY;
    for (let cell = 0; cell < n; cell++) if ((logw[cell] as number) > top) top = logw[cell] as number;
    return this.#moments(logw, top);
  }

  #moments(logw: Float64Array, top: number): LocationEstimate {
    const g = this.map.grid;
    const n = g.nx * g.ny;
    let total = 0;
    let me = 0;
    let mn = 0;
    for (let cell = 0; cell < n; cell++) {
      const w = Math.exp((logw[cell] as number) - top);
      logw[cell] = w;
      total += w;
      me += w * (this.#east[cell % g.nx] as number);
      mn += w * (this.#north[Math.floor(cell / g.nx)] as number);
    }
    me /= total;
    mn /= total;
    // A cell's own extent (cell²/12) keeps a one-cell posterior from being singular.
    let vee = (g.cellM * g.cellM) / 12;
    let vnn = vee;
    let ven = 0;
    for (let cell = 0; cell < n; cell++) {
      const w = (logw[cell] as number) / total;
      if (w < 1e-12) continue;
      const de = (this.#east[cell % g.nx] as number) - me;
      const dn = (this.#north[Math.floor(cell / g.nx)] as number) - mn;
      vee += w * de * de;
      vnn += w * dn * dn;
      ven += w * de * dn;
    }
    const k = this.map.covScale;
    const cov: Cov2 = [
      [k * vee, k * ven],
      [k * ven, k * vnn],
    ];
    return { method: 'radio-map', east: me, north: mn, cov, receivers: [] };
  }
}
