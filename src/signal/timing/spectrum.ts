// Per-bin signal-to-noise ratio of a recording (Welch), and from two of them the delay-estimation CRLB.
// The noise floor is the NOISE_PERCENTILE of the averaged bin powers (white noise assumed), corrected to the mean
// of a noise bin (an average of K periodograms is ≈ Gaussian with relative σ 1/√K, so its 20th percentile lies
// 0.84 σ below the mean): right when the signal leaves at least that share of the band free, and an
// overestimate (so a conservative σ) when it does not. A bin's SNR estimate is kept only when it stands
// SIGNIFICANT_SIGMAS estimation σ's above the floor: noise bins then read 0, not the +15 % the percentile bias and
// their own scatter would give them — the delay estimator's weights (delay.ts) must not reward noise.
// Delay CRLB for two noisy receivers (Knapp & Carter 1976; with N samples and per-bin SNRs a_k, b_k):
//   var(τ) = 1 / (2 · (N/L) · Σ_k (2π(f_k − f̄))² · a_k b_k / (1 + a_k + b_k)),
// the sum over L Welch bins (each L-bin holds N/L bins of the full-length transform), f̄ the centroid of the
// weights: GCC-PHAT uses the correlation envelope, not the carrier phase, so only the spread about f̄ informs.
import { fft } from '../features/fft.js';

export const WELCH_BINS = 256;
const NOISE_PERCENTILE = 0.2;
/** Signal is present when at least this many bins stand DETECT_SIGMAS estimation σ's above the floor. */
const MIN_SIGNAL_BINS = 3;
const DETECT_SIGMAS = 6;
/** A bin's SNR below this many estimation σ's is taken as 0 (a one-sided 2.3 % false-alarm rate per bin). */
const SIGNIFICANT_SIGMAS = 2;
/** Standard-normal quantile of NOISE_PERCENTILE: where the percentile lies below a noise bin's mean, in σ's. */
const NOISE_PERCENTILE_Z = -0.8416;

export interface SpectrumSnr {
  /** Per-bin SNR (linear, ≥ 0), bins in FFT order (0 … L/2−1 positive, then negative frequencies). */
  binSnr: Float64Array;
  /** Signal power over noise power in the whole band (linear). */
  snr: number;
  signalBins: number;
  segments: number;
  /** Relative σ of a noise bin's averaged power: the SNR estimate's own scatter near 0. */
  relSigma: number;
  /** The strongest band of contiguous bins' summed excess over the floor, in noise σ's (hasSignal). */
  bandExcessSigmas: number;
}

const HANN = Float64Array.from({ length: WELCH_BINS }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / WELCH_BINS));

export function spectrumSnr(iq: Float32Array): SpectrumSnr {
  const L = WELCH_BINS;
  const n = iq.length / 2;
  const psd = new Float64Array(L);
  const buf = new Float64Array(2 * L);
  let segments = 0;
  // Hann-windowed segments, half overlapping; zeroed (dropped) stretches are skipped.
  for (let start = 0; start + L <= n; start += L / 2) {
    let energy = 0;
    let zeros = 0;
    for (let i = 0; i < L; i++) {
      const w = HANN[i] as number;
      const re = iq[2 * (start + i)] as number;
      const im = iq[2 * (start + i) + 1] as number;
      if (re === 0 && im === 0) zeros++;
      buf[2 * i] = w * re;
      buf[2 * i + 1] = w * im;
      energy += re * re + im * im;
    }
    if (energy === 0 || zeros > L / 4) continue;
    fft(buf);
    for (let k = 0; k < L; k++) psd[k] = (psd[k] as number) + (buf[2 * k] as number) ** 2 + (buf[2 * k + 1] as number) ** 2;
    segments++;
  }
  const binSnr = new Float64Array(L);
  // Averaged over `segments` (half-overlapping: ~segments/2 independent) periodograms, a noise bin's relative σ.
  const relSigma = 1 / Math.sqrt(Math.max(1, segments / 2));
  if (segments === 0) return { binSnr, snr: 0, signalBins: 0, segments, relSigma, bandExcessSigmas: 0 };
  const sorted = Float64Array.from(psd).sort();
  const noise = (sorted[Math.floor(NOISE_PERCENTILE * L)] as number) / Math.max(0.5, 1 + NOISE_PERCENTILE_Z * relSigma);
  if (!(noise > 0)) return { binSnr, snr: 0, signalBins: 0, segments, relSigma, bandExcessSigmas: 0 };
  let signalBins = 0;
  let signal = 0;
  const excess = new Float64Array(L);
  for (let k = 0; k < L; k++) {
    const s = (psd[k] as number) / noise - 1;
    excess[k] = s;
    if (s > DETECT_SIGMAS * relSigma) signalBins++;
    const kept = s > SIGNIFICANT_SIGMAS * relSigma ? s : 0;
    binSnr[k] = kept;
    signal += kept;
  }
  return { binSnr, snr: signal / L, signalBins, segments, relSigma, bandExcessSigmas: bandExcessSigmas(excess, relSigma) };
}

