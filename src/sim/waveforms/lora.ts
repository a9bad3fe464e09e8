// LoRa-like chirp spread spectrum burst (Semtech AN1200.22 "LoRa Modulation Basics", rev. 2, 2015, §4): symbols
// are linear chirps sweeping the bandwidth BW in T = 2^SF / BW; symbol value v ∈ [0, 2^SF) starts the sweep at
// −BW/2 + v·BW/2^SF and wraps from +BW/2 to −BW/2. A frame: PREAMBLE up-chirps (v = 0), 2.25 down-chirps (the
// start-of-frame delimiter), then random payload symbols until the burst ends (the sync word is left out).
// With x = t/T + v/2^SF the phase inside a symbol is Φ(frac x) − Φ(v/2^SF), Φ(x) = π·2^SF·(x² − x) (frequency
// BW·(x − ½)); the phase is continuous, the frequency jumps at the wrap — so the spectrum beyond ±BW/2 falls as
// 1/f⁴ and a receiver sampling at ≥ 2·BW (250 kS/s for 125 kHz) sees nothing of it alias above −50 dB.
// RMS bandwidth (constant envelope, frequency uniform over ±BW/2 in every full chirp): BW/√12.
import type { Rng } from '../../math/rng.js';
import { BurstTiming } from './burst.js';
import type { Waveform } from './types.js';

const PREAMBLE = 8;

interface Segment {
  /** Start (symbols after the burst start). */
  at: number;
  /** Length (symbols): 1, or 0.25 for the last down-chirp. */
  length: number;
  down: boolean;
  /** Symbol value / 2^SF: the sweep's starting point. */
  x0: number;
  /** Phase at the segment's start (rad). */
  phase0: number;
}

export class LoraBurst implements Waveform {
  readonly kind = 'lora' as const;
  readonly params: Record<string, number | string>;
  readonly rmsBandwidthHz: number;
  readonly occupiedBandwidthHz: number;
  readonly #burst: BurstTiming;
  readonly #symbolRate: number;
  readonly #chips: number;
  readonly #segments: Segment[] = [];

  constructor(rng: Rng, bandwidthHz: number, spreadingFactors: readonly [number, number], windowS: number) {
    const [sfLo, sfHi] = spreadingFactors;
    if (!(Number.isInteger(sfLo) && Number.isInteger(sfHi) && sfLo >= 6 && sfHi <= 12 && sfLo <= sfHi)) {
      throw new RangeError(`LoRa: spreading factors must be integers within 6 … 12 (min ≤ max), got [${sfLo}, ${sfHi}]`);
    }
    this.#burst = new BurstTiming(rng, windowS);
    const sf = sfLo + rng.int(sfHi - sfLo + 1);
    this.#chips = 2 ** sf;
    this.#symbolRate = bandwidthHz / this.#chips;
    const total = this.#burst.durationS * this.#symbolRate;
    let at = 0;
    let phase0 = 0;
    const push = (length: number, down: boolean, x0: number) => {
      this.#segments.push({ at, length, down, x0, phase0 });
      phase0 += this.#phaseIn({ at, length, down, x0, phase0: 0 }, length);
      at += length;
    };
    for (let i = 0; i < PREAMBLE && at < total; i++) push(1, false, 0);
    for (let i = 0; i < 2 && at < total; i++) push(1, true, 0);
    if (at < total) push(0.25, true, 0);
    while (at < total) push(1, false, rng.int(this.#chips) / this.#chips);
    this.params = { bandwidthHz, spreadingFactor: sf, burstStartS: this.#burst.startS, burstDurationS: this.#burst.durationS };
    this.rmsBandwidthHz = bandwidthHz / Math.sqrt(12);
    this.occupiedBandwidthHz = bandwidthHz;
  }

  /** Phase (rad) accumulated `u` symbols into segment s (from its start phase). */
  #phaseIn(s: Segment, u: number): number {
    const M = this.#chips;
    if (s.down) return s.phase0 - Math.PI * M * (u * u - u);
    const x = u + s.x0;
    const fx = x - Math.floor(x);
    return s.phase0 + Math.PI * M * (fx * fx - fx - (s.x0 * s.x0 - s.x0));
  }

  render(t0: number, fs: number, phase: Float64Array, envelope: Float32Array): void {
    const segments = this.#segments;
    let seg = 0;
    for (let k = 0; k < phase.length; k++) {
      const t = t0 + k / fs;
      const gain = this.#burst.gain(t);
      const u = (t - this.#burst.startS) * this.#symbolRate;
      // Times increase with k: advance to the segment holding u.
      while (seg + 1 < segments.length && u >= (segments[seg + 1] as Segment).at) seg++;
      const s = segments[seg];
      if (gain === 0 || s === undefined || u < s.at) {
        phase[k] = 0;
        envelope[k] = 0;
        continue;
      }
      envelope[k] = gain;
      // Phase mod 2π keeps float64 exact far into long bursts (π·2^SF·u² grows fast).
      phase[k] = this.#phaseIn(s, Math.min(u - s.at, s.length)) % (2 * Math.PI);
    }
  }
}
