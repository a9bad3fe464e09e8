// Recordings on disk → the prediction document: the one implementation behind `heimdall predict`
// and the API's POST /api/v1/predict (which writes the uploaded files to a folder first). Sets
// that cannot be read or predicted are listed under `failed`, each with its reason; the rest are
// predicted.
import type { ModelMetadata } from '../export/metadata.js';
import { discoverRecordingSets } from '../signal/formats/recording-sets.js';
import { toGeoJson } from './geojson.js';
import type { LoadedModel } from './model.js';
import { type Prediction, predictFromRecordings } from './predict.js';
import type { RecordingSet } from './sets.js';

export interface PathPredictions {
  predictions: Prediction[];
  /** Sets (or paths) left out, with the reason. */
  failed: { label: string; error: string }[];
  /** Groupings that were decided but may not be what was meant. */
  warnings: string[];
}

export async function predictPaths(
  model: LoadedModel,
  paths: string[],
  o: { ignoreUnknown?: boolean; workers?: number; onSkipped?: (label: string, error: Error) => void } = {},
): Promise<PathPredictions> {
  const failed: { label: string; error: string }[] = [];
  const onInvalid = (label: string, e: Error) => {
    failed.push({ label, error: e.message });
    o.onSkipped?.(label, e);
  };
  // All paths together: files of one transmission group into one set wherever they were given.
  const found = discoverRecordingSets(paths);
  for (const s of found.skipped) onInvalid(s.path, new Error(s.reason));
  const sets: RecordingSet[] = [];
  for (const s of found.sets) {
    try {
      sets.push(s.load());
    } catch (err) {
      onInvalid(s.label, err as Error);
    }
  }
  const predictions = await predictFromRecordings(model, sets, {
    ignoreUnknown: o.ignoreUnknown ?? false,
    onInvalid,
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
  });
  return { predictions, failed, warnings: found.warnings };
}

/** What `heimdall predict` prints and the API returns: JSON with the model, or a GeoJSON FeatureCollection. */
export function predictionDocument(
  model: { path: string; metadata: ModelMetadata },
  r: Pick<PathPredictions, 'predictions' | 'failed'>,
  format: 'json' | 'geojson',
): unknown {
  if (format === 'geojson') return toGeoJson(r.predictions);
  const md = model.metadata;
  return {
    model: { path: model.path, version: md.modelVersion, trainingRunId: md.trainingRunId, dataset: md.dataset },
    predictions: r.predictions,
    failed: r.failed,
  };
}
