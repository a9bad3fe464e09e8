// `heimdall quickstart`: the whole way from nothing to a calibrated model, on embedded defaults.
// simulate a preset → import into the catalog and blob store → dataset (by session, seeded) →
// normalization statistics from the training split → train LocalizationNet with the Gaussian
// NLL → evaluate the best checkpoint on the test split against the Cramér–Rao bound.
// Re-running with the same options reuses the simulation (once it is marked complete), the import
// and the feature cache; the dataset holds exactly this run's transmissions (this seed, this count).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type FeatureConfig, FeatureConfigSchema } from '../signal/features/config.js';
import { incompleteBecause, simulationStamp } from '../sim/completion.js';
import type { Scenario } from '../sim/config.js';
import { resolveScenario } from '../sim/scenario.js';
import { simulate } from '../sim/simulate.js';
import { createDataset } from '../store/datasets.js';
import { importDirectory } from '../store/import.js';
import { openStore } from '../store/open.js';
import { assignSplits, type SplitSpec } from '../store/split.js';
import { openTracker } from '../track/open.js';
import type { FitResult } from '../train/trainer.js';
import type { EvaluationReport } from './evaluate.js';
import type { ModelEvaluation } from './evaluate-model.js';
import type { PublishedModel } from './publish-model.js';
import { priorSpecOfScenario } from './references/rss-model.js';
import { trainOnDataset } from './train.js';
import { resolveTrainConfig } from './train-config.js';

export interface QuickstartOptions {
  preset: string;
  /** A scenario JSON file (same fields as a preset) instead of the preset. */
  scenarioFile?: string;
  /** A receiver network (JSON or GeoJSON) replacing the scenario's network. */
  networkFile?: string;
  /** Simulated transmissions (split 70/15/15). */
  samples: number;
  seed: number;
  home: string;
  maxEpochs: number;
  batchSize: number;
  /** ResNet stage widths: narrow by default so training takes minutes on 2 cores. */
  widths: [number, number, number, number];
  lr: number;
  patience: number;
  /**
   * Learn a correction of the physics prior (the posterior mean under the scenario's stated power
   * model) rather than the position from scratch. Default on; off reproduces the plain network.
   */
  prior: boolean;
  /**
   * Start from the weights of another run's checkpoint (.safetensors) of a network with as many
   * receivers; this run's receiver positions, prior and normalization statistics are kept. With
   * maxEpochs 0 the weights are evaluated as they are (transfer without fine-tuning).
   */
  initFrom?: string;
  signal?: AbortSignal;
  log: (line: string) => void;
  /** Configuration environment for the store (default process.env: DATABASE_URL, S3 …). */
  env?: NodeJS.ProcessEnv;
}

export interface QuickstartReport {
  preset: string;
  dataset: { name: string; version: number; train: number; val: number; test: number };
  fit: FitResult;
  evaluation: EvaluationReport;
  checkpoint: string | undefined;
  /** The tracker's run (MLflow file store under <home>/mlruns unless MLFLOW_TRACKING_URI says otherwise). */
  run: { id: string; experiment: string; artifactUri: string };
  /** The exported, verified and registered ONNX model (absent when training was aborted). */
  model: PublishedModel | undefined;
  /** A transmission folder of the test split, for the `heimdall predict` example. */
  exampleRecording: string | undefined;
  /** The evaluation report of the exported model and the references (absent when training was aborted). */
  report: ModelEvaluation | undefined;
  /**
   * For a network that corrects the physics prior: the share of its learned position and
   * uncertainty corrections kept after validation (0 = the posterior mean's own).
   */
  correction: { position: number; uncertainty: number } | undefined;
  seconds: number;
}

const SPLIT: SplitSpec = { train: 0.7, val: 0.15, test: 0.15 };

/** Split sizes of n transmissions (the same rounding as the dataset's assignment). */
function splitCounts(n: number): Record<'train' | 'val' | 'test', number> {
  const counts = { train: 0, val: 0, test: 0 };
  for (const split of assignSplits(
    Array.from({ length: n }, (_, i) => ({ sessionId: i })),
    SPLIT,
    0,
  ).values())
    counts[split]++;
  return counts;
}

