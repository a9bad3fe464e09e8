// Transmitted baseband waveforms as phase and envelope functions of time, so each receiver can
// evaluate the signal at its own, exactly delayed, sampling instants (no resampling, exact
// fractional delays). Time 0 is the nominal start of the recording window.

import type { Rng } from '../math/rng.js';
import type { SignalKind } from './config.js';

export interface SignalOptions {
  fmDeviationHz: number;
  fskBaud: number;
  fskShiftHz: number;
}

export interface Waveform {
  readonly kind: SignalKind;
  /** What was drawn for this transmission (recorded with the truth). */
  readonly params: Record<string, number | string>;
  /**
   * RMS bandwidth about the mean frequency (Hz) while the signal is on: what the accuracy of an
   * arrival-time estimate scales with (0 for a pure carrier: it carries no timing).
   */
  readonly rmsBandwidthHz: number;
  /** Writes phase (rad) and envelope (0–1) at t0 + k/fs for k < phase.length. */
  render(t0: number, fs: number, phase: Float64Array, envelope: Float32Array): void;
}

/** A carrier, always on. */
class Carrier implements Waveform {
  readonly kind = 'cw' as const;
  readonly params = {};
  readonly rmsBandwidthHz = 0;
  render(_t0: number, _fs: number, phase: Float64Array, envelope: Float32Array): void {
    phase.fill(0);
    envelope.fill(1);
  }
}

/**
 * Narrowband FM with a voice-like message: a few tones spread log-uniformly over 300–3000 Hz with
 * weights falling as 1/√f (speech has most energy low). The phase integral of a tone sum is
 * closed-form, Σ (Δf·aᵢ/fᵢ)·sin(2π fᵢ t + θᵢ), evaluated by a rotation recurrence per tone.
 */
class VoiceFm implements Waveform {
  readonly kind = 'fm' as const;
  readonly params: Record<string, number | string>;
  /** Instantaneous frequency Σ Δf·aᵢ·cos(…): mean 0, mean square Σ (Δf·aᵢ)²/2. */
  readonly rmsBandwidthHz: number;
  readonly #freqs: number[] = [];
  readonly #betas: number[] = [];
  readonly #phases: number[] = [];

  constructor(rng: Rng, deviationHz: number) {
    const tones = 5;
    const weights: number[] = [];
    for (let i = 0; i < tones; i++) {
      const f = 300 * 10 ** rng.uniform(); // log-uniform 300–3000 Hz
      this.#freqs.push(f);
      weights.push(1 / Math.sqrt(f));
      this.#phases.push(2 * Math.PI * rng.uniform());
    }
    const total = weights.reduce((a, b) => a + b, 0);
    for (const [i, w] of weights.entries()) this.#betas.push((deviationHz * w) / total / (this.#freqs[i] as number));
    this.params = { deviationHz, tonesHz: this.#freqs.map((f) => f.toFixed(1)).join(',') };
    this.rmsBandwidthHz = Math.sqrt(weights.reduce((acc, w) => acc + ((deviationHz * w) / total) ** 2 / 2, 0));
  }

  render(t0: number, fs: number, phase: Float64Array, envelope: Float32Array): void {
    phase.fill(0);
    envelope.fill(1);
    this.#freqs.forEach((f, i) => {
      const beta = this.#betas[i] as number;
      const start = 2 * Math.PI * f * t0 + (this.#phases[i] as number);
      let s = Math.sin(start);
      let c = Math.cos(start);
      const ds = Math.sin((2 * Math.PI * f) / fs);
      const dc = Math.cos((2 * Math.PI * f) / fs);
      for (let k = 0; k < phase.length; k++) {
        phase[k] = (phase[k] as number) + beta * s;
        const s2 = s * dc + c * ds;
        c = c * dc - s * ds;
        s = s2;
      }
    });
  }
}

/** A continuous-phase binary FSK burst with random bits, raised-cosine ramps at both ends. */
class FskBurst implements Waveform {
  readonly kind = 'fsk' as const;
  readonly params: Record<string, number | string>;
  /** Instantaneous frequency ±shift/2 with equal probability: RMS shift/2 (ramps ignored). */
  readonly rmsBandwidthHz: number;
  readonly #start: number;
  readonly #baud: number;
  readonly #tones: Float64Array; // per symbol frequency (Hz)
  readonly #phaseAt: Float64Array; // phase at each symbol start
  readonly #rampS = 0.002;

  constructor(rng: Rng, baud: number, shiftHz: number, windowS: number) {
    this.#baud = baud;
    this.#start = windowS * rng.between(0.05, 0.3);
    const durationS = windowS * 0.5;
    const symbols = Math.max(1, Math.ceil(durationS * baud));
    this.#tones = new Float64Array(symbols);
    this.#phaseAt = new Float64Array(symbols + 1);
    for (let k = 0; k < symbols; k++) {
      this.#tones[k] = rng.uniform() < 0.5 ? -shiftHz / 2 : shiftHz / 2;
      this.#phaseAt[k + 1] = (this.#phaseAt[k] as number) + (2 * Math.PI * (this.#tones[k] as number)) / baud;
    }
    this.params = { baud, shiftHz, burstStartS: this.#start, burstDurationS: symbols / baud };
    this.rmsBandwidthHz = shiftHz / 2;
  }

  render(t0: number, fs: number, phase: Float64Array, envelope: Float32Array): void {
    const symbols = this.#tones.length;
    const end = symbols / this.#baud;
    for (let k = 0; k < phase.length; k++) {
      const t = t0 + k / fs - this.#start;
      if (t < 0 || t >= end) {
        phase[k] = 0;
        envelope[k] = 0;
        continue;
      }
      const sym = Math.min(symbols - 1, Math.floor(t * this.#baud));
      phase[k] = (this.#phaseAt[sym] as number) + 2 * Math.PI * (this.#tones[sym] as number) * (t - sym / this.#baud);
      const edge = Math.min(t, end - t);
      envelope[k] = edge >= this.#rampS ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / this.#rampS);
    }
  }
}

export function makeWaveform(kind: SignalKind, rng: Rng, o: SignalOptions, windowS: number): Waveform {
  switch (kind) {
    case 'cw':
      return new Carrier();
    case 'fm':
      return new VoiceFm(rng, o.fmDeviationHz);
    case 'fsk':
      return new FskBurst(rng, o.fskBaud, o.fskShiftHz, windowS);
  }
}
