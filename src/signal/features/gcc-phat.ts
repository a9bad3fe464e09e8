// Time difference of arrival between two recordings by generalized cross-correlation. The name is historical
// (it was GCC-PHAT with a bin threshold); the estimator is now the maximum-likelihood weighted one of
// src/signal/timing/delay.ts (Knapp & Carter 1976), which weights each frequency by both recordings' measured
// SNRs there and refines the peak by Newton steps on the exact interpolated correlation.
import { estimateDelayIq } from '../timing/delay.js';

export interface GccPhatResult {
  /** Lag of b behind a, in samples (b[n] ≈ a[n − lag]), with sub-sample refinement. */
  lagSamples: number;
  /** Peak height over the RMS of the rest of the (PHAT-weighted, in-band) correlation: > ~6 is a clear peak. */
  quality: number;
  /** Delay CRLB of the weighted estimator from the measured per-bin SNRs (samples); Infinity without common signal. */
  sigmaSamples: number;
}

/** Delay of b behind a over the first `samples` complex samples of each, searching |lag| ≤ maxLag. */
export function gccPhat(a: Float32Array, b: Float32Array, samples: number, maxLag = Math.floor(samples / 2)): GccPhatResult {
  const { lagSamples, quality, sigmaSamples } = estimateDelayIq(a, b, samples, maxLag);
  return { lagSamples, quality, sigmaSamples };
}