/**
 * The fewest transmissions from which on every split is non-empty. Only small counts can leave one
 * empty (from 20 on, each 15 % split holds at least 2), so scanning to 100 is enough.
 */
export const MIN_QUICKSTART_SAMPLES = (() => {
  let min = 1;
  for (let n = 1; n <= 100; n++) if (Object.values(splitCounts(n)).some((c) => c === 0)) min = n + 1;
  return min;
})();

/** Refuses, before anything is simulated, a sample count that would leave a split empty. */
export function checkQuickstartSamples(samples: number): void {
  if (!Number.isInteger(samples) || samples < 1)
    throw new RangeError(`quickstart: --samples must be a positive integer, got ${samples}`);
  const c = splitCounts(samples);
  if (c.train > 0 && c.val > 0 && c.test > 0) return;
  throw new RangeError(
    `quickstart: --samples ${samples} is too few: the 70/15/15 split gives ${c.train} train / ${c.val} validation / ${c.test} test transmissions, and training needs all three; use --samples ${MIN_QUICKSTART_SAMPLES} or more`,
  );
}

/** Throws when the run was interrupted (Ctrl-C), naming the step it stopped at. */
function stopIfAborted(signal: AbortSignal | undefined, step: string): void {
  if (signal?.aborted) throw new Error(`quickstart: interrupted while ${step}`);
}

/**
 * The preset, or a scenario/network from files. A custom scenario or network gets a name with a
 * hash of its content, so its sessions, simulation folder and datasets never mix with another
 * network's (the catalog groups sessions by scenario name).
 */
export function quickstartScenario(o: Pick<QuickstartOptions, 'preset' | 'scenarioFile' | 'networkFile'>): Scenario {
  const scenario = resolveScenario({
    ...(o.scenarioFile === undefined ? { preset: o.preset } : { scenarioFile: o.scenarioFile }),
    ...(o.networkFile === undefined ? {} : { networkFile: o.networkFile }),
  });
  if (o.scenarioFile === undefined && o.networkFile === undefined) return scenario;
  const hash = createHash('sha256').update(JSON.stringify(scenario)).digest('hex').slice(0, 8);
  return { ...scenario, name: `${scenario.name}-${hash}` };
}

/**
 * The default features at the network's sample rate (the mel bands are defined in Hz, so every
 * receiver must share it) over the first second of each recording (or the whole, if shorter).
 */
export function featureConfigFor(scenario: Scenario): FeatureConfig {
  const rates = [...new Set(scenario.network.receivers.map((r) => r.sampleRateHz))];
  if (rates.length !== 1) {
    throw new Error(
      `${scenario.name}: the receivers record at different sample rates (${rates.join(', ')} Hz); one model needs one rate — resample or split the network`,
    );
  }
  const rate = rates[0] as number;
  return FeatureConfigSchema.parse({ sampleRateHz: rate, samples: Math.round(rate * Math.min(1, scenario.durationS)) });
}

