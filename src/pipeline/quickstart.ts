// `heimdall quickstart`: the whole way from nothing to a calibrated model, on embedded defaults.
// simulate a preset → import into the catalog and blob store → dataset (by session, seeded) →
// normalization statistics from the training split → train LocalizationNet with the Gaussian
// NLL → evaluate the best checkpoint on the test split against the Cramér–Rao bound.
// Re-running with the same options reuses the simulation, the import and the feature cache.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed } from '../engine/runtime.js';
import { loadSafetensors } from '../engine/safetensors.js';
import type { Tensor } from '../engine/tensor.js';
import { type EvaluationReport, evaluate, fitSigmaScale } from '../eval/evaluate.js';
import { LocalFrame } from '../geo/local-frame.js';
import { LocalizationNet } from '../model/localization-net.js';
import { FeatureCache } from '../signal/features/cache.js';
import { defaultFeatureConfig } from '../signal/features/config.js';
import { FeatureExtractor } from '../signal/features/extractor.js';
import { SCALAR_COUNT } from '../signal/features/scalars.js';
import { type FeatureStats, FeatureStatsAccumulator } from '../signal/features/stats.js';
import { resolveScenario } from '../sim/scenario.js';
import { simulate } from '../sim/simulate.js';
import { createDataset } from '../store/datasets.js';
import { importDirectory } from '../store/import.js';
import { DatasetLoader } from '../store/loader.js';
import { openStore } from '../store/open.js';
import { LocalizationModule, loaderSource } from '../train/localization-module.js';
import { type FitResult, Trainer } from '../train/trainer.js';

export interface QuickstartOptions {
  preset: string;
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
  signal?: AbortSignal;
  log: (line: string) => void;
  /** Configuration environment for the store (default process.env: DATABASE_URL, S3 …). */
  env?: NodeJS.ProcessEnv;
}

export const quickstartDefaults: Omit<QuickstartOptions, 'home' | 'log'> = {
  preset: 'nw-italy-2m',
  samples: 1500,
  seed: 1,
  maxEpochs: 40,
  batchSize: 32,
  widths: [16, 32, 64, 128],
  lr: 2e-3,
  patience: 8,
};

export interface QuickstartReport {
  preset: string;
  dataset: { name: string; version: number; train: number; val: number; test: number };
  fit: FitResult;
  evaluation: EvaluationReport;
  checkpoint: string | undefined;
  seconds: number;
}

const SIGMA_FLOOR = 1e-3;

async function trainingStats(loader: DatasetLoader, receivers: number): Promise<FeatureStats> {
  const c = defaultFeatureConfig;
  const acc = new FeatureStatsAccumulator(c.melBands, c.frames);
  const block = receivers * c.melBands * c.frames;
  for await (const b of loader.epoch(0)) {
    for (let i = 0; i < b.size; i++) {
      acc.add({
        receivers: [],
        mel: b.mel.subarray(i * block, (i + 1) * block),
        scalars: b.scalars.subarray(i * receivers * SCALAR_COUNT, (i + 1) * receivers * SCALAR_COUNT),
        mask: b.mask.subarray(i * receivers, (i + 1) * receivers),
        tdoa: [],
      });
    }
  }
  return acc.finish();
}

