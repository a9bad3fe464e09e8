// Time difference of arrival between two recordings by generalized cross-correlation with the
// phase transform (Knapp & Carter 1976): R = IFFT(A*·B / |A*·B|) peaks at the lag of b behind a,
// sharply whatever the signals' spectra. The integer peak is refined by maximizing the
// band-limited (DTFT) interpolation of |R| around it with a golden-section search: a parabola
// through three samples is biased by up to ~0.15 sample for complex baseband peaks.
import { fft, nextPowerOfTwo } from './fft.js';

/** A bin counts as signal when its cross-power exceeds this multiple of the median bin. */
const NOISE_BIN_FACTOR = 4;
/** Below this many signal bins, fall back to plain PHAT over all bins. */
const MIN_BINS = 16;

export interface GccPhatResult {
  /** Lag of b behind a, in samples (b[n] ≈ a[n − lag]), with sub-sample refinement. */
  lagSamples: number;
  /** Peak height over the RMS of the rest of the correlation: > ~6 is a clear peak. */
  quality: number;
}

function spectrum(iq: Float32Array, samples: number, size: number): Float64Array {
  const buf = new Float64Array(2 * size);
  for (let i = 0; i < 2 * samples; i++) buf[i] = iq[i] as number;
  fft(buf);
  return buf;
}

/** GCC-PHAT over the first `samples` complex samples of a and b, searching |lag| ≤ maxLag. */
export function gccPhat(a: Float32Array, b: Float32Array, samples: number, maxLag = Math.floor(samples / 2)): GccPhatResult {
  const size = nextPowerOfTwo(2 * samples);
  const A = spectrum(a, samples, size);
  const B = spectrum(b, samples, size);
  const r = new Float64Array(2 * size);
  const cross = new Float64Array(2 * size);
  const mags = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    const ar = A[2 * k] as number;
    const ai = -(A[2 * k + 1] as number); // conj(A)
    const br = B[2 * k] as number;
    const bi = B[2 * k + 1] as number;
    const re = ar * br - ai * bi;
    const im = ar * bi + ai * br;
    cross[2 * k] = re;
    cross[2 * k + 1] = im;
    mags[k] = Math.hypot(re, im);
  }
  // PHAT gives every bin weight 1; for a narrowband signal most bins hold only noise, whose
  // random phases bury the peak. Bins whose cross-power does not rise clearly above the median
  // bin (the noise level for a narrowband signal) are left out; a wideband signal keeps them all.
  const sample = Float64Array.from(
    { length: Math.min(size, 4096) },
    (_, i) => mags[Math.floor((i * size) / Math.min(size, 4096))] as number,
  ).sort();
  const threshold = NOISE_BIN_FACTOR * (sample[Math.floor(sample.length / 2)] as number);
  const kept = mags.reduce((n, m) => n + (m > threshold ? 1 : 0), 0);
  const useAll = kept < MIN_BINS;
  for (let k = 0; k < size; k++) {
    const mag = mags[k] as number;
    if (mag > 0 && (useAll || mag > threshold)) {
      r[2 * k] = (cross[2 * k] as number) / mag;
      r[2 * k + 1] = (cross[2 * k + 1] as number) / mag;
    }
  }
  const spectrumPhat = Float64Array.from(r);
  fft(r, true);
  const at = (lag: number) => {
    const idx = ((lag % size) + size) % size;
    return Math.hypot(r[2 * idx] as number, r[2 * idx + 1] as number);
  };
  let best = 0;
  let peak = -1;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const v = at(lag);
    if (v > peak) {
      peak = v;
      best = lag;
    }
  }
  const frac = refinePeak(spectrumPhat, size, best) - best;
  let sumSq = 0;
  let count = 0;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    if (Math.abs(lag - best) <= 2) continue;
    sumSq += at(lag) ** 2;
    count++;
  }
  const rms = Math.sqrt(sumSq / Math.max(1, count));
  return { lagSamples: best + frac, quality: rms > 0 ? peak / rms : Number.POSITIVE_INFINITY };
}

/** |Σₖ G[k]·e^{+j2π k′ τ / M}| at a fractional lag τ (k′ the signed frequency index). */
function interpolatedMagnitude(g: Float64Array, size: number, tau: number): number {
  const step = (2 * Math.PI * tau) / size;
  const [cs, sn] = [Math.cos(step), Math.sin(step)];
  let re = 0;
  let im = 0;
  // Positive frequencies k = 0 … M/2−1 rotate forward, negative ones k − M backward.
  let wr = 1;
  let wi = 0;
  for (let k = 0; k < size / 2; k++) {
    const gr = g[2 * k] as number;
    const gi = g[2 * k + 1] as number;
    re += gr * wr - gi * wi;
    im += gr * wi + gi * wr;
    [wr, wi] = [wr * cs - wi * sn, wr * sn + wi * cs];
  }
  wr = Math.cos(-step * (size / 2));
  wi = Math.sin(-step * (size / 2));
  for (let k = size / 2; k < size; k++) {
    const gr = g[2 * k] as number;
    const gi = g[2 * k + 1] as number;
    re += gr * wr - gi * wi;
    im += gr * wi + gi * wr;
    [wr, wi] = [wr * cs - wi * sn, wr * sn + wi * cs];
  }
  return Math.hypot(re, im);
}

/** Golden-section search for the maximum of the interpolated correlation within ±1 of `lag`. */
function refinePeak(g: Float64Array, size: number, lag: number): number {
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = lag - 1;
  let b = lag + 1;
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let fc = interpolatedMagnitude(g, size, c);
  let fd = interpolatedMagnitude(g, size, d);
  while (b - a > 1e-4) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = interpolatedMagnitude(g, size, c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = interpolatedMagnitude(g, size, d);
    }
  }
  return (a + b) / 2;
}
