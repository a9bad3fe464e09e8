// Fast fading as a complex gain over time, with unit mean power (E|h|² = 1).
// Rayleigh: a sum of M sinusoids with random arrival angles and phases (Clarke's model by the
// Monte-Carlo sum-of-sinusoids method). Rician: a line-of-sight term of power K/(K+1) plus the
// scattered part scaled to 1/(K+1). The gain changes slowly (Doppler of a few Hz), so it is
// evaluated exactly POINTS_PER_CYCLE times per Doppler period and interpolated linearly in between.
import type { Rng } from '../math/rng.js';

const PATHS = 12;
/** Exact gain evaluations per Doppler period; linear interpolation in between (error < 0.2 %). */
const POINTS_PER_CYCLE = 64;

export type FadingModel = 'none' | 'rayleigh' | 'rician';

/** A complex gain over time, sampled at knots for linear interpolation (what iq-synth.ts consumes). */
export interface FadingGain {
  knots(t0: number, fs: number, count: number): { stride: number; gains: Float64Array };
}

export class FadingProcess implements FadingGain {
  readonly #freq = new Float64Array(PATHS + 1); // Doppler (Hz) of each path; index PATHS is the LOS path
  readonly #phase = new Float64Array(PATHS + 1);
  readonly #losAmp: number;
  readonly #scatterAmp: number;

  constructor(rng: Rng, model: FadingModel, kFactorDb: number, dopplerHz: number) {
    const k = model === 'rician' ? 10 ** (kFactorDb / 10) : 0;
    this.#losAmp = model === 'none' ? 1 : Math.sqrt(k / (k + 1));
    this.#scatterAmp = model === 'none' ? 0 : Math.sqrt(1 / (k + 1) / PATHS);
    for (let m = 0; m <= PATHS; m++) {
      this.#freq[m] = dopplerHz * Math.cos(2 * Math.PI * rng.uniform());
      this.#phase[m] = 2 * Math.PI * rng.uniform();
    }
    if (model === 'none') {
      this.#freq[PATHS] = 0;
      this.#phase[PATHS] = 0;
    }
  }

  /** The complex gain at time t (s). */
  gainAt(t: number): [number, number] {
    let re = 0;
    let im = 0;
    for (let m = 0; m <= PATHS; m++) {
      const a = m === PATHS ? this.#losAmp : this.#scatterAmp;
      if (a === 0) continue;
      const ph = 2 * Math.PI * (this.#freq[m] as number) * t + (this.#phase[m] as number);
      re += a * Math.cos(ph);
      im += a * Math.sin(ph);
    }
    return [re, im];
  }

  /**
   * Exact gains at knots t0 + j·stride/fs (j = 0..⌈count/stride⌉), interleaved re/im, for linear
   * interpolation in between; stride gives ~POINTS_PER_CYCLE knots per Doppler period.
   */
  knots(t0: number, fs: number, count: number, strideOverride?: number): { stride: number; gains: Float64Array } {
    const stride = strideOverride ?? this.knotStride(fs, count);
    const n = Math.ceil(count / stride) + 1;
    const gains = new Float64Array(2 * n);
    for (let j = 0; j < n; j++) {
      const [re, im] = this.gainAt(t0 + (j * stride) / fs);
      gains[2 * j] = re;
      gains[2 * j + 1] = im;
    }
    return { stride, gains };
  }

  /** Samples between knots: ~POINTS_PER_CYCLE knots per period of the fastest Doppler component. */
  knotStride(fs: number, count: number): number {
    const maxDoppler = Math.max(...this.#freq.map(Math.abs));
    return maxDoppler === 0 ? Math.max(1, count) : Math.max(1, Math.min(count, Math.floor(fs / (maxDoppler * POINTS_PER_CYCLE))));
  }
}

/**
 * Σ wₖ·hₖ(t) of several fading processes: the gain of taps that arrive (almost) together and are
 * rendered as one path (channel.ts). Knots at the finest of the members' strides.
 */
export class SummedFading implements FadingGain {
  constructor(readonly members: readonly { weight: number; fading: FadingProcess }[]) {
    if (members.length === 0) throw new Error('SummedFading: needs at least one member process');
  }

  knots(t0: number, fs: number, count: number): { stride: number; gains: Float64Array } {
    const stride = Math.min(...this.members.map((m) => m.fading.knotStride(fs, count)));
    const n = Math.ceil(count / stride) + 1;
    const gains = new Float64Array(2 * n);
    for (const m of this.members) {
      const g = m.fading.knots(t0, fs, count, stride).gains;
      for (let i = 0; i < 2 * n; i++) gains[i] = (gains[i] as number) + m.weight * (g[i] as number);
    }
    return { stride, gains };
  }
}
