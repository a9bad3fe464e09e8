// Power-only transmissions as the power-log baselines (and their tests) take them: per running
// receiver its position at the time (fixed or mobile), antenna height and reported power — null
// when it was on and heard nothing. Receivers that were off are simply absent. Positions in one
// local frame (m); reported powers carry each device's unknown offset.
import type { ReceiverObservation, SearchRegion } from '../types.js';

/** Antenna heights assumed where a log gives none (m): a rooftop mast; a vehicle roof. */
export const FIXED_ANTENNA_M = 10;
export const MOBILE_ANTENNA_M = 2;

export interface PowerReading extends ReceiverObservation {
  /** True when the receiver moves (its position comes with each reading). */
  mobile: boolean;
}

export interface PowerSample {
  /** Session id (or any caller's id). */
  id: number;
  readings: PowerReading[];
  /** True transmitter position, when known (training, validation, test). */
  truth?: { east: number; north: number };
}

/** The samples' truths, refusing unlabelled ones by id (fits and k selection need labels). */
export function truthsOf(samples: readonly PowerSample[], what: string): { east: number; north: number }[] {
  return samples.map((s) => {
    if (s.truth === undefined) throw new RangeError(`${what}: transmission ${s.id} has no true position`);
    return s.truth;
  });
}

/** The region searched: the training transmitters' and receivers' extent, widened by 10 %. */
export function searchRegionOf(train: readonly PowerSample[]): SearchRegion {
  const es: number[] = [];
  const ns: number[] = [];
  for (const s of train) {
    if (s.truth) {
      es.push(s.truth.east);
      ns.push(s.truth.north);
    }
    for (const r of s.readings) {
      es.push(r.east);
      ns.push(r.north);
    }
  }
  const pad = 0.1 * Math.max(Math.max(...es) - Math.min(...es), Math.max(...ns) - Math.min(...ns), 100);
  return { east: [Math.min(...es) - pad, Math.max(...es) + pad], north: [Math.min(...ns) - pad, Math.max(...ns) + pad] };
}
