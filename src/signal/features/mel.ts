// Mel filterbanks, Slaney convention (librosa's defaults: htk=False, norm='slaney'), applied to a
// TWO-SIDED complex baseband spectrum: half the bands cover the positive frequencies, mirrored
// bands the negative ones, so the sign of a frequency offset survives (the original took |IQ|
// first and lost it). Rows run from the most negative band to the most positive.
//
// Slaney's mel scale: linear below 1 kHz (mel = f / (200/3)), logarithmic above
// (mel = 15 + 27·ln(f/1000)/ln 6.4). Each triangular filter is area-normalized: weights are
// scaled by 2 / (f_upper − f_lower), as librosa's norm='slaney'.

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

export function hzToMel(hz: number): number {
  return hz < MIN_LOG_HZ ? hz / F_SP : MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP;
}

export function melToHz(mel: number): number {
  return mel < MIN_LOG_MEL ? F_SP * mel : MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL));
}

/**
 * librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney'): weights
 * [nMels][nFft/2 + 1] over the one-sided frequencies k·sr/nFft.
 */
export function slaneyMelFilters(
  sampleRateHz: number,
  nFft: number,
  nMels: number,
  fMinHz: number,
  fMaxHz: number,
): Float64Array[] {
  const bins = nFft / 2 + 1;
  const fftFreqs = Array.from({ length: bins }, (_, k) => (k * sampleRateHz) / nFft);
  const melMin = hzToMel(fMinHz);
  const melMax = hzToMel(fMaxHz);
  const edges = Array.from({ length: nMels + 2 }, (_, i) => melToHz(melMin + ((melMax - melMin) * i) / (nMels + 1)));
  return Array.from({ length: nMels }, (_, m) => {
    const [lo, mid, hi] = [edges[m] as number, edges[m + 1] as number, edges[m + 2] as number];
    const norm = 2 / (hi - lo);
    const w = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      const f = fftFreqs[k] as number;
      const rising = (f - lo) / (mid - lo);
      const falling = (hi - f) / (hi - mid);
      w[k] = Math.max(0, Math.min(rising, falling)) * norm;
    }
    return w;
  });
}

/** A sparse two-sided filterbank: for each band, the FFT bins (natural FFT order) and weights. */
export interface TwoSidedMel {
  bands: number;
  nFft: number;
  bins: Int32Array[];
  weights: Float64Array[];
  /** The same, flattened: band b uses entries start[b] … start[b+1]−1 (for hot loops). */
  start: Int32Array;
  flatBins: Int32Array;
  flatWeights: Float64Array;
}

/**
 * `bands` two-sided bands (even): bands/2 Slaney filters on |f| for f ≥ 0 (DC included) and
 * the same filters mirrored onto f < 0 (the Nyquist bin −fs/2 counts as negative).
 */
export function twoSidedMel(sampleRateHz: number, nFft: number, bands: number, fMaxHz = sampleRateHz / 2): TwoSidedMel {
  if (bands % 2 !== 0 || bands < 2) throw new RangeError(`twoSidedMel: bands must be an even number >= 2, got ${bands}`);
  const half = slaneyMelFilters(sampleRateHz, nFft, bands / 2, 0, fMaxHz);
  const bins: Int32Array[] = [];
  const weights: Float64Array[] = [];
  const add = (filter: Float64Array, negative: boolean) => {
    const idx: number[] = [];
    const w: number[] = [];
    for (let k = 0; k < filter.length; k++) {
      const v = filter[k] as number;
      if (v === 0) continue;
      if (negative) {
        if (k === 0) continue; // DC belongs to the positive side
        idx.push(nFft - k); // bin of frequency −k·fs/N (k = N/2 is the Nyquist bin, listed once)
      } else {
        if (k === nFft / 2) continue; // Nyquist belongs to the negative side
        idx.push(k);
      }
      w.push(v);
    }
    bins.push(Int32Array.from(idx));
    weights.push(Float64Array.from(w));
  };
  for (let m = half.length - 1; m >= 0; m--) add(half[m] as Float64Array, true);
  for (const f of half) add(f, false);
  const start = new Int32Array(bands + 1);
  bins.forEach((b, i) => {
    start[i + 1] = (start[i] as number) + b.length;
  });
  const flatBins = new Int32Array(start[bands] as number);
  const flatWeights = new Float64Array(start[bands] as number);
  bins.forEach((b, i) => {
    flatBins.set(b, start[i] as number);
    flatWeights.set(weights[i] as Float64Array, start[i] as number);
  });
  return { bands, nFft, bins, weights, start, flatBins, flatWeights };
}
