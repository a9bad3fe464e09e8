// Complex (two-sided) STFT of IQ and its mel power spectrogram in dB.
//
// Frame f covers samples [f·hop, f·hop + nFft) weighted by a periodic Hann window w. The power
// of bin k is P[k] = |X[k]|² / (N·Σw²): with this scaling Σₖ P[k] = Σₙ|x[n]w[n]|² / Σw², the
// frame's window-weighted mean power (Parseval), so a tone of power A² sums to A² over its bins.
import type { FeatureConfig } from './config.js';
import { hopFor } from './config.js';
import { fft } from './fft.js';
import { type TwoSidedMel, twoSidedMel } from './mel.js';

const windows = new Map<number, Float64Array>();
const filterbanks = new Map<string, TwoSidedMel>();

/** Periodic Hann window (scipy.signal.get_window('hann', N) / torch.hann_window default). */
export function hann(n: number): Float64Array {
  let w = windows.get(n);
  if (w === undefined) {
    w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    windows.set(n, w);
  }
  return w;
}

export function melFor(c: FeatureConfig): TwoSidedMel {
  const key = `${c.sampleRateHz}/${c.nFft}/${c.melBands}`;
  let m = filterbanks.get(key);
  if (m === undefined) {
    m = twoSidedMel(c.sampleRateHz, c.nFft, c.melBands);
    filterbanks.set(key, m);
  }
  return m;
}

/** Power spectra of every frame: [frames][nFft] in natural FFT bin order. */
export function powerSpectrogram(iq: Float32Array, c: FeatureConfig): Float64Array[] {
  const n = c.nFft;
  const hop = hopFor(c);
  const w = hann(n);
  let energy = 0;
  for (let i = 0; i < n; i++) energy += (w[i] as number) * (w[i] as number);
  const scale = 1 / (n * energy);
  const buf = new Float64Array(2 * n);
  const out: Float64Array[] = [];
  for (let f = 0; f < c.frames; f++) {
    const start = f * hop;
    for (let i = 0; i < n; i++) {
      const wi = w[i] as number;
      buf[2 * i] = (iq[2 * (start + i)] as number) * wi;
      buf[2 * i + 1] = (iq[2 * (start + i) + 1] as number) * wi;
    }
    fft(buf);
    const p = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const re = buf[2 * k] as number;
      const im = buf[2 * k + 1] as number;
      p[k] = (re * re + im * im) * scale;
    }
    out.push(p);
  }
  return out;
}

/**
 * Mel power in dB, written into `out` at `offset` as [melBands][frames] (band-major, so a
 * receiver's block is the [128, 32] image the model sees).
 */
export function melSpectrogramDb(power: Float64Array[], c: FeatureConfig, out: Float32Array, offset = 0): void {
  const mel = melFor(c);
  const frames = power.length;
  const floor = c.floorDb;
  const { start, flatBins, flatWeights } = mel;
  const bands = mel.bands;
  // Frame-major loop: each frame's spectrum is read once, sequentially, for all bands.
  for (let f = 0; f < frames; f++) {
    const p = power[f] as Float64Array;
    for (let b = 0; b < bands; b++) {
      let s = 0;
      const end = start[b + 1] as number;
      for (let j = start[b] as number; j < end; j++) s += (flatWeights[j] as number) * (p[flatBins[j] as number] as number);
      const db = s > 0 ? 10 * Math.log10(s) : floor;
      out[offset + b * frames + f] = db > floor ? db : floor;
    }
  }
}
