// `heimdall evaluate`: an exported model on a dataset split, next to every classical reference on
// the SAME sessions, written as evaluation.json + a self-contained HTML report. The model runs in
// onnxruntime through the training feature code and batch assembly (the loader), exactly as
// `heimdall predict` runs it; quickstart calls this too, so its report and this command agree.

import type { EvaluationDocument } from '../eval/evaluation-document.js';
import { modelInputDims, runBatch } from '../export/ort.js';
import { searchRegionAround } from '../locate/region.js';
import type { Cov2 } from '../math/gaussian2d.js';
import { covarianceOf } from '../model/losses.js';
import { type LoadedModel, loadModel } from '../predict/model.js';
import { writeEvaluationReport } from '../report/index.js';
import { FeatureCache } from '../signal/features/cache.js';
import { FeatureExtractor } from '../signal/features/extractor.js';
import { type PriorSpec, PriorSpecSchema } from '../signal/features/prior.js';
import type { PriorPool } from '../signal/features/prior-pool.js';
import { type Scenario, ScenarioSchema } from '../sim/config.js';
import { PRESETS } from '../sim/presets.js';
import type { Split } from '../store/catalog/types.js';
import { DatasetLoader } from '../store/loader.js';
import type { Store } from '../store/open.js';
import type { Tracker } from '../track/types.js';
import { type ReferenceContext, type SessionReferences, sessionReferences } from './references/compute.js';
import { buildEvaluationDocument, type EstimatorRun } from './references/document.js';
import { positionedReceivers, scenarioReceivers } from './references/observations.js';
import { rssModelOfScenario, searchRegionOfScenario } from './references/rss-model.js';

export interface EvaluateModelOptions {
  /** The .onnx file (a registry reference is resolved by the caller). */
  modelPath: string;
  /** How the model is named in the report (NAME@alias, or the file). */
  modelLabel: string;
  store: Store;
  /** For the training run's learning curves (optional). */
  tracker?: Tracker;
  dataset: { name: string; version?: number };
  split: Split;
  outDir: string;
  /** The scenario of simulated sessions; looked up in the catalog (then the presets) by name when absent. */
  scenario?: Scenario;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Priors already computed for this model's prior (e.g. by the training run); used when its spec is the model's. */
  priors?: PriorPool;
}

/** Whether two prior specs are the same (as stored: the schema's field order). */
function samePrior(a: PriorSpec, b: PriorSpec): boolean {
  return JSON.stringify(PriorSpecSchema.parse(a)) === JSON.stringify(PriorSpecSchema.parse(b));
}

export interface ModelEvaluation {
  document: EvaluationDocument;
  htmlPath: string;
  jsonPath: string;
}

/** The model's prediction for every session of a split: through the loader (training features and batches). */
async function modelPredictions(
  model: LoadedModel,
  o: EvaluateModelOptions,
  datasetId: number,
): Promise<Map<number, { east: number; north: number; cov: Cov2; truth: { east: number; north: number } }>> {
  const md = model.metadata;
  const c = md.featureConfig;
  const extractor = new FeatureExtractor({
    config: c,
    receivers: md.receivers.map((r) => r.id),
    cache: new FeatureCache(o.store.featureCacheDir),
  });
  const out = new Map<number, { east: number; north: number; cov: Cov2; truth: { east: number; north: number } }>();
  try {
    const loader = await DatasetLoader.create({
      catalog: o.store.catalog,
      blobs: o.store.blobs,
      extractor,
      frame: model.frame,
      datasetId,
      split: o.split,
      batchSize: 64,
      seed: 0,
      shuffle: false,
      stats: md.featureStats,
      ...(md.prior ? { prior: o.priors && samePrior(o.priors.spec, md.prior) ? o.priors : md.prior } : {}),
      memoryBytes: 0,
    });
    const dims = modelInputDims(md);
    for await (const b of loader.epoch(0)) {
      if (o.signal?.aborted) throw new Error('evaluate: interrupted while running the model');
      const res = await runBatch(model.session, b, dims);
      for (let i = 0; i < b.size; i++) {
        const u = (k: number) => res.uncertainties[3 * i + k] as number;
        out.set(b.sessionIds[i] as number, {
          east: res.positions[2 * i] as number,
          north: res.positions[2 * i + 1] as number,
          cov: covarianceOf({ sigmaE: u(0), sigmaN: u(1), rho: u(2) }),
          truth: { east: b.target[2 * i] as number, north: b.target[2 * i + 1] as number },
        });
      }
    }
  } finally {
    await extractor.close();
  }
  return out;
}

