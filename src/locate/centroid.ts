// The crudest position estimates from received power: a power-weighted centroid of the heard
// receivers, and the strongest receiver's own position. No propagation model, no calibration of
// the transmit power: they set the floor every other method must clear.
import type { Cov2 } from '../math/gaussian2d.js';
import { type HeardObservation, requireHeard } from './observations.js';
import { LocateError, type LocationEstimate, type ReceiverObservation } from './types.js';

/** The cov floor: (this fraction of the network's span)² per axis, so the region is never singular. */
const FLOOR_FRACTION_OF_SPAN = 0.1;

/**
 * Weight of a heard receiver: linear amplitude 10^(RSS/20) — the square root of power. Power
 * weights (10^(RSS/10)) hand the whole estimate to the strongest receiver whenever powers differ by
 * tens of dB; amplitude weights still favour it but let the next ones pull the centroid.
 * Relative to the strongest receiver so nothing underflows.
 */
function weightsOf(heard: HeardObservation[]): number[] {
  const top = Math.max(...heard.map((r) => r.rssDbm));
  return heard.map((r) => 10 ** ((r.rssDbm - top) / 20));
}

function networkSpanM(obs: ReceiverObservation[]): number {
  const es = obs.map((r) => r.east);
  const ns = obs.map((r) => r.north);
  return Math.max(Math.max(...es) - Math.min(...es), Math.max(...ns) - Math.min(...ns));
}

/**
 * Weighted spread of the heard receivers' positions around (east, north), with each principal
 * variance floored at (10 % of the span of all receivers)².
 */
function spreadCov(
  method: string,
  obs: ReceiverObservation[],
  heard: HeardObservation[],
  w: number[],
  east: number,
  north: number,
): Cov2 {
  const span = networkSpanM(obs);
  if (!(span > 0))
    throw new LocateError(
      `${method}: all ${obs.length} receivers (${obs.map((r) => r.id).join(', ')}) are at one point: no scale for a region`,
    );
  const total = w.reduce((a, b) => a + b, 0);
  let vee = 0;
  let ven = 0;
  let vnn = 0;
  heard.forEach((r, i) => {
    const p = (w[i] as number) / total;
    vee += p * (r.east - east) ** 2;
    ven += p * (r.east - east) * (r.north - north);
    vnn += p * (r.north - north) ** 2;
  });
  // Floor the eigenvalues (not the diagonal) so a thin spread along a line is widened across it.
  const floor = (FLOOR_FRACTION_OF_SPAN * span) ** 2;
  const mean = (vee + vnn) / 2;
  const diff = Math.sqrt(((vee - vnn) / 2) ** 2 + ven * ven);
  const l1 = mean + diff;
  const l2 = mean - diff;
  // Eigenvector of l1: (ven, l1 − vee), or an axis when the matrix is already diagonal.
  let [ux, uy] = Math.abs(ven) > 1e-12 * (l1 + 1) ? [ven, l1 - vee] : vee >= vnn ? [1, 0] : [0, 1];
  const norm = Math.hypot(ux, uy);
  ux /= norm;
  uy /= norm;
  const a = Math.max(l1, floor);
  const b = Math.max(l2, floor);
  return [
    [a * ux * ux + b * uy * uy, (a - b) * ux * uy],
    [(a - b) * ux * uy, a * uy * uy + b * ux * ux],
  ];
}

function diagnostics(obs: ReceiverObservation[], heard: HeardObservation[], weights: number[], strongest?: HeardObservation) {
  return obs.map((r) => {
    const i = heard.indexOf(r as HeardObservation);
    if (i < 0) return { id: r.id, used: false, reason: 'not heard' };
    if (strongest !== undefined && r !== strongest) return { id: r.id, used: false, reason: 'not the strongest' };
    return {
      id: r.id,
      used: true,
      reason: `weight ${(weights[i] as number).toPrecision(3)} (amplitude relative to the strongest)`,
    };
  });
}

/**
 * Amplitude-weighted centroid of the heard receivers (≥ 1). cov: the weighted spread of the heard
 * receivers around it — a crude region showing where the network heard, not a calibrated error.
 */
export function powerWeightedCentroid(obs: ReceiverObservation[]): LocationEstimate {
  const heard = requireHeard('centroid', obs, 1, 'a centroid of the receivers that heard');
  const w = weightsOf(heard);
  const total = w.reduce((a, b) => a + b, 0);
  const east = heard.reduce((a, r, i) => a + (w[i] as number) * r.east, 0) / total;
  const north = heard.reduce((a, r, i) => a + (w[i] as number) * r.north, 0) / total;
  return {
    method: 'centroid',
    east,
    north,
    cov: spreadCov('centroid', obs, heard, w, east, north),
    receivers: diagnostics(obs, heard, w),
  };
}

/**
 * Position of the heard receiver with the highest power. cov: the amplitude-weighted spread of the
 * heard receivers around it (floored) — a crude region, not a calibrated error.
 */
export function strongestReceiver(obs: ReceiverObservation[]): LocationEstimate {
  const heard = requireHeard('strongest', obs, 1, 'the strongest of the receivers that heard');
  const w = weightsOf(heard);
  const best = heard.reduce((a, r) => (r.rssDbm > a.rssDbm ? r : a));
  return {
    method: 'strongest',
    east: best.east,
    north: best.north,
    cov: spreadCov('strongest', obs, heard, w, best.east, best.north),
    receivers: diagnostics(obs, heard, w, best),
  };
}
