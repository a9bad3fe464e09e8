// Training LocalizationNet on a catalog dataset: normalization statistics from its training split,
// the Gaussian NLL with early stopping on validation, the learned correction of the physics prior
// shrunk as far as validation says, σ calibration, evaluation on the test split, ONNX export
// (fp32 + int8 when within tolerance), tracking and registration. The one training path:
// `heimdall train` (any dataset) and `heimdall quickstart` (its simulated dataset) both run it.
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
import type { FeatureConfig } from '../signal/features/config.js';
import { FeatureExtractor } from '../signal/features/extractor.js';
import type { PriorSpec } from '../signal/features/prior.js';
import { PriorPool } from '../signal/features/prior-pool.js';
import { SCALAR_COUNT } from '../signal/features/scalars.js';
import { type FeatureStats, FeatureStatsAccumulator } from '../signal/features/stats.js';
import type { Scenario } from '../sim/config.js';
import type { DatasetRow } from '../store/catalog/types.js';
import { DatasetLoader } from '../store/loader.js';
import type { Store } from '../store/open.js';
import { flattenParams } from '../track/config-params.js';
import { type ActiveRun, resumeRun, startRun } from '../track/run.js';
import { trackingCallback } from '../track/trainer-callback.js';
import type { Tracker } from '../track/types.js';
import { loadCheckpointWeights } from '../train/load-weights.js';
import { LocalizationModule, loaderSource } from '../train/localization-module.js';
import { type FitResult, Trainer } from '../train/trainer.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { formatDistanceM } from '../util/format.js';
import { correctionOutputs, type EvaluationReport, evaluate, fitUncertaintyGain } from './evaluate.js';
import { evaluateModelOnDataset, type ModelEvaluation } from './evaluate-model.js';
import { type PublishedModel, publishModel } from './publish-model.js';
import type { TrainConfig } from './train-config.js';

export const SIGMA_FLOOR = 1e-3;

/** A TrainConfig whose features are resolved for the dataset (every field set). */
export type ResolvedTrainConfig = Omit<TrainConfig, 'features'> & { features: FeatureConfig };

/** A receiver of the network, in the model's input order. */
export interface NetworkReceiver {
  id: string;
  lat: number;
  lon: number;
  altM: number;
}

export interface TrainOnDatasetOptions {
  store: Store;
  tracker: Tracker;
  dataset: DatasetRow;
  /** The network the model reads, in input order. */
  receivers: NetworkReceiver[];
  /** The configuration, its features resolved for the dataset. */
  config: ResolvedTrainConfig;
  /** The physics prior for the network's local frame, or null for a plain network. */
  prior: ((frame: LocalFrame, heardSnrDb: number) => PriorSpec) | null;
  /** The simulator's scenario, when the data is simulated: the evaluation's references use it. */
  scenario?: Scenario;
  /** Tracker experiment, and the run's name (default <dataset>@<version>-seed<seed>). */
  experiment: string;
  runName?: string;
  /** More to track with the run's parameters (quickstart: the scenario and what it simulated). */
  describe?: Record<string, unknown>;
  /** Another run's checkpoint to start from (all weights but the receiver positions). */
  initFrom?: string;
  /**
   * A run of this dataset to continue from its last checkpoint (the Trainer's exact resume: the
   * same weights as an uninterrupted run); the configuration must be the one it was started with.
   */
  resumeRun?: string;
  /** Called once the tracked run exists (a job records it, so a takeover can resume it). */
  onRun?: (runId: string) => void | Promise<void>;
  /** Called after every epoch with its metrics (a job's progress and history); on a resume, first for the epochs the checkpoint holds (restored). */
  onEpoch?: (epoch: number, maxEpochs: number, metrics: Record<string, number>, restored: boolean) => void | Promise<void>;
  /**
   * On an abort, end the run KILLED at once (the last checkpoint saved) and throw
   * TrainingInterrupted, instead of evaluating the partial model: what a job worker wants.
   */
  stopWhenAborted?: boolean;
  /** The command running it, for messages (default 'train'). */
  command?: string;
  /** Step numbering: quickstart's steps 4–6 of 6 are this function's 1–3. */
  steps?: { first: number; total: number };
  signal?: AbortSignal;
  log: (line: string) => void;
}

