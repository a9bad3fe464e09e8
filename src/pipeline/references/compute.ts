// The references of a dataset split: every classical estimator that applies, run on the SAME
// sessions the model is evaluated on, plus the Cramér–Rao bound stored with each simulated
// session. Posterior mean and RSS-ML use the stated received-power model (the scenario's own, for
// simulated data); TDOA runs where at least three precisely timed receivers heard the signal,
// from the recordings themselves (the same timing code as `heimdall locate`).
import { powerWeightedCentroid, strongestReceiver } from '../../locate/centroid.js';
import { gdop } from '../../locate/gdop.js';
import { posteriorMean } from '../../locate/posterior.js';
import { locateRssMl } from '../../locate/rss-ml.js';
import { locateTdoa } from '../../locate/tdoa.js';
import type { LocationEstimate, RssModel, SearchRegion } from '../../locate/types.js';
import { type FeatureCache, timingKey } from '../../signal/features/cache.js';
import type { FeatureConfig } from '../../signal/features/config.js';
import { type SessionTiming, sessionTiming } from '../../signal/features/session-timing.js';
import { MAX_TIMESTAMP_SIGMA_S, MIN_TIMED_RECEIVERS, timingParticipants } from '../../signal/timing/clock-rule.js';
import type { BlobStore } from '../../store/blobs/blob-store.js';
import type { MeasurementRow } from '../../store/catalog/types.js';
import { measurementRecording } from '../../store/measurement-recording.js';
import { observationsOf, type ReferenceReceiver } from './observations.js';

export const ESTIMATOR_REFERENCES = ['posteriorMean', 'rssMl', 'tdoa', 'centroid', 'strongest'] as const;
export type EstimatorReference = (typeof ESTIMATOR_REFERENCES)[number];

export interface SessionReferences {
  sessionId: number;
  /** Each reference's estimate, or why it did not apply to this session. */
  estimates: Record<EstimatorReference, LocationEstimate | { notApplicable: string }>;
  /** The session's stored CRLB CEP50 (m), null when it has none. */
  crlbCep50M: number | null;
  /** With arrival times: the same links' power-only CRLB CEP50 (m), the margin timing should buy; else null. */
  crlbRssOnlyCep50M: number | null;
  /** GDOP of the heard receivers at the true position; null when undefined. */
  gdop: number | null;
  /** Best measured SNR among the recordings (dB). */
  bestSnrDb: number | null;
}

export interface ReferenceContext {
  blobs: BlobStore;
  receivers: ReadonlyMap<string, ReferenceReceiver>;
  /** The stated received-power model; without one only centroid, strongest and TDOA run. */
  rssModel: RssModel | null;
  region: SearchRegion;
  /** The feature layer's "heard" SNR threshold (dB). */
  heardSnrDb: number;
  /**
   * The feature cache and configuration the model's features came from: its timing entries (the
   * loader's, under the same key) are the time differences the model saw, so TDOA is judged on
   * the same measurements and nothing is correlated twice.
   */
  timingCache?: { cache: FeatureCache; config: FeatureConfig };
}

function attempt(f: () => LocationEstimate): LocationEstimate | { notApplicable: string } {
  try {
    return f();
  } catch (err) {
    return { notApplicable: (err as Error).message };
  }
}

async function tdoaOf(
  sessionId: number,
  ms: readonly MeasurementRow[],
  c: ReferenceContext,
): Promise<LocationEstimate | { notApplicable: string }> {
  const count = timingParticipants(ms).length;
  if (count < MIN_TIMED_RECEIVERS)
    return { notApplicable: `${count} precisely timed receiver(s) recorded it; TDOA needs ${MIN_TIMED_RECEIVERS}` };
  try {
    const key = c.timingCache ? timingKey(ms, c.timingCache.config, MAX_TIMESTAMP_SIGMA_S) : null;
    let timing: SessionTiming | undefined = key === null ? undefined : await c.timingCache?.cache.getTiming(key);
    if (timing === undefined) {
      const recordings = await Promise.all(ms.map((m) => measurementRecording(c.blobs, sessionId, m)));
      timing = sessionTiming(recordings);
      if (key !== null) c.timingCache?.cache.putTiming(key, timing);
    }
    if (timing.tdoas.length === 0) return { notApplicable: timing.reason ?? 'no time differences' };
    const ids = new Set(timing.tdoas.flatMap((t) => [t.a, t.b]));
    const rx = [...ids].flatMap((id) => {
      const r = c.receivers.get(id);
      return r === undefined ? [] : [{ id: r.id, east: r.east, north: r.north, heightM: r.heightM }];
    });
    return locateTdoa(rx, timing.tdoas, c.region, c.rssModel ? { txHeightM: c.rssModel.txHeightM } : {});
  } catch (err) {
    return { notApplicable: (err as Error).message };
  }
}

/** All references of one session (measurements as catalogued, truth in the frame when known). */
export async function sessionReferences(
  sessionId: number,
  ms: readonly MeasurementRow[],
  truth: { east: number; north: number } | null,
  crlb: { cep50M: number | null; rssOnlyCep50M: number | null },
  c: ReferenceContext,
): Promise<SessionReferences> {
  const { observations } = observationsOf(ms, c.receivers, c.heardSnrDb);
  const heardObs = observations.filter((o) => o.rssDbm !== null);
  const model = c.rssModel;
  const noModel = { notApplicable: 'no received-power model stated' };
  const snrs = ms.map((m) => m.snrDb).filter((v): v is number => v !== null);
  return {
    sessionId,
    estimates: {
      posteriorMean: model ? attempt(() => posteriorMean(observations, model, c.region)) : noModel,
      rssMl: model ? attempt(() => locateRssMl(observations, model, c.region)) : noModel,
      tdoa: await tdoaOf(sessionId, ms, c),
      centroid: attempt(() => powerWeightedCentroid(observations)),
      strongest: attempt(() => strongestReceiver(observations)),
    },
    crlbCep50M: crlb.cep50M,
    crlbRssOnlyCep50M: crlb.rssOnlyCep50M,
    gdop: truth === null ? null : gdop(truth, heardObs),
    bestSnrDb: snrs.length > 0 ? Math.max(...snrs) : null,
  };
}
