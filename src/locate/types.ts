// Classical (non-learning) localization: what every estimator takes and returns. Positions are
// local east/north metres in one frame (src/geo/local-frame.ts); powers are dBm; times seconds.
// These estimators are the references a learned model is judged against (docs/LOCATE.md).
import type { Cov2 } from '../math/gaussian2d.js';

/** One receiver's received-power observation of one transmission. */
export interface ReceiverObservation {
  id: string;
  east: number;
  north: number;
  /** Receiver antenna height above the transmitter's ground reference (m): altitude + mast. */
  heightM: number;
  /**
   * Calibrated received power (dBm) when the receiver heard the transmission; null when it
   * recorded but did not hear it (below its detection level: censored evidence, see detectionDbm).
   */
  rssDbm: number | null;
  /**
   * Received signal power (dBm) below which this receiver does not hear: noise floor plus the
   * detection threshold. Needed for a not-heard receiver to count as evidence (the transmitter is
   * far or shadowed from it); without it a not-heard receiver is left out.
   */
  detectionDbm?: number;
  /** Noise power in the measurement bandwidth (dBm): a measured power is signal ⊕ noise. */
  noiseDbm?: number;
  /** Measured SNR (dB), for diagnostics and weighting. */
  snrDb?: number;
}

/**
 * A receiver as the power-based estimators know it: position in the frame, antenna height, gain,
 * and (when its noise figure is known) the noise power in the recording bandwidth.
 */
export interface PoweredReceiver {
  id: string;
  east: number;
  north: number;
  heightM: number;
  /** Antenna gain (dBi): powers are referred to an isotropic antenna before the path-loss model. */
  gainDbi: number;
  /** Noise power in the recording bandwidth (dBm), when the receiver's noise figure is known. */
  noiseDbm?: number;
}

/** The stated received-power model: RSS = P₀ − L(d, h) + w, w ~ N(0, σ²) per receiver. */
export interface RssModel {
  /** Median path loss (dB) at 3-D distance `distanceM` to a receiver with antenna height `rxHeightM`. */
  lossDb(distanceM: number, rxHeightM: number): number;
  /** Transmitter antenna height (m) used with the receivers' heights for the 3-D distance. */
  txHeightM: number;
  /** σ (dB) of one received-power measurement: shadowing ⊕ calibration error ⊕ fading residual. */
  sigmaDb: number;
  /** Prior range of the transmit power (dBm); the estimators marginalize or profile it. */
  txPowerDbm: [number, number];
  /** One line a person can read: "log-distance n = 3 from 1 km, f = 145.5 MHz, σ = 6.4 dB". */
  description: string;
}

/** A rectangular search region in the local frame (m). */
export interface SearchRegion {
  east: [number, number];
  north: [number, number];
}

/** A time difference of arrival between two receivers: arrival at `b` minus arrival at `a`. */
export interface TimeDifferenceObservation {
  a: string;
  b: string;
  seconds: number;
  /** 1σ of `seconds` (s): delay-estimation error ⊕ the two clocks' timestamp errors. */
  sigmaS: number;
  /** Correlation peak quality (peak over RMS of the rest): > ~6 is a clear peak. */
  quality: number;
  /**
   * σ (s) of receiver a's / b's own timestamp error, a part of `sigmaS` that every pair with that receiver shares
   * (pair-covariance.ts); absent means 0, i.e. the pair's error is its own.
   */
  clockSigmaAS?: number;
  clockSigmaBS?: number;
}

export type LocateMethod =
  | 'rss-ml'
  | 'posterior-mean'
  | 'tdoa'
  | 'centroid'
  | 'strongest'
  | 'knn'
  | 'radio-map'
  | 'localization-net';

export interface ReceiverDiagnostic {
  id: string;
  used: boolean;
  /** Why a receiver was not used (or how it was used: "censored: not heard"). */
  reason?: string;
  /** Measured minus predicted power at the estimate (dB), where it applies. */
  residualDb?: number;
}

export interface PairDiagnostic {
  a: string;
  b: string;
  used: boolean;
  reason?: string;
  seconds?: number;
  /** Measured minus predicted time difference at the estimate (s). */
  residualS?: number;
}

export interface LocationEstimate {
  method: LocateMethod;
  east: number;
  north: number;
  /**
   * Uncertainty of the position (m²). The posterior covariance for posterior-mean, the inverse
   * Fisher information (observed curvature) at the estimate for rss-ml and tdoa, the power-weighted
   * spread of the heard receivers for centroid/strongest (a crude region, not a calibrated one).
   */
  cov: Cov2;
  receivers: ReceiverDiagnostic[];
  pairs?: PairDiagnostic[];
  /** Estimated nuisance parameters: transmit power (dBm), path-loss exponent, … */
  nuisance?: Record<string, number>;
}

/** An estimator refuses with this when the observations cannot determine a position. */
export class LocateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocateError';
  }
}
