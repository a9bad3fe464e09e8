// predictFromRecordings: recordings → positions with uncertainty ellipses, through the SAME
// feature code as training (FeatureExtractor → normalizeFeatures with the model's training
// statistics) and onnxruntime. The library function behind `heimdall predict`.

import type { SessionOptions } from '../export/ort.js';
import { modelInputDims, runBatch } from '../export/ort.js';
import { cep50, type Ellipse, ellipseOf } from '../math/gaussian2d.js';
import { covarianceOf } from '../model/losses.js';
import { assembleBatch, type Batch } from '../signal/features/batch.js';
import type { FeatureConfig } from '../signal/features/config.js';
import type { TransmissionFeatures } from '../signal/features/extract.js';
import { FeatureExtractor } from '../signal/features/extractor.js';
import { type PriorSpec, prepareForModel } from '../signal/features/prior.js';
import type { FeatureStats } from '../signal/features/stats.js';
import type { Recording } from '../signal/recording.js';
import { type LoadedModel, loadModel } from './model.js';
import type { RecordingSet } from './sets.js';

export interface Prediction {
  /** The set's label (collection file or folder). */
  label: string;
  lat: number;
  lon: number;
  /** Position in the model's local frame (m from its reference point). */
  eastM: number;
  northM: number;
  /** 1σ along east and north (m, calibrated) and their correlation. */
  sigmaEastM: number;
  sigmaNorthM: number;
  rho: number;
  /** The 1σ ellipse (×2 for the 2σ ellipse that should hold 86.5 % of true positions). */
  ellipse: Ellipse;
  /** Radius (m) of the circle around the position holding the transmitter with 50 % probability. */
  cep50M: number;
  /** Model receivers that contributed a recording, and those that did not (masked). */
  receiversUsed: string[];
  receiversMissing: string[];
  /** Receivers the model does not know, left out (only with ignoreUnknown). */
  receiversIgnored: string[];
  modelVersion: string;
}

export interface PredictOptions {
  /** Leave out recordings from receivers the model was not trained with (default: refuse the set). */
  ignoreUnknown?: boolean;
  /** Called for a set that cannot be predicted, which is then skipped; without it, the first such set throws. */
  onInvalid?: (label: string, error: Error) => void;
  /** Transmissions per onnxruntime call (default 32). */
  batchSize?: number;
  /** Feature worker threads (default: none for a few sets, else cores − 1). */
  workers?: number;
  session?: SessionOptions;
}

/** Which of a set's recordings the model can use; throws the messages the CLI prints. */
export function matchReceivers(
  set: { label: string; recordings: Recording[] },
  modelReceivers: string[],
  ignoreUnknown: boolean,
): { recordings: Recording[]; used: string[]; missing: string[]; ignored: string[] } {
  const known = new Set(modelReceivers);
  const unknown = set.recordings.filter((r) => !known.has(r.receiver.id));
  if (unknown.length > 0 && !ignoreUnknown) {
    throw new Error(
      `${set.label}: the model does not know receiver(s) ${unknown.map((r) => `'${r.receiver.id}' (${r.source})`).join(', ')}; it was trained with ${modelReceivers.join(', ')}. Use --ignore-unknown (ignoreUnknown) to predict from the known receivers only`,
    );
  }
  const recordings = set.recordings.filter((r) => known.has(r.receiver.id));
  if (recordings.length === 0) {
    throw new Error(
      `${set.label}: no recording from any of the model's receivers (${modelReceivers.join(', ')}); nothing to predict from`,
    );
  }
  const present = new Set(recordings.map((r) => r.receiver.id));
  return {
    recordings,
    used: modelReceivers.filter((id) => present.has(id)),
    missing: modelReceivers.filter((id) => !present.has(id)),
    ignored: [...new Set(unknown.map((r) => r.receiver.id))],
  };
}

/** The Gaussian of one output row: covariance (m²), ellipse and CEP50. */
export function uncertaintyOf(sigmaEastM: number, sigmaNorthM: number, rho: number): { ellipse: Ellipse; cep50M: number } {
  const cov = covarianceOf({ sigmaE: sigmaEastM, sigmaN: sigmaNorthM, rho });
  return { ellipse: ellipseOf(cov), cep50M: cep50(cov) };
}

