// A radio map evaluated on a power-only dataset split, as the evaluation document every report
// reads (report.html + evaluation.json): the map as the model, the power-log baselines as its
// references on the same transmissions. `heimdall train` writes it for the test split of a
// power-only dataset; `heimdall evaluate --model <radio-map>` for any split.
import type { EstimatorMetrics, EvaluationDocument, ReferenceBlock, ReferenceName } from '../../eval/evaluation-document.js';
import type { LocalFrame } from '../../geo/local-frame.js';
import type { PowerBaseline } from '../../locate/power/baselines.js';
import type { RadioMap } from '../../locate/power/radio-map.js';
import type { PowerSample } from '../../locate/power/samples.js';
import type { LocationEstimate } from '../../locate/types.js';
import { ellipseOf } from '../../math/gaussian2d.js';
import { loadRadioMapModel, releaseRadioMapModel, servedEstimate } from '../../predict/power-log.js';
import { writeEvaluationReport } from '../../report/write-report.js';
import type { DatasetRow } from '../../store/catalog/types.js';
import type { Store } from '../../store/open.js';
import type { Split } from '../../store/split.js';
import { formatDistanceM as km } from '../../util/format.js';
import { REFERENCE_LABELS } from '../references/document.js';
import { comparePowerEstimators, type PowerComparison, type PowerEstimator } from './compare.js';
import { powerSamples } from './samples.js';

/** Where each baseline sits among the report's references. */
const AS_REFERENCE: Record<PowerBaseline, ReferenceName> = {
  strongest: 'strongest',
  centroid: 'centroid',
  knn: 'knn',
  'log-distance-ml': 'rssMl',
};

/** Transmissions drawn on the report's map (the first ones of the split). */
const MAP_SAMPLE = 200;

export interface PowerEvaluationInput {
  map: RadioMap;
  frame: LocalFrame;
  model: { name: string; source: string; runId?: string };
  dataset: DatasetRow;
  split: Split;
  evaluated: readonly PowerSample[];
  comparison: PowerComparison;
}

