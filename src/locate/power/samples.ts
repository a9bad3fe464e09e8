// Power-only transmissions as the power-log baselines (and their tests) take them: per running
// receiver its position at the time (fixed or mobile), antenna height and reported power — null
// when it was on and heard nothing. Receivers that were off are simply absent. Positions in one
// local frame (m); reported powers carry each device's unknown offset.
import type { ReceiverObservation } from '../types.js';

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