export interface TrainResult {
  fit: FitResult;
  evaluation: EvaluationReport;
  checkpoint: string | undefined;
  run: { id: string; experiment: string; artifactUri: string };
  model: PublishedModel | undefined;
  report: ModelEvaluation | undefined;
  correction: { position: number; uncertainty: number } | undefined;
  /** Where checkpoints go (last.safetensors for --resume). */
  checkpointDir: string;
}

/** Training stopped by its AbortSignal with stopWhenAborted: last.safetensors holds where it was. */
export class TrainingInterrupted extends Error {
  constructor(readonly runId: string) {
    super(`training of run ${runId} was interrupted; its last checkpoint is saved`);
    this.name = 'TrainingInterrupted';
  }
}

/** A run's folder: <home>/runs/<dataset>-v<version>/run-<id>. */
export function runFolder(home: string, dataset: Pick<DatasetRow, 'name' | 'version'>, runId: string): string {
  // Names are checked when a dataset is made (store/catalog/names.ts); one from an older catalog
  // that breaks the rule is escaped into one folder name rather than trusted as a path.
  return join(home, 'runs', `${encodeURIComponent(dataset.name)}-v${dataset.version}`, `run-${runId}`);
}

/** Throws when the run was interrupted (Ctrl-C), naming the step it stopped at. */
function stopIfAborted(signal: AbortSignal | undefined, step: string, command: string): void {
  if (signal?.aborted) throw new Error(`${command}: interrupted while ${step}`);
}

async function trainingStats(
  loader: DatasetLoader,
  receivers: number,
  c: FeatureConfig,
  signal: AbortSignal | undefined,
  command: string,
): Promise<FeatureStats> {
  const acc = new FeatureStatsAccumulator(c.melBands, c.frames);
  for await (const b of loader.epoch(0)) {
    stopIfAborted(signal, 'computing the normalization statistics', command);
    acc.addBatch(b, receivers);
  }
  return acc.finish();
}

/**
 * Loads another run's weights into `net`, all but the receiver positions (this network's own).
 * Refuses a checkpoint of a different architecture, naming the first tensor that differs.
 */