export async function quickstart(o: QuickstartOptions): Promise<QuickstartReport> {
  const started = performance.now();
  const scenario = resolveScenario({ preset: o.preset });
  const simDir = join(o.home, 'quickstart', `${o.preset}-seed${o.seed}-n${o.samples}`);
  const done =
    existsSync(join(simDir, 'scenario.json')) &&
    JSON.parse(readFileSync(join(simDir, 'scenario.json'), 'utf8')).samples === o.samples;
  if (!done) {
    o.log(`1/5 simulating ${o.samples} transmissions of ${o.preset} …`);
    await simulate({ scenario, seed: o.seed, samples: o.samples, outDir: simDir });
  } else o.log(`1/5 simulation found in ${simDir}`);

  const store = await openStore({ home: o.home, ...(o.env ? { env: o.env } : {}) });
  const extractor = new FeatureExtractor({
    config: defaultFeatureConfig,
    receivers: scenario.network.receivers.map((r) => r.id),
    cache: new FeatureCache(store.featureCacheDir),
  });
  try {
    o.log(`2/5 importing into ${store.catalog.location} …`);
    const imported = await importDirectory(simDir, { catalog: store.catalog, blobs: store.blobs });
    if (imported.failed.length > 0)
      o.log(`    skipped ${imported.failed.length} set(s): ${imported.failed.map((f) => f.path).join(', ')}`);
    const dataset = await createDataset(store.catalog, {
      name: `quickstart-${o.preset}`,
      split: { train: 0.7, val: 0.15, test: 0.15 },
      seed: o.seed,
      scenario: o.preset,
    });
    o.log(
      `3/5 dataset ${dataset.name} v${dataset.version}: ${dataset.counts.train} train / ${dataset.counts.val} val / ${dataset.counts.test} test`,
    );

    const frame = LocalFrame.centroidOf(scenario.network.receivers);
    const positions = scenario.network.receivers.map((r) => ({ id: r.id, ...frame.toLocal(r) }));
    const scaleM = Math.max(1000, ...positions.map((p) => Math.hypot(p.east, p.north)));
    const loaderFor = (split: 'train' | 'val' | 'test', stats?: FeatureStats) =>
      DatasetLoader.create({
        catalog: store.catalog,
        blobs: store.blobs,
        extractor,
        frame,
        datasetId: dataset.id,
        split,
        batchSize: o.batchSize,
        seed: o.seed,
        shuffle: split === 'train',
        ...(stats ? { stats } : {}),
      });
    const stats = await trainingStats(await loaderFor('train'), positions.length);

    manualSeed(o.seed);
    const net = new LocalizationNet({ receivers: positions, scaleM, scalarCount: SCALAR_COUNT, widths: o.widths });
    const module = new LocalizationModule(net, SIGMA_FLOOR);
    const c = defaultFeatureConfig;
    const train = loaderSource(await loaderFor('train', stats), net, c.melBands, c.frames);
    const val = loaderSource(await loaderFor('val', stats), net, c.melBands, c.frames);
    const perEpoch = train.batchesPerEpoch ?? 1;
    const checkpointDir = join(o.home, 'runs', `quickstart-${o.preset}-v${dataset.version}`);
    o.log(
      `4/5 training LocalizationNet (${net.parameterCount().toLocaleString('en')} parameters, widths ${o.widths.join('-')}) …`,
    );
    const trainer = new Trainer({
      maxEpochs: o.maxEpochs,
      lr: o.lr,
      optimizer: 'adamw',
      weightDecay: 1e-4,
      // Warm up over 2 epochs (a quarter of the run at most), then cosine decay.
      schedule: { kind: 'cosine', warmupSteps: Math.max(1, Math.min(2 * perEpoch, Math.floor((o.maxEpochs * perEpoch) / 4))) },
      earlyStopping: { monitor: 'val_nll', patience: o.patience },
      checkpointDir,
      keepBest: 1,
      seed: o.seed,
      ...(o.signal ? { signal: o.signal } : {}),
      log: (line) => o.log(`    ${line}`),
    });
    const fit = await trainer.fit(module, train, val);
    if (fit.bestCheckpoint) {
      const { tensors } = loadSafetensors(fit.bestCheckpoint);
      const weights = new Map<string, Tensor>();
      for (const [k, t] of tensors) if (k.startsWith('model.')) weights.set(k.slice('model.'.length), t);
      net.loadStateDict(weights);
      for (const t of tensors.values()) t.dispose();
    }
    o.log('5/5 calibrating σ on the validation split, evaluating the best checkpoint on the test split …');
    const evalOptions = { melBands: c.melBands, frames: c.frames, sigmaFloor: SIGMA_FLOOR };
    const onValidation = await evaluate(net, await loaderFor('val', stats), store.catalog, evalOptions);
    const sigmaScale = fitSigmaScale(onValidation.samples);
    const evaluation = await evaluate(net, await loaderFor('test', stats), store.catalog, { ...evalOptions, sigmaScale });
    net.dispose();
    return {
      preset: o.preset,
      dataset: { name: dataset.name, version: dataset.version, ...dataset.counts },
      fit,
      evaluation,
      checkpoint: fit.bestCheckpoint,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await extractor.close();
    await store.close();
  }
}