export function powerEvaluationDocument(i: PowerEvaluationInput): EvaluationDocument {
  const { comparison: c, frame, evaluated } = i;
  const references: Partial<Record<ReferenceName, ReferenceBlock>> = {};
  if (c.served === 'localization-net')
    references.radioMap = {
      ...REFERENCE_LABELS.radioMap,
      ...c.metrics['radio-map'],
      notApplicable: c.standIns['radio-map'] ?? 0,
    };
  for (const [baseline, name] of Object.entries(AS_REFERENCE) as [PowerBaseline, ReferenceName][]) {
    const own =
      baseline === 'log-distance-ml'
        ? {
            label: 'Log-distance maximum likelihood (fitted exponent and device offsets)',
            description: `Maximum likelihood under the log-distance law with the exponent (${i.map.law.exponent.toFixed(2)}) and every device's offset fitted on the training split, the offsets removed from the reports, transmit power profiled out; grid search plus local refinement.`,
          }
        : REFERENCE_LABELS[name];
    references[name] = { ...own, ...c.metrics[baseline], notApplicable: c.standIns[baseline] ?? 0 };
  }
  const receivers = Object.entries(i.map.fixedAt).map(([id, p]) => ({ id, ...frame.toGeodetic(p) }));
  const g = i.map.grid;
  const sw = frame.toGeodetic({ east: g.east0, north: g.north0 });
  const ne = frame.toGeodetic({ east: g.east0 + (g.nx - 1) * g.cellM, north: g.north0 + (g.ny - 1) * g.cellM });
  // The served model is the document's model; the radio map a reference when the network serves.
  const keyOf = (e: PowerEstimator): string | undefined =>
    e === c.served ? 'model' : e === 'radio-map' ? 'radioMap' : e === 'localization-net' ? undefined : AS_REFERENCE[e];
  const drawn = (Object.keys(c.estimates) as PowerEstimator[]).flatMap((e) => {
    const key = keyOf(e);
    const estimates = c.estimates[e];
    return key === undefined || estimates === undefined ? [] : [{ e, key, estimates }];
  });
  const model = c.metrics[c.served] as EstimatorMetrics;
  const best = c.metrics[c.gainOverBest.baseline];
  const verdict =
    model.intervals.medianErrorM.high < best.intervals.medianErrorM.low
      ? 'lower beyond the bootstrap intervals'
      : model.intervals.medianErrorM.low > best.intervals.medianErrorM.high
        ? 'higher beyond the bootstrap intervals'
        : 'not significantly different (the intervals overlap)';
  return {
    title: `${i.model.name} on ${i.dataset.name} v${i.dataset.version}, ${i.split} split (${evaluated.length} power-only transmissions)`,
    createdAt: new Date().toISOString(),
    model: { name: i.model.name, source: i.model.source, ...(i.model.runId ? { runId: i.model.runId } : {}) },
    dataset: { name: i.dataset.name, version: i.dataset.version, split: i.split, sessions: evaluated.length },
    metrics: model,
    references,
    learningCurve: [],
    byGdop: [],
    bySnr: [],
    byDistance: [],
    map: {
      receivers,
      region: { south: sw.lat, west: sw.lon, north: ne.lat, east: ne.lon },
      transmissions: evaluated.slice(0, MAP_SAMPLE).map((s, k) => ({
        sessionId: s.id,
        truth: frame.toGeodetic(s.truth as { east: number; north: number }),
        estimates: Object.fromEntries(
          drawn.map(({ e, key, estimates }) => {
            const est = estimates[k] as LocationEstimate;
            const withEllipse = e === 'localization-net' || e === 'radio-map' || e === 'log-distance-ml';
            return [key, { ...frame.toGeodetic(est), ellipse: withEllipse ? ellipseOf(est.cov) : null }];
          }),
        ),
      })),
    },
    perSample: evaluated.map((s, k) => ({
      sessionId: s.id,
      gdop: null,
      bestSnrDb: null,
      errorM: Object.fromEntries(
        drawn.map(({ key, estimates }) => {
          const est = estimates[k] as LocationEstimate;
          const t = s.truth as { east: number; north: number };
          return [key, Math.hypot(est.east - t.east, est.north - t.north)];
        }),
      ),
    })),
    notes: [
      `Median error: ${c.served} ${km(model.medianErrorM)}, best baseline (${c.gainOverBest.baseline}) ${km(best.medianErrorM)}: ${(100 * c.gainOverBest.gain).toFixed(0)} % lower, ${verdict}.`,
      'Only the learned models and log-distance ML claim a calibrated ellipse; kNN, centroid and strongest receiver are judged on error alone.',
    ],
  };
}

export interface PowerModelEvaluation {
  document: EvaluationDocument;
  comparison: PowerComparison;
  htmlPath: string;
  jsonPath: string;
}

/** Reads a radio-map file and evaluates it on a split of a power-only dataset (baselines fitted on its training split). */
export async function evaluatePowerModel(o: {
  modelPath: string;
  modelLabel: string;
  store: Store;
  dataset: { name: string; version?: number };
  split: Split;
  outDir: string;
}): Promise<PowerModelEvaluation> {
  const model = loadRadioMapModel(o.modelPath);
  try {
    const { frame } = model;
    const { map } = model.locator;
    const dataset = await o.store.catalog.getDataset(o.dataset.name, o.dataset.version);
    const [train, val, evaluated] = (await Promise.all(
      (['train', 'val', o.split] as const).map((split) => powerSamples(o.store.catalog, dataset.id, split, frame)),
    )) as [PowerSample[], PowerSample[], PowerSample[]];
    // With a network, its estimates are served (predict's servedEstimate, one transmission at a time).
    const net = model.net ? { estimates: evaluated.map((s) => servedEstimate(model, s)), serves: true } : undefined;
    const comparison = comparePowerEstimators(map, train, val, evaluated, net ? { net } : {});
    const document = powerEvaluationDocument({
      map,
      frame,
      model: { name: o.modelLabel, source: o.modelPath },
      dataset,
      split: o.split,
      evaluated,
      comparison,
    });
    return { document, comparison, ...(await writeEvaluationReport(document, o.outDir)) };
  } finally {
    releaseRadioMapModel(model);
  }
}