/** The scenario simulated sessions came from: the catalog's copy, else a preset of that name. */
async function scenarioOf(o: EvaluateModelOptions, name: string | null): Promise<Scenario | null> {
  if (o.scenario) return o.scenario;
  if (name === null) return null;
  const stored = await o.store.catalog.getScenario(name);
  if (stored !== null) return ScenarioSchema.parse(stored);
  const preset = PRESETS[name];
  return preset ? ScenarioSchema.parse(preset) : null;
}

async function learningCurve(tracker: Tracker | undefined, runId: string): Promise<EvaluationDocument['learningCurve']> {
  if (tracker === undefined || runId === '') return [];
  try {
    const byEpoch = new Map<number, EvaluationDocument['learningCurve'][number]>();
    const keys = { train_loss: 'trainLoss', val_nll: 'valNll', val_error_m: 'valErrorM' } as const;
    for (const [key, field] of Object.entries(keys)) {
      for (const m of await tracker.getMetricHistory(runId, key)) {
        const row = byEpoch.get(m.step) ?? { epoch: m.step };
        row[field] = m.value;
        byEpoch.set(m.step, row);
      }
    }
    return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  } catch {
    return []; // the run is gone or the tracker unreachable: the report says the curve is unavailable
  }
}

export async function evaluateModelOnDataset(o: EvaluateModelOptions): Promise<ModelEvaluation> {
  const log = o.log ?? (() => {});
  const catalog = o.store.catalog;
  const dataset = await catalog.getDataset(o.dataset.name, o.dataset.version);
  const sessions = await catalog.datasetSessions(dataset.id, o.split);
  if (sessions.length === 0)
    throw new Error(`evaluate: dataset ${dataset.name}@${dataset.version} has no sessions in its ${o.split} split`);
  const model = await loadModel(o.modelPath);
  try {
    log(`evaluate: running ${o.modelLabel} on ${sessions.length} ${o.split} sessions of ${dataset.name}@${dataset.version} …`);
    const predictions = await modelPredictions(model, o, dataset.id);
    const scenarioNames = [...new Set(sessions.map((s) => s.scenario))];
    const scenario = scenarioNames.length === 1 ? await scenarioOf(o, scenarioNames[0] ?? null) : null;
    const frame = model.frame;
    // The model's own receivers when no scenario describes them (real recordings).
    const receivers = scenario
      ? scenarioReceivers(scenario.network.receivers, frame)
      : positionedReceivers(model.metadata.receivers, frame);
    const region = scenario ? searchRegionOfScenario(scenario, frame) : searchRegionAround([...receivers.values()]);
    const context: ReferenceContext = {
      blobs: o.store.blobs,
      receivers,
      rssModel: scenario ? rssModelOfScenario(scenario) : null,
      region,
      heardSnrDb: model.metadata.featureConfig.heardSnrDb,
      timingCache: { cache: new FeatureCache(o.store.featureCacheDir), config: model.metadata.featureConfig },
    };
    log(`evaluate: computing the references (${context.rssModel?.description ?? 'no received-power model'}) …`);
    const measurements = await catalog.datasetMeasurements(dataset.id, o.split);
    const references: SessionReferences[] = [];
    const runs: EstimatorRun[] = [];
    for (const s of sessions) {
      if (o.signal?.aborted) throw new Error('evaluate: interrupted while computing the references');
      const p = predictions.get(s.id);
      if (p === undefined) continue;
      const crlb = (s.truth?.crlb ?? null) as { cep50M?: number; rssOnlyCep50M?: number } | null;
      const r = await sessionReferences(
        s.id,
        measurements.get(s.id) ?? [],
        p.truth,
        {
          cep50M: typeof crlb?.cep50M === 'number' ? crlb.cep50M : null,
          rssOnlyCep50M: typeof crlb?.rssOnlyCep50M === 'number' ? crlb.rssOnlyCep50M : null,
        },
        context,
      );
      references.push(r);
      runs.push({ sessionId: s.id, truth: p.truth, model: { east: p.east, north: p.north, cov: p.cov } });
    }
    const md = model.metadata;
    const document = buildEvaluationDocument({
      title: `${o.modelLabel} on ${dataset.name}@${dataset.version} (${o.split})`,
      model: { name: o.modelLabel, source: o.modelPath, runId: md.trainingRunId, sigmaScale: md.sigmaScale },
      dataset: {
        name: dataset.name,
        version: dataset.version,
        split: o.split,
        sessions: runs.length,
        ...(scenario ? { scenario: scenario.name } : {}),
      },
      frame,
      receivers: md.receivers.map((r) => ({ id: r.id, lat: r.lat, lon: r.lon })),
      ...(scenario ? { scenario } : {}),
      runs,
      references,
      rssModelDescription: context.rssModel?.description ?? null,
      learningCurve: await learningCurve(o.tracker, md.trainingRunId),
    });
    const paths = await writeEvaluationReport(document, o.outDir);
    return { document, ...paths };
  } finally {
    await model.release();
  }
}
