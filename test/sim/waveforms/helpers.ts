// Rendering and spectral measures shared by the waveform tests and the delay-estimation bench.
import { Rng } from '../../../src/math/rng.js';
import { fft, nextPowerOfTwo } from '../../../src/signal/features/fft.js';
import type { SignalKind } from '../../../src/sim/config.js';
import { FadingProcess } from '../../../src/sim/fading.js';
import { synthesizeIq } from '../../../src/sim/iq-synth.js';
import { makeWaveform, type SignalOptions, type Waveform } from '../../../src/sim/waveforms.js';

export const NAVTEX: SignalOptions = { fmDeviationHz: 2500, fskBaud: 100, fskShiftHz: 170 };
export const DEFAULTS: SignalOptions = { fmDeviationHz: 2500, fskBaud: 1200, fskShiftHz: 1000 };

export interface KindCase {
  label: string;
  kind: SignalKind;
  options: SignalOptions;
  /** The receiver sample rate the kind is meant for (Hz). */
  rateHz: number;
}

export const CASES: KindCase[] = [
  { label: 'fm voice @ 12 kHz', kind: 'fm', options: DEFAULTS, rateHz: 12_000 },
  { label: 'gfsk 1200 Bd @ 12 kHz', kind: 'fsk', options: DEFAULTS, rateHz: 12_000 },
  { label: 'gfsk NAVTEX 100 Bd / 170 Hz @ 12 kHz', kind: 'fsk', options: NAVTEX, rateHz: 12_000 },
  { label: 'wbfm @ 250 kHz', kind: 'wbfm', options: DEFAULTS, rateHz: 250_000 },
  { label: 'lora 125 kHz @ 250 kHz', kind: 'lora', options: DEFAULTS, rateHz: 250_000 },
  { label: 'dv25 @ 250 kHz', kind: 'dv25', options: DEFAULTS, rateHz: 250_000 },
];

export function waveform(c: KindCase, seed: number, windowS: number): Waveform {
  return makeWaveform(c.kind, new Rng(seed, 'waveform', c.label), c.options, windowS);
}

/** The noise-free complex baseband env·e^{jφ} at t0 + k/fs, as float64 interleaved. */
export function renderComplex(w: Waveform, t0: number, fs: number, n: number): Float64Array {
  const phase = new Float64Array(n);
  const env = new Float32Array(n);
  w.render(t0, fs, phase, env);
  const out = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    out[2 * k] = (env[k] as number) * Math.cos(phase[k] as number);
    out[2 * k + 1] = (env[k] as number) * Math.sin(phase[k] as number);
  }
  return out;
}

/** Periodogram (FFT order) of a zero-padded complex signal, and its bin spacing (Hz). */
export function periodogram(x: Float64Array, fs: number): { power: Float64Array; binHz: number } {
  const n = x.length / 2;
  const size = nextPowerOfTwo(n);
  const buf = new Float64Array(2 * size);
  buf.set(x);
  fft(buf);
  const power = new Float64Array(size);
  for (let k = 0; k < size; k++) power[k] = (buf[2 * k] as number) ** 2 + (buf[2 * k + 1] as number) ** 2;
  return { power, binHz: fs / size };
}

const signedHz = (k: number, size: number, binHz: number): number => (k < size / 2 ? k : k - size) * binHz;

/** Share of the power beyond ±edgeHz. */
export function powerBeyond(p: { power: Float64Array; binHz: number }, edgeHz: number): number {
  let total = 0;
  let out = 0;
  const size = p.power.length;
  for (let k = 0; k < size; k++) {
    total += p.power[k] as number;
    if (Math.abs(signedHz(k, size, p.binHz)) > edgeHz) out += p.power[k] as number;
  }
  return out / total;
}

/** RMS bandwidth about the power-weighted mean frequency (Hz). */
export function spectralRmsBandwidthHz(p: { power: Float64Array; binHz: number }): number {
  const size = p.power.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  for (let k = 0; k < size; k++) {
    const f = signedHz(k, size, p.binHz);
    const w = p.power[k] as number;
    s0 += w;
    s1 += w * f;
    s2 += w * f * f;
  }
  return Math.sqrt(s2 / s0 - (s1 / s0) ** 2);
}

/** One receiver's IQ of `w` (unit amplitude, no fading or offset) delayed by delayS, with complex noise variance. */
export function receive(
  w: Waveform,
  fs: number,
  samples: number,
  delayS: number,
  noiseVariance: number,
  rng: Rng,
  carrierOffsetHz = 0,
): Float32Array {
  return synthesizeIq({
    waveform: w,
    startS: 0,
    sampleRateHz: fs,
    samples,
    delayS,
    amplitude: 1,
    carrierOffsetHz,
    phase0: 2 * Math.PI * rng.uniform(),
    fading: new FadingProcess(rng, 'none', 0, 0),
    noiseVariance,
    rng,
  });
}
