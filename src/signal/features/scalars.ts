// Per-receiver scalar features from the power spectrogram: received power, an SNR estimate, the
// carrier frequency offset, and whether the receiver heard anything.
import type { FeatureConfig } from './config.js';

/**
 * Names and order of the per-receiver scalar features (stored with the model). The last three come
 * from the whole transmission, not one recording (features/session-timing.ts): the arrival time
 * relative to the mean arrival of the precisely timed receivers (µs), its σ (µs: the per-pair
 * figure the classical TDOA estimator weights by) and whether the receiver was one of them
 * (GPS-disciplined and heard). They are 0 where timing is unavailable.
 */
export const SCALAR_NAMES = [
  'rssi_dbfs',
  'rssi_dbm',
  'rssi_dbm_known',
  'snr_db',
  'freq_offset_hz',
  'heard',
  'toa_centered_us',
  'toa_sigma_us',
  'timed',
] as const;
export const SCALAR_COUNT = SCALAR_NAMES.length;

export interface ReceiverScalars {
  rssiDbfs: number;
  /** Calibrated power (dBm) when the receiver's full scale is known, else null. */
  rssiDbm: number | null;
  snrDb: number;
  freqOffsetHz: number;
  heard: boolean;
}

/**
 * From the frames' power spectra (natural FFT order): the noise floor per bin is the median of
 * the time-averaged spectrum (a narrowband signal occupies few bins); signal = total − noise;
 * the offset is the power-weighted mean frequency of the excess over the floor.
 */
export function receiverScalars(
  power: Float64Array[],
  meanPower: number,
  c: FeatureConfig,
  fullScaleOffsetDb: number | null,
): ReceiverScalars {
  const n = c.nFft;
  const avg = new Float64Array(n);
  for (const p of power) for (let k = 0; k < n; k++) avg[k] = (avg[k] as number) + (p[k] as number) / power.length;
  const sorted = Float64Array.from(avg).sort();
  const floorPerBin = sorted[Math.floor(n / 2)] as number;
  let total = 0;
  let excess = 0;
  let moment = 0;
  for (let k = 0; k < n; k++) {
    const v = avg[k] as number;
    total += v;
    const e = Math.max(0, v - floorPerBin);
    excess += e;
    const freq = ((k < n / 2 ? k : k - n) * c.sampleRateHz) / n;
    moment += e * freq;
  }
  const noise = floorPerBin * n;
  const signal = Math.max(total - noise, 0);
  const snrDb = Math.max(-30, Math.min(90, 10 * Math.log10((signal + 1e-30) / (noise + 1e-30))));
  const rssiDbfs = meanPower > 0 ? 10 * Math.log10(meanPower) : c.floorDb;
  return {
    rssiDbfs,
    rssiDbm: fullScaleOffsetDb === null ? null : rssiDbfs + fullScaleOffsetDb,
    snrDb,
    freqOffsetHz: excess > 0 ? moment / excess : 0,
    heard: snrDb >= c.heardSnrDb,
  };
}

/** Index of a scalar in SCALAR_NAMES. */
export const scalarIndex = (name: (typeof SCALAR_NAMES)[number]): number => SCALAR_NAMES.indexOf(name);

/**
 * The scalar vector in SCALAR_NAMES order (unknown dBm → 0 with its flag 0). The timing entries
 * are 0 here: applyTiming (session-timing.ts) fills them from the transmission's time differences.
 */
export function scalarVector(s: ReceiverScalars): number[] {
  return [s.rssiDbfs, s.rssiDbm ?? 0, s.rssiDbm === null ? 0 : 1, s.snrDb, s.freqOffsetHz, s.heard ? 1 : 0, 0, 0, 0];
}