function initializeFrom(net: LocalizationNet, path: string, command: string): void {
  const { tensors } = loadSafetensors(path);
  const weights = new Map<string, Tensor>();
  for (const [k, t] of tensors)
    if (k.startsWith('model.') && k !== 'model.receiver_positions') weights.set(k.slice('model.'.length), t);
  try {
    weights.set('receiver_positions', net.positions);
    net.loadStateDict(weights);
  } catch (err) {
    throw new Error(
      `${command}: --init-from ${path}: ${(err as Error).message} (it must be a checkpoint of the same architecture and receiver count)`,
    );
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

export async function trainOnDataset(o: TrainOnDatasetOptions): Promise<TrainResult> {
  const { store, tracker, dataset } = o;
  const cfg = o.config;
  const features = cfg.features;
  const maxEpochs = cfg.trainer.maxEpochs;
  if (maxEpochs === 0 && o.initFrom === undefined)
    throw new RangeError('trainer.maxEpochs 0 evaluates weights without training; it needs an init-from checkpoint');
  const steps = o.steps ?? { first: 1, total: 3 };
  const step = (k: number) => `${steps.first + k - 1}/${steps.total}`;
  let run: ActiveRun | undefined;
  let priors: PriorPool | undefined;
  const extractor = new FeatureExtractor({
    config: features,
    receivers: o.receivers.map((r) => r.id),
    cache: new FeatureCache(store.featureCacheDir),
  });
  try {
    const frame = LocalFrame.centroidOf(o.receivers);
    const positions = o.receivers.map((r) => ({ id: r.id, ...frame.toLocal(r) }));
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
        batchSize: cfg.optimizer.batchSize,
        seed: cfg.trainer.seed,
        shuffle: split === 'train',
        ...(stats ? { stats } : {}),
        ...extra,
      });
    const prior = o.prior === null ? null : o.prior(frame, features.heardSnrDb);
    priors = prior ? new PriorPool(prior) : undefined;
    // The statistics pass computes the training split's priors too (remembered by the pool): their
    // posterior grids overlap the reading of the features instead of stalling the first epoch.
    const stats = await trainingStats(
      await loaderFor('train', undefined, priors ? { prior: priors } : {}),
      positions.length,
      features,
      o.signal,
      o.command ?? 'train',
    );
    const modelLoader = (split: 'train' | 'val' | 'test', extra: { batchSize?: number; prefetch?: number } = {}) =>
      loaderFor(split, stats, { ...extra, ...(priors ? { prior: priors } : {}) });

    manualSeed(cfg.trainer.seed);
    const net = new LocalizationNet({
      receivers: positions,
      scaleM,
      scalarCount: SCALAR_COUNT,
      widths: cfg.model.widths,
      prior: prior !== null,
    });
    if (o.initFrom !== undefined) initializeFrom(net, o.initFrom, o.command ?? 'train');
    const module = new LocalizationModule(net, SIGMA_FLOOR);
    const c = features;
    if (prior)
      o.log(
        `    physics prior: ${prior.tdoa ? 'classical TDOA where a transmission has time differences, else the ' : ''}posterior mean under ${prior.model.description}`,
      );
    const train = loaderSource(await modelLoader('train'), net, c.melBands, c.frames, SIGMA_FLOOR);
    const valLoader = await modelLoader('val'); // kept: σ calibration reads it again (from memory)
    const val = loaderSource(valLoader, net, c.melBands, c.frames, SIGMA_FLOOR);
    const perEpoch = train.batchesPerEpoch ?? 1;
    o.log(
      `${step(1)} training LocalizationNet (${net.parameterCount().toLocaleString('en')} parameters, widths ${cfg.model.widths.join('-')}) …`,
    );
    // The resolved configuration (features too): tracked, written beside the run and stored in
    // every checkpoint, so a run says exactly how it was trained.
    const resolved: ResolvedTrainConfig = { ...cfg, features: c };
    const config = {
      ...o.describe,
      dataset: { name: dataset.name, version: dataset.version },
      ...resolved,
      derived: {
        kind: 'LocalizationNet',
        hidden: 128,
        diagonal: false,
        scaleM,
        sigmaFloor: SIGMA_FLOOR,
        prior: prior === null ? 'none' : `posterior mean under ${prior.model.description}`,
        receivers: positions.map((p) => p.id),
      },
    };
    run =
      o.resumeRun === undefined
        ? await startRun(tracker, {
            experiment: o.experiment,
            runName: o.runName ?? `${dataset.name}@${dataset.version}-seed${cfg.trainer.seed}`,
            params: flattenParams(config),
            libtorchVersion: libtorchVersion(),
          })
        : await resumeRun(tracker, o.resumeRun);
    // The run's own folder: its configuration, checkpoints (last.safetensors for --resume),
    // evaluation, ONNX files and report.
    await o.onRun?.(run.runId);
    const runArtifacts = runFolder(store.home, dataset, run.runId);
    const checkpointDir = runArtifacts;
    mkdirSync(runArtifacts, { recursive: true });
    if (o.resumeRun === undefined)
      writeFileAtomic(join(runArtifacts, 'config.json'), [Buffer.from(JSON.stringify(config, null, 2))], false);
    const trainer = new Trainer({
      maxEpochs: Math.max(1, maxEpochs), // 0: not fitted at all (below)
      lr: cfg.optimizer.lr,
      optimizer: cfg.optimizer.name,
      weightDecay: cfg.optimizer.weightDecay,
      gradClipNorm: cfg.optimizer.gradClip,
      // Warm up (a quarter of the run at most), then cosine decay.
      schedule: {
        kind: 'cosine',
        warmupSteps: Math.max(
          1,
          Math.min(Math.round(cfg.schedule.warmupEpochs * perEpoch), Math.floor((maxEpochs * perEpoch) / 4)),
        ),
      },
      earlyStopping: { monitor: 'val_nll', patience: cfg.trainer.patience },
      checkpointDir,
      checkpointMetadata: { 'heimdall.train_config': JSON.stringify(resolved) },
      keepBest: 1,
      seed: cfg.trainer.seed,
      ...(o.signal ? { signal: o.signal } : {}),
      log: (line) => o.log(`    ${line}`),
      callbacks: [
        trackingCallback(run),
        ...(o.onEpoch
          ? [
              {
                // A resumed fit reports the epochs its checkpoint holds first (a job taken over
                // after its worker died may not have recorded the last of them).
                onFitStart: async (t: Trainer) => {
                  for (const m of t.history) await o.onEpoch?.(m.epoch ?? 0, maxEpochs, m, true);
                },
                onTrainEpochEnd: (_t: Trainer, m: Record<string, number>) => o.onEpoch?.(m.epoch ?? 0, maxEpochs, m, false),
              },
            ]
          : []),
      ],
    });
    const fit: FitResult =
      maxEpochs === 0
        ? {
            epochs: 0,
            stoppedBecause: 'max_epochs',
            monitor: 'val_nll',
            bestMetric: Number.NaN,
            bestEpoch: 0,
            globalStep: 0,
            history: [],
          }
        : await trainer.fit(module, train, val, o.resumeRun === undefined ? undefined : 'last');
    if (fit.stoppedBecause === 'aborted' && o.stopWhenAborted) {
      // A job's worker resumes the run elsewhere: end it now, without evaluating the partial model.
      await run.end('KILLED');
      throw new TrainingInterrupted(run.runId);
    }
    if (fit.bestCheckpoint) loadCheckpointWeights(net, fit.bestCheckpoint);
    o.log(`${step(2)} calibrating σ on the validation split, evaluating the best checkpoint on the test split …`);
    const evalOptions = { melBands: c.melBands, frames: c.frames, sigmaFloor: SIGMA_FLOOR };
    let correction: { position: CorrectionGain; uncertaintyGain: number } | undefined;
    if (prior) {
      // The learned corrections are shrunk towards the prior as far as validation says they should be.
      const v = await correctionOutputs(net, valLoader, evalOptions);
      const position = fitCorrectionGain(v.prior, v.model, v.truth, { seed: cfg.trainer.seed });
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
      o.log(`${step(3)} training was interrupted: the model is not exported or registered`);
    } else {
      o.log(`${step(3)} exporting to ONNX (verified against the engine with onnxruntime), registering …`);
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
          receivers: o.receivers.map((r) => ({ id: r.id, lat: r.lat, lon: r.lon, altM: r.altM })),
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
        store: o.store,
        tracker: o.tracker,
        dataset: { name: dataset.name, version: dataset.version },
        split: 'test',
        outDir: join(runArtifacts, 'report'),
        ...(o.scenario ? { scenario: o.scenario } : {}),
        ...(priors ? { priors } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      await run.logArtifact(report.htmlPath, 'report');
      await run.logArtifact(report.jsonPath, 'report');
    }
    await run.end(fit.stoppedBecause === 'aborted' ? 'KILLED' : 'FINISHED');
    net.dispose();
    return {
      fit,
      evaluation,
      checkpoint: fit.bestCheckpoint,
      run: { id: run.runId, experiment: o.experiment, artifactUri: run.info.artifactUri },
      model,
      report,
      correction: correction ? { position: correction.position.gain, uncertainty: correction.uncertaintyGain } : undefined,
      checkpointDir,
    };
  } catch (err) {
    await run?.end('FAILED'); // a no-op when the run already ended (e.g. marked by the trainer callback)
    throw err;
  } finally {
    await priors?.close();
    await extractor.close();
  }
}
