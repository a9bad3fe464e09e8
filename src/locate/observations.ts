// Shared bookkeeping for the estimators: which receivers heard, refusing with their names, and the
// 3-D transmitter–receiver distance the path-loss model and the delays take.

import { localGroundDistanceM } from '../geo/ground-distance.js';
import { LocateError, type PoweredReceiver, type ReceiverObservation } from './types.js';

export interface HeardObservation extends ReceiverObservation {
  rssDbm: number;
}

export function heardOf(obs: ReceiverObservation[]): HeardObservation[] {
  return obs.filter((o): o is HeardObservation => o.rssDbm !== null && Number.isFinite(o.rssDbm));
}

const list = (ids: string[]): string => (ids.length === 0 ? 'none' : ids.join(', '));

/** Refuses with the receivers that heard and those that did not, so the caller sees why. */
export function requireHeard(method: string, obs: ReceiverObservation[], needed: number, why: string): HeardObservation[] {
  const heard = heardOf(obs);
  if (heard.length >= needed) return heard;
  const silent = obs.filter((o) => !heard.includes(o as HeardObservation)).map((o) => o.id);
  throw new LocateError(
    `${method}: needs at least ${needed} receivers that heard the transmission (${why}), got ${heard.length} ` +
      `(heard: ${list(heard.map((o) => o.id))}; not heard: ${list(silent)})`,
  );
}

/**
 * Path length (m) from a transmitter at (east, north, txHeightM) to a receiver: the ground distance between them
 * (the simulator's, src/geo/ground-distance.ts: the Earth's curvature included, which a flat frame gets wrong by
 * tens of metres over 100 km) with the height difference; at least 1 m.
 */
export function distance3dM(
  east: number,
  north: number,
  txHeightM: number,
  r: { east: number; north: number; heightM: number },
): number {
  return Math.max(1, Math.hypot(localGroundDistanceM(east, north, r.east, r.north), r.heightM - txHeightM));
}

/**
 * One receiver's observation from its measured power and SNR: heard when the SNR reaches the
 * feature layer's threshold (the model's `heard` scalar); powers referred to an isotropic antenna;
 * a not-heard receiver is censored evidence when its noise is known (detection = noise + threshold).
 */
export function powerObservation(r: PoweredReceiver, rssiDbm: number, snrDb: number, heardSnrDb: number): ReceiverObservation {
  const heard = snrDb >= heardSnrDb;
  const noise = r.noiseDbm === undefined ? undefined : r.noiseDbm - r.gainDbi;
  return {
    id: r.id,
    east: r.east,
    north: r.north,
    heightM: r.heightM,
    rssDbm: heard ? rssiDbm - r.gainDbi : null,
    ...(noise === undefined ? {} : { noiseDbm: noise, detectionDbm: noise + heardSnrDb }),
    snrDb,
  };
}
