// A 25 kHz-channel digital voice burst in the manner of TETRA (ETSI EN 300 392-2 V3.8.1, §5: π/4-shifted
// differential QPSK at 18 ksymbol/s, §5.5 root-raised-cosine filter with roll-off α = 0.35): symbols
// cₖ = cₖ₋₁·e^{j(π/4 + mₖπ/2)}, mₖ uniform in 0…3, shaped by the RRC pulse p, s(t) = Σ cₖ·p(t/T − k).
// The occupied bandwidth is (1 + α)·18 kHz = 24.3 kHz: sample at ≥ 27 kS/s (24.3 kHz inside 0.9 × fs).
// The envelope |s| varies (linear modulation) and is scaled to mean square 1 while on; the phase is arg s.
// Successive symbols are uncorrelated (E[cₖ c*ₖ₋₁] = mean of e^{−j(π/4 + mπ/2)} = 0), so the power spectrum is
// |P(f)|² — the raised cosine — and the RMS bandwidth is √(∫ f² RC(f) df / ∫ RC(f) df), integrated numerically.
// p is tabulated (PER_SYMBOL points per symbol, linear interpolation: error < 1e-5, −100 dB) over ±SPAN symbols
// (the truncated tails hold < 1e-4 of the pulse energy).
import type { Rng } from '../../math/rng.js';
import { BurstTiming } from './burst.js';
import type { Waveform } from './types.js';

export const DV25_SYMBOL_RATE_HZ = 18_000;
export const DV25_ROLLOFF = 0.35;
const SPAN = 8;
const PER_SYMBOL = 512;

/** Root-raised-cosine pulse (unit energy per symbol) at u symbols from its centre. */
export function rootRaisedCosine(u: number, alpha: number): number {
  if (u === 0) return 1 - alpha + (4 * alpha) / Math.PI;
  if (Math.abs(Math.abs(u) - 1 / (4 * alpha)) < 1e-9) {
    return (
      (alpha / Math.SQRT2) *
      ((1 + 2 / Math.PI) * Math.sin(Math.PI / (4 * alpha)) + (1 - 2 / Math.PI) * Math.cos(Math.PI / (4 * alpha)))
    );
  }
  const num = Math.sin(Math.PI * u * (1 - alpha)) + 4 * alpha * u * Math.cos(Math.PI * u * (1 + alpha));
  return num / (Math.PI * u * (1 - (4 * alpha * u) ** 2));
}

interface Pulse {
  table: Float64Array;
  /** Amplitude scale giving the envelope mean square 1. */
  scale: number;
  rmsBandwidthSymbols: number;
}

let pulse: Pulse | null = null;

function rrcPulse(): Pulse {
  if (pulse !== null) return pulse;
  const n = 2 * SPAN * PER_SYMBOL + 1;
  const table = new Float64Array(n);
  let energy = 0;
  for (let i = 0; i < n; i++) {
    table[i] = rootRaisedCosine(i / PER_SYMBOL - SPAN, DV25_ROLLOFF);
    energy += (table[i] as number) ** 2 / PER_SYMBOL;
  }
  // Raised-cosine spectrum (f in symbol rates): flat to (1 − α)/2, cosine roll-off to (1 + α)/2.
  const a = DV25_ROLLOFF;
  let num = 0;
  let den = 0;
  const steps = 20_000;
  for (let i = 0; i < steps; i++) {
    const f = ((i + 0.5) / steps) * ((1 + a) / 2);
    const rc = f <= (1 - a) / 2 ? 1 : 0.5 * (1 + Math.cos((Math.PI / a) * (f - (1 - a) / 2)));
    num += f * f * rc;
    den += rc;
  }
  pulse = { table, scale: 1 / Math.sqrt(energy), rmsBandwidthSymbols: Math.sqrt(num / den) };
  return pulse;
}

export class Dv25Burst implements Waveform {
  readonly kind = 'dv25' as const;
  readonly params: Record<string, number | string>;
  readonly rmsBandwidthHz: number;
  readonly occupiedBandwidthHz = (1 + DV25_ROLLOFF) * DV25_SYMBOL_RATE_HZ;
  readonly #burst: BurstTiming;
  readonly #re: Float64Array;
  readonly #im: Float64Array;

  constructor(rng: Rng, windowS: number) {
    this.#burst = new BurstTiming(rng, windowS);
    const symbols = Math.max(1, Math.ceil(this.#burst.durationS * DV25_SYMBOL_RATE_HZ));
    this.#re = new Float64Array(symbols);
    this.#im = new Float64Array(symbols);
    let theta = 2 * Math.PI * rng.uniform();
    for (let k = 0; k < symbols; k++) {
      theta += Math.PI / 4 + (Math.PI / 2) * rng.int(4);
      this.#re[k] = Math.cos(theta);
      this.#im[k] = Math.sin(theta);
    }
    this.params = {
      symbolRateHz: DV25_SYMBOL_RATE_HZ,
      rolloff: DV25_ROLLOFF,
      burstStartS: this.#burst.startS,
      burstDurationS: this.#burst.durationS,
    };
    this.rmsBandwidthHz = rrcPulse().rmsBandwidthSymbols * DV25_SYMBOL_RATE_HZ;
  }

  render(t0: number, fs: number, phase: Float64Array, envelope: Float32Array): void {
    const { table, scale } = rrcPulse();
    const re = this.#re;
    const im = this.#im;
    const symbols = re.length;
    const last = table.length - 1;
    for (let k = 0; k < phase.length; k++) {
      const t = t0 + k / fs;
      const gain = this.#burst.gain(t);
      if (gain === 0) {
        phase[k] = 0;
        envelope[k] = 0;
        continue;
      }
      // Symbol i's pulse is centred at (i + ½) symbols after the burst start.
      const u = (t - this.#burst.startS) * DV25_SYMBOL_RATE_HZ - 0.5;
      const from = Math.max(0, Math.ceil(u - SPAN));
      const to = Math.min(symbols - 1, Math.floor(u + SPAN));
      let sr = 0;
      let si = 0;
      for (let i = from; i <= to; i++) {
        const pos = (u - i + SPAN) * PER_SYMBOL;
        const j = Math.min(last - 1, Math.floor(pos));
        const f = pos - j;
        const p = (table[j] as number) + f * ((table[j + 1] as number) - (table[j] as number));
        sr += (re[i] as number) * p;
        si += (im[i] as number) * p;
      }
      envelope[k] = gain * scale * Math.hypot(sr, si);
      phase[k] = Math.atan2(si, sr);
    }
  }
}