/** A recording set ready for the model: normalized features and how its receivers matched. */
export interface PreparedSet {
  label: string;
  features: TransmissionFeatures;
  used: string[];
  missing: string[];
  ignored: string[];
}

/** What predict needs of a model's metadata to compute its inputs. */
export interface InputSpec {
  /** In the model's input order. */
  receivers: readonly { id: string }[];
  featureConfig: FeatureConfig;
  featureStats: FeatureStats;
  /** The physics prior the model corrects (null: none). */
  prior?: PriorSpec | null;
}

/**
 * Features of each set, one transmission at a time through the extractor (the call the training
 * loader makes), normalized with the model's training statistics. A set that cannot be used goes
 * to `fail` and is left out.
 */
export async function prepareSets(
  extractor: FeatureExtractor,
  md: InputSpec,
  sets: RecordingSet[],
  o: { ignoreUnknown?: boolean; fail: (label: string, err: unknown) => void },
): Promise<PreparedSet[]> {
  const ids = md.receivers.map((r) => r.id);
  const prepared: PreparedSet[] = [];
  for (const set of sets) {
    try {
      const match = matchReceivers(set, ids, o.ignoreUnknown ?? false);
      const features = prepareForModel(await extractor.extract(match.recordings), { prior: md.prior, stats: md.featureStats });
      prepared.push({ label: set.label, features, used: match.used, missing: match.missing, ignored: match.ignored });
    } catch (err) {
      o.fail(set.label, err);
    }
  }
  return prepared;
}

/** The model's input batch of prepared sets: the same assembly as the training loader's. */
export function inputBatch(prepared: readonly PreparedSet[], md: InputSpec): Batch {
  const c = md.featureConfig;
  return assembleBatch(
    prepared.map((p) => p.features),
    { receivers: md.receivers.length, melBands: c.melBands, frames: c.frames },
  );
}

/**
 * Predicts one position per recording set. `model` is a path or a model from loadModel (then
 * kept open for the caller). Recordings are matched to the model's receivers by id: missing
 * receivers are masked, unknown ones refused unless ignoreUnknown.
 */
export async function predictFromRecordings(
  model: string | { path: string } | LoadedModel,
  sets: RecordingSet[],
  o: PredictOptions = {},
): Promise<Prediction[]> {
  const owned = typeof model === 'string' || !('session' in model);
  const m = owned ? await loadModel(typeof model === 'string' ? model : model.path, o.session) : (model as LoadedModel);
  const md = m.metadata;
  const ids = md.receivers.map((r) => r.id);
  const config: FeatureConfig = md.featureConfig;
  const extractor = new FeatureExtractor({ config, receivers: ids, workers: o.workers ?? (sets.length < 8 ? 0 : undefined) });
  const fail = (label: string, err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    if (o.onInvalid === undefined) throw e;
    o.onInvalid(label, e);
  };
  try {
    const prepared = await prepareSets(extractor, md, sets, { ignoreUnknown: o.ignoreUnknown ?? false, fail });
    const out: Prediction[] = [];
    const size = Math.max(1, o.batchSize ?? 32);
    const dims = modelInputDims(md);
    for (let start = 0; start < prepared.length; start += size) {
      const chunk = prepared.slice(start, start + size);
      const res = await runBatch(m.session, inputBatch(chunk, md), dims);
      chunk.forEach((p, i) => {
        const eastM = res.positions[2 * i] as number;
        const northM = res.positions[2 * i + 1] as number;
        const [sigmaEastM, sigmaNorthM, rho] = [0, 1, 2].map((k) => res.uncertainties[3 * i + k] as number) as [
          number,
          number,
          number,
        ];
        const { lat, lon } = m.frame.toGeodetic({ east: eastM, north: northM });
        out.push({
          label: p.label,
          lat,
          lon,
          eastM,
          northM,
          sigmaEastM,
          sigmaNorthM,
          rho,
          ...uncertaintyOf(sigmaEastM, sigmaNorthM, rho),
          receiversUsed: p.used,
          receiversMissing: p.missing,
          receiversIgnored: p.ignored,
          modelVersion: md.modelVersion,
        });
      });
    }
    return out;
  } finally {
    await extractor.close();
    if (owned) await m.release();
  }
}
