// The evaluation of one model on one dataset split, next to the references computed on the SAME
// samples: what `heimdall evaluate --json` prints, what evaluation.json holds, and what the HTML
// report (src/report) draws. Plain data: every number a reader may want (one type guard).
import type { Cov2, Ellipse } from '../math/gaussian2d.js';

/** One estimator's error on one sample: estimate − truth (m), with its predicted covariance if it has one. */
export interface EstimatorSample {
  errorE: number;
  errorN: number;
  /** Predicted error covariance (m²); null when the estimator gives no calibrated uncertainty. */
  cov: Cov2 | null;
}

/** A bootstrap 95 % interval (2.5th and 97.5th percentiles of the resampled statistic). */
export interface Interval {
  low: number;
  high: number;
}

export interface EstimatorMetrics {
  count: number;
  medianErrorM: number;
  meanErrorM: number;
  p90ErrorM: number;
  p95ErrorM: number;
  rmseM: number;
  /** Empirical CEP50 and R95: the radii holding 50 % and 95 % of the errors (m). */
  cep50M: number;
  r95M: number;
  /** Fractions inside the 1σ / 2σ ellipses (0.3935 / 0.8647 when calibrated); null without covariances. */
  coverage1Sigma: number | null;
  coverage2Sigma: number | null;
  /** Mean 2-D Gaussian NLL (nats, densities per m²); null without covariances. */
  meanNll: number | null;
  /** Sharpness: median area of the 1σ ellipse, π·√det Σ (m²); null without covariances. */
  sharpnessM2: number | null;
  /** Bootstrap 95 % intervals, so a reader knows which differences are real. */
  intervals: { medianErrorM: Interval; coverage1Sigma: Interval | null; coverage2Sigma: Interval | null };
  /** Calibration curve: for nominal levels p, the observed fraction inside the p-ellipse; null without covariances. */
  calibration: { level: number; observed: number }[] | null;
  /** Error CDF, at most ~200 points: fraction of samples with error ≤ errorM. */
  cdf: { errorM: number; fraction: number }[];
}

/** The CRLB is not an estimator: it has a median CEP50 over the samples that have one. */
export interface BoundMetrics {
  count: number;
  /** Median CEP50 of the bound over the samples that have one (m). */
  medianErrorM: number;
  /** Samples without a bound (too few receivers heard them). */
  leftOut: number;
}

export type ReferenceName = 'posteriorMean' | 'radioMap' | 'rssMl' | 'tdoa' | 'knn' | 'centroid' | 'strongest' | 'crlb';

/**
 * A reference's block: its metrics at the top level (so `references.<name>.medianErrorM` reads like
 * `metrics.medianErrorM`), with an honest label. Estimators carry EstimatorMetrics (it has `cdf`);
 * the CRLB carries BoundMetrics.
 */
export type ReferenceBlock = (EstimatorMetrics | BoundMetrics) & {
  /** Honest label: e.g. "CRLB (bound for unbiased estimators with independent shadowing)". */
  label: string;
  /** What it assumes and how it was computed, one or two sentences. */
  description: string;
  /** Samples it did not apply to (e.g. TDOA without ≥ 3 timed receivers), by count. */
  notApplicable: number;
};

/** Whether a reference block is an estimator's (it has an error CDF) rather than the bound's. */
export function isEstimatorBlock(b: ReferenceBlock): b is EstimatorMetrics & ReferenceBlock {
  return 'cdf' in b;
}

/** Median error (and count) of samples whose x falls in [from, to). */
export interface BinnedErrors {
  from: number;
  to: number;
  count: number;
  /** Median error per estimator name ('model', 'posteriorMean', …), null where a bin has none. */
  medianErrorM: Record<string, number | null>;
}

/** Accuracy and calibration of the estimators that state an uncertainty, in one distance band. */
export interface DistanceBand {
  /** Distance (m) from the network's centroid to the true position: [from, to). */
  from: number;
  to: number;
  count: number;
  /** Per estimator ('model', 'posteriorMean'): median error (m) and 1σ/2σ coverage; null where none applied. */
  estimators: Record<string, { medianErrorM: number; coverage1Sigma: number | null; coverage2Sigma: number | null } | null>;
}

export interface MapEstimate {
  lat: number;
  lon: number;
  ellipse: Ellipse | null;
}

export interface EvaluationDocument {
  title: string;
  createdAt: string;
  model: { name: string; source: string; runId?: string; sigmaScale?: number };
  dataset: { name: string; version: number; split: string; sessions: number; scenario?: string };
  /** The model's metrics on the split. */
  metrics: EstimatorMetrics;
  /** The references on the same samples; absent names did not apply to any sample. */
  references: Partial<Record<ReferenceName, ReferenceBlock>>;
  /** The training run's curves (step = epoch), when the model's run is known. */
  learningCurve: { epoch: number; trainLoss?: number; valNll?: number; valErrorM?: number }[];
  /** Error vs geometry (GDOP of the heard receivers) and vs the best receiver's SNR (dB). */
  byGdop: BinnedErrors[];
  bySnr: BinnedErrors[];
  /** Coverage per distance-to-network band: an overall 86 % can hide 70 % far out and 95 % inside. */
  byDistance: DistanceBand[];
  map: {
    receivers: { id: string; lat: number; lon: number }[];
    region?: { south: number; west: number; north: number; east: number };
    /** A sample of transmissions: truth and every estimator's position (and ellipse). */
    transmissions: { sessionId: number; truth: { lat: number; lon: number }; estimates: Record<string, MapEstimate> }[];
  };
  /** Per session: GDOP, best SNR, each estimator's radial error (m; null where it did not apply). */
  perSample: { sessionId: number; gdop: number | null; bestSnrDb: number | null; errorM: Record<string, number | null> }[];
  /** Sentences for the reader: e.g. "the model beats the posterior mean: it has learned the fixed terrain". */
  notes: string[];
}
