// `heimdall quickstart`: the whole way from nothing to a calibrated model, on embedded defaults.
// simulate a preset → import into the catalog and blob store → dataset (by session, seeded) →
// normalization statistics from the training split → train LocalizationNet with the Gaussian
// NLL → evaluate the best checkpoint on the test split against the Cramér–Rao bound.
// Re-running with the same options reuses the simulation (once it is marked complete), the import
// and the feature cache; the dataset holds exactly this run's transmissions (this seed, this count).
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { libtorchVersion, manualSeed } from '../engine/runtime.js';
import { loadSafetensors } from '../engine/safetensors.js';
import type { Tensor } from '../engine/tensor.js';
import { type CorrectionGain, fitCorrectionGain, fitSigmaScale } from '../eval/calibration.js';
import { LocalFrame } from '../geo/local-frame.js';
import { LocalizationNet } from '../model/localization-net.js';
import type { Batch } from '../signal/features/batch.js';
import { FeatureCache } from '../signal/features/cache.js';
import { type FeatureConfig, FeatureConfigSchema } from '../signal/features/config.js';
import { FeatureExtractor } from '../signal/features/extractor.js';
import { PriorPool } from '../signal/features/prior-pool.js';
import { SCALAR_COUNT } from '../signal/features/scalars.js';
import { type FeatureStats, FeatureStatsAccumulator } from '../signal/features/stats.js';
import { incompleteBecause, simulationStamp } from '../sim/completion.js';
import type { Scenario } from '../sim/config.js';
import { resolveScenario } from '../sim/scenario.js';
import { simulate } from '../sim/simulate.js';
import { createDataset } from '../store/datasets.js';
import { importDirectory } from '../store/import.js';
import { DatasetLoader } from '../store/loader.js';
import { openStore } from '../store/open.js';
import { assignSplits, type SplitSpec } from '../store/split.js';
import { flattenParams } from '../track/config-params.js';
import { openTracker } from '../track/open.js';
import { type ActiveRun, startRun } from '../track/run.js';
import { trackingCallback } from '../track/trainer-callback.js';
import { LocalizationModule, loaderSource } from '../train/localization-module.js';
import { type FitResult, Trainer } from '../train/trainer.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { formatDistanceM } from '../util/format.js';
import { correctionOutputs, type EvaluationReport, evaluate, fitUncertaintyGain } from './evaluate.js';
import { evaluateModelOnDataset, type ModelEvaluation } from './evaluate-model.js';
import { type PublishedModel, publishModel } from './publish-model.js';
import { priorSpecOfScenario } from './references/rss-model.js';

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

const SIGMA_FLOOR = 1e-3;
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

