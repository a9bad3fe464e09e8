// Synthetic receiver networks and received powers drawn from exactly the stated model.

import type { ReceiverObservation, RssModel } from '../../src/locate/types.js';
import type { Rng } from '../../src/math/rng.js';
import { logDistanceLossDb } from '../../src/rf/propagation.js';

export const FREQ_HZ = 433e6;

export function logDistanceModel(exponent: number, sigmaDb: number, txPowerDbm: [number, number]): RssModel {
  return {
    lossDb: (d) => logDistanceLossDb(d, FREQ_HZ, exponent, 1000),
    txHeightM: 10,
    sigmaDb,
    txPowerDbm,
    description: `log-distance n = ${exponent} from 1 km, f = 433 MHz, σ = ${sigmaDb} dB`,
  };
}

export function ring(count: number, radiusM: number): { id: string; east: number; north: number; heightM: number }[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `rx${String(i).padStart(2, '0')}`,
    east: radiusM * Math.cos((2 * Math.PI * i) / count),
    north: radiusM * Math.sin((2 * Math.PI * i) / count),
    heightM: 10,
  }));
}

/** RSS = P₀ − L + σ·N(0,1); heard iff it reaches detectionDbm (when given). */
export function drawObservations(
  rx: { id: string; east: number; north: number; heightM: number }[],
  model: RssModel,
  tx: { east: number; north: number },
  powerDbm: number,
  rng: Rng,
  detectionDbm?: number,
): ReceiverObservation[] {
  return rx.map((r) => {
    const d = Math.max(1, Math.hypot(tx.east - r.east, tx.north - r.north, r.heightM - model.txHeightM));
    const rss = powerDbm - model.lossDb(d, r.heightM) + model.sigmaDb * rng.normal();
    const heard = detectionDbm === undefined || rss >= detectionDbm;
    return { ...r, rssDbm: heard ? rss : null, ...(detectionDbm !== undefined ? { detectionDbm } : {}) };
  });
}
