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
import { isPreciselyTimed } from '../../signal/features/extract.js';
import { measureTimeDifferences } from '../../signal/timing/index.js';
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
  heard: ReadonlySet<string>,
  c: ReferenceContext,
): Promise<LocationEstimate | { notApplicable: string }> {
  const timed = ms.filter((m) => heard.has(m.receiverId) && isPreciselyTimed(m));
  if (timed.length < 3) return { notApplicable: `${timed.length} precisely timed receiver(s) heard it; TDOA needs 3` };
  try {
    const recordings = await Promise.all(timed.map((m) => measurementRecording(c.blobs, sessionId, m)));
    const timing = measureTimeDifferences(recordings);
    const rx = timed.flatMap((m) => {
      const r = c.receivers.get(m.receiverId);
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
  crlbCep50M: number | null,
  c: ReferenceContext,
): Promise<SessionReferences> {
  const { observations } = observationsOf(ms, c.receivers, c.heardSnrDb);
  const heardObs = observations.filter((o) => o.rssDbm !== null);
  const heard = new Set(heardObs.map((o) => o.id));
  const model = c.rssModel;
  const noModel = { notApplicable: 'no received-power model stated' };
  const snrs = ms.map((m) => m.snrDb).filter((v): v is number => v !== null);
  return {
    sessionId,
    estimates: {
      posteriorMean: model ? attempt(() => posteriorMean(observations, model, c.region)) : noModel,
      rssMl: model ? attempt(() => locateRssMl(observations, model, c.region)) : noModel,
      tdoa: await tdoaOf(sessionId, ms, heard, c),
      centroid: attempt(() => powerWeightedCentroid(observations)),
      strongest: attempt(() => strongestReceiver(observations)),
    },
    crlbCep50M,
    gdop: truth === null ? null : gdop(truth, heardObs),
    bestSnrDb: snrs.length > 0 ? Math.max(...snrs) : null,
  };
}