export async function quickstart(o: QuickstartOptions): Promise<QuickstartReport> {
  const started = performance.now();
  checkQuickstartSamples(o.samples);
  if (o.maxEpochs === 0 && o.initFrom === undefined)
    throw new RangeError('quickstart: --epochs 0 evaluates weights without training; it needs --init-from CHECKPOINT');
  const scenario = quickstartScenario(o);
  const name = scenario.name;
  const simDir = join(o.home, 'quickstart', `${name}-seed${o.seed}-n${o.samples}`);
  // Only a folder whose completion marker (written last) matches this scenario, seed and count is
  // reused; anything else, e.g. what an interrupted run left, is simulated again.
  const incomplete = incompleteBecause(simDir, simulationStamp(scenario, o.seed, o.samples));
  if (incomplete !== undefined) {
    o.log(`1/6 simulating ${o.samples} transmissions of ${name} …`);
    if (incomplete !== 'not simulated yet') o.log(`    (${simDir}: ${incomplete})`);
    try {
      await simulate({ scenario, seed: o.seed, samples: o.samples, outDir: simDir, ...(o.signal ? { signal: o.signal } : {}) });
    } catch (err) {
      if (o.signal?.aborted)
        throw new Error(`quickstart: interrupted while simulating; ${simDir} is not marked complete and will be simulated again`);
      throw err;
    }
  } else o.log(`1/6 simulation found in ${simDir}`);

  const store = await openStore({ home: o.home, ...(o.env ? { env: o.env } : {}) });
  const tracker = openTracker({ home: o.home, ...(o.env ? { env: o.env } : {}) });
  try {
    o.log(`2/6 importing into ${store.catalog.location} …`);
    const imported = await importDirectory(simDir, {
      catalog: store.catalog,
      blobs: store.blobs,
      featureCacheDir: store.featureCacheDir,
      onProgress: () => stopIfAborted(o.signal, 'importing'),
    });
    // The dataset is this run's transmissions and nothing else: not the other seeds' or sample
    // counts' sessions of the same scenario, so data.samples/data.seed say what was trained on.
    if (imported.failed.length > 0 || imported.sets.length !== o.samples) {
      const first = imported.failed[0];
      throw new Error(
        `quickstart: ${simDir} holds ${imported.sets.length} importable transmission(s), not ${o.samples}${first ? ` (${imported.failed.length} failed; first ${first.path}: ${first.error})` : ''}; delete the folder to simulate it again`,
      );
    }
    const sourceOf = new Map(imported.sets.map((x) => [x.sessionId, x.path]));
    const dataset = await createDataset(store.catalog, {
      name: `quickstart-${name}`,
      split: SPLIT,
      seed: o.seed,
      scenario: name,
      sessionIds: imported.sets.map((x) => x.sessionId),
    });
    stopIfAborted(o.signal, 'creating the dataset');
    o.log(
      `3/6 dataset ${dataset.name} v${dataset.version}: ${dataset.counts.train} train / ${dataset.counts.val} val / ${dataset.counts.test} test`,
    );

    const trained = await trainOnDataset({
      store,
      tracker,
      dataset,
      receivers: scenario.network.receivers.map((r) => ({ id: r.id, lat: r.lat, lon: r.lon, altM: r.altitudeM })),
      config: {
        ...resolveTrainConfig({
          model: { widths: o.widths, prior: o.prior ? 'scenario' : 'none' },
          optimizer: { lr: o.lr, batchSize: o.batchSize },
          trainer: { maxEpochs: o.maxEpochs, patience: o.patience, seed: o.seed },
        }),
        features: featureConfigFor(scenario),
      },
      prior: o.prior ? (frame, heardSnrDb) => priorSpecOfScenario(scenario, frame, heardSnrDb) : null,
      scenario,
      experiment: 'quickstart',
      runName: `quickstart-${name}-seed${o.seed}`,
      describe: { scenario, data: { scenario: name, samples: o.samples, seed: o.seed, split: SPLIT } },
      ...(o.initFrom !== undefined ? { initFrom: o.initFrom } : {}),
      command: 'quickstart',
      steps: { first: 4, total: 6 },
      ...(o.signal ? { signal: o.signal } : {}),
      log: o.log,
    });
    const first = (await store.catalog.datasetSessions(dataset.id, 'test'))[0];
    // This run's own folder for it (a duplicate session's catalogued source may be another folder's).
    const example = first === undefined ? undefined : sourceOf.get(first.id);
    return {
      preset: name,
      dataset: { name: dataset.name, version: dataset.version, ...dataset.counts },
      fit: trained.fit,
      evaluation: trained.evaluation,
      checkpoint: trained.checkpoint,
      run: trained.run,
      model: trained.model,
      exampleRecording: example,
      report: trained.report,
      correction: trained.correction,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await store.close();
    await tracker.close();
  }
}