async function trainingStats(
  loader: DatasetLoader,
  receivers: number,
  c: FeatureConfig,
  signal: AbortSignal | undefined,
): Promise<FeatureStats> {
  const acc = new FeatureStatsAccumulator(c.melBands, c.frames);
  for await (const b of loader.epoch(0)) {
    stopIfAborted(signal, 'computing the normalization statistics');
    acc.addBatch(b, receivers);
  }
  return acc.finish();
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

/**
 * Loads another run's weights into `net`, all but the receiver positions (this network's own).
 * Refuses a checkpoint of a different architecture, naming the first tensor that differs.
 */
function initializeFrom(net: LocalizationNet, path: string): void {
  const { tensors } = loadSafetensors(path);
  const weights = new Map<string, Tensor>();
  for (const [k, t] of tensors)
    if (k.startsWith('model.') && k !== 'model.receiver_positions') weights.set(k.slice('model.'.length), t);
  try {
    weights.set('receiver_positions', net.positions);
    net.loadStateDict(weights);
  } catch (err) {
    throw new Error(
      `quickstart: --init-from ${path}: ${(err as Error).message} (it must be a checkpoint of the same architecture and receiver count)`,
    );
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
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
  let run: ActiveRun | undefined;
  let priors: PriorPool | undefined;
  const features = featureConfigFor(scenario);
  const extractor = new FeatureExtractor({
    config: features,
    receivers: scenario.network.receivers.map((r) => r.id),
    cache: new FeatureCache(store.featureCacheDir),
  });
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

    const frame = LocalFrame.centroidOf(scenario.network.receivers);
    const positions = scenario.network.receivers.map((r) => ({ id: r.id, ...frame.toLocal(r) }));
    const scaleM = Math.max(1000, ...positions.map((p) => Math.hypot(p.east, p.north)));
    const loaderFor = (
      split: 'train' | 'val' | 'test',
      stats?: FeatureStats,
      extra: { batchSize?: number; prefetch?: number; prior?: PriorPool } = {},
    ) =>
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
        ...extra,
      });
    const prior = o.prior ? priorSpecOfScenario(scenario, frame, features.heardSnrDb) : null;
    priors = prior ? new PriorPool(prior) : undefined;
    // The statistics pass computes the training split's priors too (remembered by the pool): their
    // posterior grids overlap the reading of the features instead of stalling the first epoch.
    const stats = await trainingStats(
      await loaderFor('train', undefined, priors ? { prior: priors } : {}),
      positions.length,
      features,
      o.signal,
    );
    const modelLoader = (split: 'train' | 'val' | 'test', extra: { batchSize?: number; prefetch?: number } = {}) =>
      loaderFor(split, stats, { ...extra, ...(priors ? { prior: priors } : {}) });

    manualSeed(o.seed);
    const net = new LocalizationNet({
      receivers: positions,
      scaleM,
      scalarCount: SCALAR_COUNT,
      widths: o.widths,
      prior: prior !== null,
    });
    if (o.initFrom !== undefined) initializeFrom(net, o.initFrom);
    const module = new LocalizationModule(net, SIGMA_FLOOR);
    const c = features;
    if (prior) o.log(`    physics prior: posterior mean under ${prior.model.description}`);
    const train = loaderSource(await modelLoader('train'), net, c.melBands, c.frames, SIGMA_FLOOR);
    const valLoader = await modelLoader('val'); // kept: σ calibration reads it again (from memory)
    const val = loaderSource(valLoader, net, c.melBands, c.frames, SIGMA_FLOOR);
    const perEpoch = train.batchesPerEpoch ?? 1;
    const checkpointDir = join(o.home, 'runs', `quickstart-${name}-v${dataset.version}`);
    o.log(
      `4/6 training LocalizationNet (${net.parameterCount().toLocaleString('en')} parameters, widths ${o.widths.join('-')}) …`,
    );
    const config = {
      scenario,
      data: { scenario: name, samples: o.samples, seed: o.seed, split: SPLIT },
      dataset: { name: dataset.name, version: dataset.version },
      features: c,
      model: {
        kind: 'LocalizationNet',
        widths: o.widths,
        hidden: 128,
        diagonal: false,
        scaleM,
        sigmaFloor: SIGMA_FLOOR,
        prior: prior === null ? 'none' : 'posterior mean under the scenario power model',
      },
      optimizer: { name: 'adamw', lr: o.lr, weightDecay: 1e-4, batchSize: o.batchSize, gradClip: 1 },
      training: { maxEpochs: o.maxEpochs, patience: o.patience, monitor: 'val_nll', schedule: 'cosine with warm-up' },
    };
    run = await startRun(tracker, {
      experiment: 'quickstart',
      runName: `quickstart-${name}-seed${o.seed}`,
      params: flattenParams(config),
      libtorchVersion: libtorchVersion(),
    });
    const runArtifacts = join(checkpointDir, `run-${run.runId}`);
    mkdirSync(runArtifacts, { recursive: true });
    writeFileAtomic(join(runArtifacts, 'config.json'), [Buffer.from(JSON.stringify(config, null, 2))], false);
    const trainer = new Trainer({
      maxEpochs: Math.max(1, o.maxEpochs), // 0: not fitted at all (below)
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
      callbacks: [trackingCallback(run)],
    });
    const fit: FitResult =
      o.maxEpochs === 0
        ? {
            epochs: 0,
            stoppedBecause: 'max_epochs',
            monitor: 'val_nll',
            bestMetric: Number.NaN,
            bestEpoch: 0,
            globalStep: 0,
            history: [],
          }
        : await trainer.fit(module, train, val);
    if (fit.bestCheckpoint) {
      const { tensors } = loadSafetensors(fit.bestCheckpoint);
      const weights = new Map<string, Tensor>();
      for (const [k, t] of tensors) if (k.startsWith('model.')) weights.set(k.slice('model.'.length), t);
      net.loadStateDict(weights);
      for (const t of tensors.values()) t.dispose();
    }
    o.log('5/6 calibrating σ on the validation split, evaluating the best checkpoint on the test split …');
    const evalOptions = { melBands: c.melBands, frames: c.frames, sigmaFloor: SIGMA_FLOOR };
    let correction: { position: CorrectionGain; uncertaintyGain: number } | undefined;
    if (prior) {
      // The learned corrections are shrunk towards the prior as far as validation says they should be.
      const v = await correctionOutputs(net, valLoader, evalOptions);
      const position = fitCorrectionGain(v.prior, v.model, v.truth, { seed: o.seed });
      const uncertainty = fitUncertaintyGain(v, {
        positionGain: position.gain,
        sigmaFloor: SIGMA_FLOOR,
        scaleM,
        diagonal: false,
      });
      net.scaleCorrection(position.gain, uncertainty.gain);
      correction = { position, uncertaintyGain: uncertainty.gain };
      o.log(
        `    correction gains on validation: position ${position.gain.toFixed(2)} (best ${position.bestGain.toFixed(2)}; median error: prior ${formatDistanceM(position.priorMedianM)}, full correction ${formatDistanceM(position.fullMedianM)}, kept ${formatDistanceM(position.correctedMedianM)}), uncertainty ${uncertainty.gain.toFixed(2)} (best ${uncertainty.bestGain.toFixed(2)}; mean NLL: prior ${uncertainty.priorMeanNll.toFixed(3)}, kept ${uncertainty.meanNll.toFixed(3)}); a gain is kept only where validation shows a significant improvement`,
      );
    }
    const onValidation = await evaluate(net, valLoader, store.catalog, evalOptions);
    // With no learned correction kept, the outputs are the prior's and depend on no label: the
    // training split is then held-out data too, and calibrating on it as well (2,550 samples
    // instead of 450) measures the prior's own miscalibration instead of validation noise.
    const unlearned = correction !== undefined && correction.position.gain === 0 && correction.uncertaintyGain === 0;
    const calibrationSamples = unlearned
      ? [...(await evaluate(net, await modelLoader('train'), store.catalog, evalOptions)).samples, ...onValidation.samples]
      : onValidation.samples;
    const sigmaScale = fitSigmaScale(calibrationSamples, { onlyIfMiscalibrated: true });
    if (unlearned)
      o.log(`    σ factor ${sigmaScale.toFixed(2)} from the training and validation splits (no learned correction kept)`);
    const testLoader = await modelLoader('test');
    const evaluation = await evaluate(net, testLoader, store.catalog, { ...evalOptions, sigmaScale });
    // The whole evaluation (per-sample errors and covariances of both splits): the run's report,
    // and what calibration studies read.
    const reportPath = join(runArtifacts, 'evaluation.json');
    writeFileAtomic(reportPath, [Buffer.from(JSON.stringify({ sigmaScale, validation: onValidation, test: evaluation }))], false);
    const m = evaluation.metrics;
    const testMetrics: Record<string, number> = {
      test_median_error_m: m.medianErrorM,
      test_p90_error_m: m.p90ErrorM,
      test_mean_error_m: m.meanErrorM,
      test_coverage_1sigma: m.coverage1Sigma,
      test_coverage_2sigma: m.coverage2Sigma,
      test_mean_nll: m.meanNll,
      sigma_scale: sigmaScale,
      ...(correction
        ? { correction_gain_position: correction.position.gain, correction_gain_uncertainty: correction.uncertaintyGain }
        : {}),
      ...(evaluation.crlb
        ? {
            test_crlb_cep50_m: evaluation.crlb.boundMedianM,
            test_median_error_with_crlb_m: evaluation.crlb.medianErrorM,
            test_without_crlb: evaluation.crlb.leftOut,
          }
        : {}),
    };
    await run.logMetrics(testMetrics, fit.epochs);
    await run.logArtifact(join(runArtifacts, 'config.json'));
    await run.logArtifact(reportPath);
    if (fit.bestCheckpoint) await run.logArtifact(fit.bestCheckpoint, 'checkpoints');

    let model: PublishedModel | undefined;
    if (fit.stoppedBecause === 'aborted') {
      o.log('6/6 training was interrupted: the model is not exported or registered');
    } else {
      o.log('6/6 exporting to ONNX (verified against the engine with onnxruntime), registering …');
      const firstBatch = async (l: DatasetLoader): Promise<Batch | undefined> => {
        for await (const b of l.epoch(0)) return b;
        return undefined;
      };
      const verifyBatch = await firstBatch(testLoader);
      // int8 ranges come from 256 training transmissions (one batch); the check runs on test ones.
      const calibration = await firstBatch(await modelLoader('train', { batchSize: 256, prefetch: 1 }));
      model = await publishModel(net, {
        tracker,
        run,
        blobs: store.blobs,
        onnxPath: join(runArtifacts, 'model.onnx'),
        metadata: {
          dataset: `${dataset.name}@${dataset.version}`,
          frame,
          receivers: scenario.network.receivers.map((r) => ({ id: r.id, lat: r.lat, lon: r.lon, altM: r.altitudeM })),
          featureConfig: c,
          featureStats: stats,
          sigmaFloor: SIGMA_FLOOR,
          sigmaScale,
          prior,
          metrics: testMetrics,
        },
        ...(verifyBatch ? { verifyBatch } : {}),
        ...(calibration ? { int8CalibrationBatch: calibration } : {}),
        log: o.log,
      });
    }
    let report: ModelEvaluation | undefined;
    if (model) {
      // The report `heimdall evaluate` writes, for this run: the exported model next to every
      // classical reference on the same test sessions.
      o.log('    evaluation report: the exported model and the classical references on the test split …');
      report = await evaluateModelOnDataset({
        modelPath: model.onnxPath,
        modelLabel: `${model.name} v${model.version}`,
        store,
        tracker,
        dataset: { name: dataset.name, version: dataset.version },
        split: 'test',
        outDir: join(runArtifacts, 'report'),
        scenario,
        ...(priors ? { priors } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      await run.logArtifact(report.htmlPath, 'report');
      await run.logArtifact(report.jsonPath, 'report');
    }
    await run.end(fit.stoppedBecause === 'aborted' ? 'KILLED' : 'FINISHED');
    net.dispose();
    const first = (await store.catalog.datasetSessions(dataset.id, 'test'))[0];
    // This run's own folder for it (a duplicate session's catalogued source may be another folder's).
    const example = first === undefined ? undefined : sourceOf.get(first.id);
    return {
      preset: name,
      dataset: { name: dataset.name, version: dataset.version, ...dataset.counts },
      fit,
      evaluation,
      checkpoint: fit.bestCheckpoint,
      run: { id: run.runId, experiment: 'quickstart', artifactUri: run.info.artifactUri },
      model,
      exampleRecording: example,
      report,
      correction: correction ? { position: correction.position.gain, uncertainty: correction.uncertaintyGain } : undefined,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (err) {
    await run?.end('FAILED'); // a no-op when the run already ended (e.g. marked by the trainer callback)
    throw err;
  } finally {
    await priors?.close();
    await extractor.close();
    await store.close();
    await tracker.close();
  }
}