/** Band widths (Welch bins) over which the excess power is summed when looking for a weak, wide signal. */
const DETECT_WIDTHS = [8, 32, 96] as const;

/**
 * Signal is present when enough single bins stand out — or when the excess summed over a band of
 * contiguous bins does: a chirp or a digital signal filling a tenth of a wide capture can sit
 * below the floor in every bin and still carry thousands of samples' worth of energy (a LoRa-like
 * burst at −10 dB over a 1 MHz capture). The sum of w noise bins' excess has σ ≈ relSigma·√w.
 */
export function hasSignal(s: SpectrumSnr): boolean {
  return s.signalBins >= MIN_SIGNAL_BINS || s.bandExcessSigmas >= DETECT_SIGMAS;
}

/** The largest excess over the floor summed over contiguous bins (circularly), in units of its noise σ. */
function bandExcessSigmas(excess: Float64Array, relSigma: number): number {
  const L = excess.length;
  let best = 0;
  for (const w of DETECT_WIDTHS) {
    if (w > L) continue;
    let sum = 0;
    for (let k = 0; k < w; k++) sum += excess[k] as number;
    const sigma = relSigma * Math.sqrt(w);
    for (let k = 0; k < L; k++) {
      best = Math.max(best, sum / sigma);
      sum += (excess[(k + w) % L] as number) - (excess[k] as number);
    }
  }
  return best;
}

/**
 * Half-width (bins) of the Hann window's main lobe plus its first sidelobe (−31 dB): an unmodulated
 * carrier leaks this far however strong it is. That spread is the analysis window's, not the signal's, and carries no delay.
 */
const MAIN_LOBE_BINS = 3;
/** Bins this far below the strongest one (×) still count as the signal's extent. */
const EXTENT_FRACTION = 1e-3;

/**
 * Whether the signal has bandwidth to time: some bin holding at least EXTENT_FRACTION of the
 * strongest bin's SNR lies outside the main lobe around it. A pure carrier fails (its cross-
 * correlation only shows where the common window starts and ends, i.e. lag 0); FSK, FM, keyed
 * CW and wider signals pass.
 */
export function hasTimingBandwidth(s: SpectrumSnr): boolean {
  const L = s.binSnr.length;
  let peak = 0;
  for (let k = 1; k < L; k++) if ((s.binSnr[k] as number) > (s.binSnr[peak] as number)) peak = k;
  const floor = Math.max((s.binSnr[peak] as number) * EXTENT_FRACTION, DETECT_SIGMAS / Math.sqrt(Math.max(1, s.segments / 2)));
  for (let k = 0; k < L; k++) {
    const dist = Math.min(Math.abs(k - peak), L - Math.abs(k - peak)); // circular: FFT order wraps
    if (dist > MAIN_LOBE_BINS && (s.binSnr[k] as number) > floor) return true;
  }
  return false;
}

/** Delay-estimation CRLB σ (s) between two receivers over `samples` samples at `rateHz` (see the file comment). */
export function delayCrlbS(a: SpectrumSnr, b: SpectrumSnr, samples: number, rateHz: number): number {
  const L = WELCH_BINS;
  const w = new Float64Array(L);
  const f = new Float64Array(L);
  let wSum = 0;
  let fMean = 0;
  for (let k = 0; k < L; k++) {
    const sa = a.binSnr[k] as number;
    const sb = b.binSnr[k] as number;
    w[k] = (sa * sb) / (1 + sa + sb);
    f[k] = ((k < L / 2 ? k : k - L) * rateHz) / L;
    wSum += w[k] as number;
    fMean += (w[k] as number) * (f[k] as number);
  }
  if (!(wSum > 0)) return Number.POSITIVE_INFINITY;
  fMean /= wSum;
  let info = 0;
  for (let k = 0; k < L; k++) info += (2 * Math.PI * ((f[k] as number) - fMean)) ** 2 * (w[k] as number);
  info *= (2 * samples) / L;
  return info > 0 ? 1 / Math.sqrt(info) : Number.POSITIVE_INFINITY;
}
