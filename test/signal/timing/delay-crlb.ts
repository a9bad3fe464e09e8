// Delay-estimation trials against the Cramér–Rao bound, shared by test/signal/timing/delay.test.ts and
// bench/timing/crlb.ts. The bound for two noisy copies of an unknown (Gaussian) signal (Knapp & Carter 1976, §IV;
// Carter, "Coherence and time delay estimation", Proc. IEEE 75(2), 1987, eq. 40):
//   var τ ≥ [2T ∫ (2π(f − f̄))² |γ(f)|² / (1 − |γ(f)|²) df]⁻¹,   |γ|²/(1 − |γ|²) = s² / (1 + 2s) for equal noise,
// s(f) the per-bin SNR. Discretely over the N bins of an N-sample window (bin width 1/T):
//   info = 2 Σ_k (2π(f_k − f̄))² s_k² / (1 + 2 s_k)   (τ in samples, f in cycles/sample),
// with s_k the noise-free signal's periodogram (smoothed over SMOOTH_BINS bins: the Gaussian-signal model wants
// the spectral density, not one realization's scatter) over the noise's N·σ². f̄ is the centroid of the
// weights: the carrier phases of the two receivers are unknown, so only the spread about it informs (the
// estimator maximizes |R(τ)|).
import { Rng } from '../../../src/math/rng.js';
import { estimateDelayIq } from '../../../src/signal/timing/delay.js';
import { type KindCase, periodogram, receive, renderComplex, waveform } from '../../sim/waveforms/helpers.js';

const SMOOTH_BINS = 16;

/** The delay CRLB σ (samples) of `signal` (noise-free complex, N samples) with complex noise variance per sample. */
export function twoChannelDelayCrlbSamples(signal: Float64Array, noiseVariance: number): number {
  const n = signal.length / 2;
  const { power } = periodogram(signal, 1);
  const size = power.length; // ≥ n: zero-padded bins are correlated; count information per N-point bin
  const density = new Float64Array(size);
  const half = Math.round(SMOOTH_BINS * (size / n));
  for (let k = 0; k < size; k++) {
    let acc = 0;
    for (let j = -half; j <= half; j++) acc += power[(k + j + size) % size] as number;
    density[k] = acc / (2 * half + 1);
  }
  const w = new Float64Array(size);
  let wSum = 0;
  let fMean = 0;
  for (let k = 0; k < size; k++) {
    const s = (density[k] as number) / (n * noiseVariance);
    w[k] = (s * s) / (1 + 2 * s);
    wSum += w[k] as number;
    fMean += (w[k] as number) * ((k < size / 2 ? k : k - size) / size);
  }
  fMean /= wSum;
  let info = 0;
  for (let k = 0; k < size; k++) {
    const f = (k < size / 2 ? k : k - size) / size;
    info += 2 * (2 * Math.PI * (f - fMean)) ** 2 * (w[k] as number);
  }
  return 1 / Math.sqrt(info * (n / size));
}

export interface TrialSummary {
  snrDb: number;
  /** RMS of (estimate − truth) over the trials (samples). */
  rmsErrorSamples: number;
  /** RMS of the per-trial CRLB σ's (samples). */
  crlbSamples: number;
  /** RMS of the estimator's own σ's (samples). */
  reportedSigmaSamples: number;
  /** RMS of error / reported σ: ~1 when σ is honest. */
  normalizedRms: number;
  /** Median quality. */
  quality: number;
}

/**
 * `trials` seeded trials: a fresh waveform realization and fresh noise each, the second receiver delayed by a
 * random fractional number of samples; SNR is per sample over the full sampled band, while the signal is on.
 */
export function delayTrials(c: KindCase, snrDb: number, samples: number, trials: number, seed = 1): TrialSummary {
  const fs = c.rateHz;
  const windowS = samples / fs;
  const noiseVariance = 10 ** (-snrDb / 10);
  let e2 = 0;
  let c2 = 0;
  let s2 = 0;
  let z2 = 0;
  const qualities: number[] = [];
  for (let t = 0; t < trials; t++) {
    const rng = new Rng(seed, 'delay-trial', c.label, snrDb, t);
    const w = waveform(c, seed * 1000 + t, windowS);
    const delaySamples = rng.between(-20, 20);
    const a = receive(w, fs, samples, 0, noiseVariance, rng);
    const b = receive(w, fs, samples, delaySamples / fs, noiseVariance, rng);
    const est = estimateDelayIq(a, b, samples, 64);
    const err = est.lagSamples - delaySamples;
    const crlb = twoChannelDelayCrlbSamples(renderComplex(w, 0, fs, samples), noiseVariance);
    e2 += err * err;
    c2 += crlb * crlb;
    s2 += est.sigmaSamples ** 2;
    z2 += (err / est.sigmaSamples) ** 2;
    qualities.push(est.quality);
  }
  qualities.sort((x, y) => x - y);
  return {
    snrDb,
    rmsErrorSamples: Math.sqrt(e2 / trials),
    crlbSamples: Math.sqrt(c2 / trials),
    reportedSigmaSamples: Math.sqrt(s2 / trials),
    normalizedRms: Math.sqrt(z2 / trials),
    quality: qualities[Math.floor(trials / 2)] as number,
  };
}
