// Complex (two-sided) STFT of IQ and its mel power spectrogram in dB.
//
// Frame f covers samples [f·hop, f·hop + nFft) weighted by a periodic Hann window w. The power
// of bin k is P[k] = |X[k]|² / (N·Σw²): with this scaling Σₖ P[k] = Σₙ|x[n]w[n]|² / Σw², the
// frame's window-weighted mean power (Parseval), so a tone of power A² sums to A² over its bins.
// The transform and the mel product run in the heimdall_dsp addon (FFTW, a sparse filterbank,
// float64; see dsp.ts): native code, not JavaScript, for speed, and not libtorch, for start-up
// (docs/PERFORMANCE.md).
import type { FeatureConfig } from './config.js';
import { hopFor } from './config.js';
import { melDb, stftPower } from './dsp.js';
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

/**
 * Power spectra of every frame: [frames][nFft] in natural FFT bin order, as views of one
 * contiguous buffer (melSpectrogramDb hands it to the addon without copying).
 */
export function powerSpectrogram(iq: Float32Array, c: FeatureConfig): Float64Array[] {
  const n = c.nFft;
  const w = hann(n);
  let energy = 0;
  for (let i = 0; i < n; i++) energy += (w[i] as number) * (w[i] as number);
  const all = stftPower(iq, n, hopFor(c), c.frames, w, 1 / (n * energy));
  return Array.from({ length: c.frames }, (_, f) => all.subarray(f * n, (f + 1) * n));
}

/** The frames as one [frames][nFft] buffer: the one they view, or a copy when they are separate arrays. */
function contiguous(power: Float64Array[], n: number): Float64Array {
  const first = power[0];
  if (first === undefined) throw new RangeError('melSpectrogramDb: no frames');
  const viewsOfOne = power.every(
    (p, f) => p.buffer === first.buffer && p.byteOffset === first.byteOffset + 8 * f * n && p.length === n,
  );
  if (viewsOfOne) return new Float64Array(first.buffer, first.byteOffset, power.length * n);
  const copy = new Float64Array(power.length * n);
  power.forEach((p, f) => {
    if (p.length !== n) throw new RangeError(`melSpectrogramDb: frame ${f} has ${p.length} bins, nFft is ${n}`);
    copy.set(p, f * n);
  });
  return copy;
}

/**
 * Mel power in dB, written into `out` at `offset` as [melBands][frames] (band-major, so a
 * receiver's block is the [128, 32] image the model sees).
 */
export function melSpectrogramDb(power: Float64Array[], c: FeatureConfig, out: Float32Array, offset = 0): void {
  const mel = melFor(c);
  melDb(
    contiguous(power, c.nFft),
    power.length,
    { start: mel.start, bins: mel.flatBins, weights: mel.flatWeights },
    c.floorDb,
    out,
    offset,
  );
}
