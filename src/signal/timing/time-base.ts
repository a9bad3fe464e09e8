// A recording's time base: the true sample rate and the time of sample 0, from the recording's own timestamps.
// - KiwiSDR IQ WAV: the reader already fitted both to the per-block GNSS timestamps (meta.fittedSampleRateHz);
//   the Recording carries the fit.
// - SigMF with two or more captures carrying core:datetime (meta.captureTimes from the reader): a robust line fit
//   of time vs sample index (src/math/robust-line.ts, the same fit as the KiwiSDR reader's).
// - One timestamp: the nominal rate, trusted as it is.
import { leastSquaresLine, lineInliers, residualRms } from '../../math/robust-line.js';
import type { Recording } from '../recording.js';

export type TimeBaseMethod = 'kiwi-gnss-fit' | 'sigmf-captures' | 'nominal';

export interface TimeBase {
  rateHz: number;
  startUnixNs: bigint;
  /** 1σ of the start time (s), or null when nothing says how good it is. */
  sigmaS: number | null;
  method: TimeBaseMethod;
}

/** Capture timestamps further than this from the fitted line are outliers (as the KiwiSDR reader's floor). */
const OUTLIER_FLOOR_S = 5e-6;
/** A fitted rate further than this (relative) from the nominal one means the timestamps are inconsistent. */
const MAX_RATE_DEVIATION = 1e-3;
/** Residual RMS below this is not believed (timestamp quantization, too few points). */
const MIN_SIGMA_S = 1e-7;

interface CaptureTime {
  sample: number;
  unixNs: bigint;
}

function captureTimes(meta: Record<string, unknown>): CaptureTime[] | null {
  const v = meta.captureTimes;
  if (!Array.isArray(v)) return null;
  const ok = v.every((c) => typeof c === 'object' && c !== null && typeof c.sample === 'number' && typeof c.unixNs === 'bigint');
  return ok ? (v as CaptureTime[]) : null;
}

/** The recording's time base, or the reason it has none. */
export function timeBase(r: Recording): TimeBase | { reason: string } {
  if (r.startUnixNs === null) return { reason: 'no timestamp (no GNSS fix / no core:datetime)' };
  if (typeof r.meta.fittedSampleRateHz === 'number') {
    return { rateHz: r.sampleRateHz, startUnixNs: r.startUnixNs, sigmaS: r.timestampSigmaS, method: 'kiwi-gnss-fit' };
  }
  const times = captureTimes(r.meta);
  if (times !== null && times.length >= 2) return fitCaptureTimes(r, times);
  return { rateHz: r.sampleRateHz, startUnixNs: r.startUnixNs, sigmaS: r.timestampSigmaS, method: 'nominal' };
}

function fitCaptureTimes(r: Recording, times: CaptureTime[]): TimeBase | { reason: string } {
  const ref = times[0] as CaptureTime;
  const n = times.map((t) => t.sample);
  // Relative to the first timestamp in bigint first, so no nanoseconds are lost.
  const x = times.map((t) => Number(t.unixNs - ref.unixNs) * 1e-9);
  const inliers = lineInliers(n, x, OUTLIER_FLOOR_S);
  if (inliers.length < 2 || new Set(inliers.map((i) => n[i])).size < 2) {
    return { reason: `capture timestamps inconsistent: ${inliers.length} of ${times.length} fit one time base` };
  }
  const line = leastSquaresLine(n, x, inliers);
  const rateHz = 1 / line.s;
  if (!(Math.abs(rateHz / r.sampleRateHz - 1) <= MAX_RATE_DEVIATION)) {
    return {
      reason: `capture timestamps give a sample rate of ${rateHz.toFixed(3)} Hz, more than ${MAX_RATE_DEVIATION * 100} % from core:sample_rate ${r.sampleRateHz} Hz`,
    };
  }
  const rms = residualRms(n, x, inliers, line);
  // With only two timestamps the residual says nothing; then the recording's stated σ is all there is.
  const fitted = inliers.length >= 3 ? Math.max(MIN_SIGMA_S, rms) : null;
  const stated = r.timestampSigmaS;
  const sigmaS = fitted === null ? stated : stated === null ? fitted : Math.max(stated, fitted);
  return { rateHz, startUnixNs: ref.unixNs + BigInt(Math.round(line.a * 1e9)), sigmaS, method: 'sigmf-captures' };
}
