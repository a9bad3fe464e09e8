// Where a burst transmission sits in the recording window, and its envelope ramps. Bursts (FSK, LoRa, digital
// voice) start 5–30 % into the window and last half of it, so a recording holds noise before and after, as a
// real receiver's recording of a keyed transmitter does.
import type { Rng } from '../../math/rng.js';

/** Longest ramp (s): a transmitter's power ramp; shorter bursts ramp over a tenth of their length. */
const MAX_RAMP_S = 0.002;

export class BurstTiming {
  readonly startS: number;
  readonly durationS: number;
  readonly rampS: number;

  constructor(rng: Rng, windowS: number) {
    this.startS = windowS * rng.between(0.05, 0.3);
    this.durationS = windowS * 0.5;
    this.rampS = Math.min(MAX_RAMP_S, 0.1 * this.durationS);
  }

  /**
   * Envelope gain at time t (s, window time): 0 outside the burst, a raised-cosine ramp at each end (its
   * spectrum falls as 1/f³, so the ramps splatter nothing measurable), 1 in between.
   */
  gain(t: number): number {
    const u = t - this.startS;
    if (u < 0 || u >= this.durationS) return 0;
    const edge = Math.min(u, this.durationS - u);
    return edge >= this.rampS ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / this.rampS);
  }
}
