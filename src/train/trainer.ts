// The Trainer: decides WHEN things happen (epochs, batches, validation, checkpoints, early
// stopping, resume, abort) for a model that says WHAT to compute (types.ts). One fit reads top to
// bottom in fit(); the helpers below it do one job each.
//
// Exact resume: a checkpoint holds the weights, the optimizer state, the libtorch RNG state and
// the loop's counters (epoch, batches done in the current epoch, global step, early-stopping
// state, history). Data order is a function of (seed, epoch), so a resumed run replays the same
// batches and ends with the same weights, bit for bit, as an uninterrupted one.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad } from '../engine/autograd.js';
import { fromTypedArray } from '../engine/creation.js';
import type { Module, StateDict } from '../engine/nn/module.js';
import { Adam, AdamW } from '../engine/optim/adam.js';
import { clipGradNorm } from '../engine/optim/clip.js';
import type { OptimizerState } from '../engine/optim/optimizer.js';
import { getRngState, manualSeed, setRngState } from '../engine/runtime.js';
import { loadSafetensors, saveSafetensors } from '../engine/safetensors.js';
import { tidy } from '../engine/scope.js';
import { Tensor } from '../engine/tensor.js';
import { type Schedule, type ScheduleSpec, scheduleFromSpec } from './schedule.js';
import type { Callback, DataSource, Reporter, TrainableModule } from './types.js';

export interface EarlyStoppingOptions {
  /** Metric to minimize (default: 'val_nll' if validation reports it, else 'val_loss', else 'train_loss'). */
  monitor?: string;
  /** Epochs without an improvement of more than minDelta before stopping (default 10). */
  patience: number;
  /** Smallest decrease that counts as an improvement (default 0). */
  minDelta: number;
}

export interface TrainerOptions {
  maxEpochs: number;
  /** Peak learning rate (the schedule scales it). */
  lr: number;
  optimizer: 'adam' | 'adamw';
  /** Undefined: the optimizer's default (Adam 0, AdamW 1e-2). */
  weightDecay?: number;
  /** Maximum joint L2 norm of the gradients; 0 turns clipping off. */
  gradClipNorm: number;
  schedule: ScheduleSpec;
  /** null: never stop early (the monitored metric still ranks the best checkpoints). */
  earlyStopping: EarlyStoppingOptions | null;
  /** Where 'last.safetensors' and the best-k checkpoints go; unset: no checkpoints. */
  checkpointDir?: string;
  /** More safetensors metadata for every checkpoint (e.g. the run's resolved configuration). */
  checkpointMetadata?: Record<string, string>;
  /** How many best checkpoints (by the monitored metric) to keep; 0 = only 'last'. */
  keepBest: number;
  /** Seeds libtorch's RNG at the start of a fresh (not resumed) fit. */
  seed: number;
  /** Checked between batches; when aborted, 'last' is saved and fit returns 'aborted'. */
  signal?: AbortSignal;
  callbacks: Callback[];
  reporter?: Reporter;
  /** Report the batch loss to the reporter every this many steps (0 = per epoch only). */
  logEvery: number;
  /** Receives one summary line per epoch and one at the end. */
  log: (line: string) => void;
}

export type TrainerConfig = Partial<Omit<TrainerOptions, 'earlyStopping'>> & {
  earlyStopping?: Partial<EarlyStoppingOptions> | null;
};

export type StopReason = 'max_epochs' | 'early_stopping' | 'aborted' | 'nan';

/** One epoch's metrics: epoch, step, train_loss, lr and the val_* metrics. */
export type EpochMetrics = Record<string, number>;

export interface FitResult {
  /** Completed epochs, counting those before a resume. */
  epochs: number;
  stoppedBecause: StopReason;
  /** The monitored metric's name, and its best value (NaN if never finite) and epoch (0 if none). */
  monitor: string;
  bestMetric: number;
  bestEpoch: number;
  globalStep: number;
  /** Path of the best kept checkpoint, when checkpointing. */
  bestCheckpoint?: string;
  /** Path of 'last.safetensors', when checkpointing. */
  lastCheckpoint?: string;
  history: EpochMetrics[];
}

/** A non-finite training loss. The trainer reports it through onException and re-throws it. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly loss: number,
    readonly epoch: number,
    readonly batch: number,
    readonly step: number,
  ) {
    super(`training diverged: loss is ${loss} at epoch ${epoch}, batch ${batch} (global step ${step + 1})`);
    this.name = 'NonFiniteLossError';
  }
}

/** The loop's counters, saved in every checkpoint (JSON: non-finite numbers are stored as null). */
interface LoopState {
  /** Completed epochs. */
  epoch: number;
  /** Batches already trained in epoch + 1 (non-zero only after an abort mid-epoch). */
  batchesDone: number;
  /** Sum of their losses, so the resumed epoch's train_loss is the uninterrupted one. */
  partialLossSum: number;
  globalStep: number;
  monitor: string | null;
  bestMetric: number | null;
  bestEpoch: number;
  badEpochs: number;
  /** Kept best checkpoints, best first (file names inside checkpointDir). */
  best: { file: string; metric: number; epoch: number }[];
  history: EpochMetrics[];
}

const FORMAT = 'heimdall.trainer/1';
const LAST = 'last.safetensors';

export const trainerDefaults: TrainerOptions = {
  maxEpochs: 100,
  lr: 1e-3,
  optimizer: 'adam',
  gradClipNorm: 1.0,
  schedule: { kind: 'constant' },
  earlyStopping: { patience: 10, minDelta: 0 },
  keepBest: 2,
  seed: 0,
  callbacks: [],
  logEvery: 50,
  log: (line) => console.log(line),
};

function freshState(): LoopState {
  return {
    epoch: 0,
    batchesDone: 0,
    partialLossSum: 0,
    globalStep: 0,
    monitor: null,
    bestMetric: null,
    bestEpoch: 0,
    badEpochs: 0,
    best: [],
    history: [],
  };
}

/** Disposes the tensors of a batch (a Tensor, or arrays/plain objects holding them). */
function disposeBatch(value: unknown): void {
  if (value instanceof Tensor) {
    if (!value.isDisposed) value.dispose();
  } else if (Array.isArray(value)) {
    for (const v of value) disposeBatch(v);
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) disposeBatch(v);
  }
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`Trainer: ${name} must be a positive integer, got ${v}`);
}

export class Trainer {
  readonly options: TrainerOptions;
  #state: LoopState = freshState();
  #optimizer: Adam | null = null;
  #epoch = 0;
  #batchesPerEpoch: number | undefined;
  #stoppedBecause: StopReason | null = null;

  constructor(config: TrainerConfig = {}) {
    const es =
      config.earlyStopping === null
        ? null
        : { ...(trainerDefaults.earlyStopping as EarlyStoppingOptions), ...(config.earlyStopping ?? {}) };
    const o: TrainerOptions = { ...trainerDefaults, ...config, earlyStopping: es };
    positiveInt('maxEpochs', o.maxEpochs);
    if (!(o.lr > 0) || !Number.isFinite(o.lr)) throw new RangeError(`Trainer: lr must be a positive number, got ${o.lr}`);
    if (o.optimizer !== 'adam' && o.optimizer !== 'adamw')
      throw new RangeError(`Trainer: optimizer must be 'adam' or 'adamw', got '${String(o.optimizer)}'`);
    if (!(o.gradClipNorm >= 0)) throw new RangeError(`Trainer: gradClipNorm must be >= 0, got ${o.gradClipNorm}`);
    if (!Number.isInteger(o.keepBest) || o.keepBest < 0)
      throw new RangeError(`Trainer: keepBest must be an integer >= 0, got ${o.keepBest}`);
    if (!Number.isInteger(o.logEvery) || o.logEvery < 0)
      throw new RangeError(`Trainer: logEvery must be an integer >= 0, got ${o.logEvery}`);
    if (es !== null) {
      positiveInt('earlyStopping.patience', es.patience);
      if (!(es.minDelta >= 0)) throw new RangeError(`Trainer: earlyStopping.minDelta must be >= 0, got ${es.minDelta}`);
    }
    this.options = o;
  }

  /** Current epoch (1-based; 0 before the first). */
  get epoch(): number {
    return this.#epoch;
  }
  /** Optimizer steps taken so far, across resumes. */
  get globalStep(): number {
    return this.#state.globalStep;
  }
  /** The training DataSource's declared batch count, if any. */
  get batchesPerEpoch(): number | undefined {
    return this.#batchesPerEpoch;
  }
  /** The optimizer's current learning rate (NaN outside fit). */
  get lr(): number {
    return this.#optimizer?.lr ?? Number.NaN;
  }
  /** The optimizer of the running fit (null outside fit). */
  get optimizer(): Adam | null {
    return this.#optimizer;
  }
  get history(): readonly EpochMetrics[] {
    return this.#state.history;
  }
  /** Why the last fit stopped ('nan' is set before onException runs). */
  get stoppedBecause(): StopReason | null {
    return this.#stoppedBecause;
  }

  /**
   * Trains `model` on `train`, validating on `val` after every epoch. `resumeFrom` continues a
   * run: 'last' (checkpointDir/last.safetensors), a checkpoint directory, or a checkpoint file.
   */
  async fit<B>(model: TrainableModule<B>, train: DataSource<B>, val?: DataSource<B>, resumeFrom?: string): Promise<FitResult> {
    const o = this.options;
    const module = model.module;
    const params = module.parameters();
    const optimizer =
      o.optimizer === 'adamw'
        ? new AdamW(params, { lr: o.lr, ...(o.weightDecay === undefined ? {} : { weightDecay: o.weightDecay }) })
        : new Adam(params, { lr: o.lr, ...(o.weightDecay === undefined ? {} : { weightDecay: o.weightDecay }) });
    this.#optimizer = optimizer;
    this.#state = freshState();
    this.#epoch = 0;
    this.#stoppedBecause = null;
    this.#batchesPerEpoch = train.batchesPerEpoch;
    try {
      if (resumeFrom !== undefined) this.#state = this.#restore(this.#resolveResume(resumeFrom), module, optimizer);
      else manualSeed(o.seed);
      if (o.checkpointDir !== undefined) mkdirSync(o.checkpointDir, { recursive: true });
      const perEpoch = train.batchesPerEpoch;
      const schedule = scheduleFromSpec(o.schedule, o.lr, perEpoch === undefined ? undefined : perEpoch * o.maxEpochs);
      const s = this.#state;
      await this.#emit((c) => c.onFitStart?.(this));

      let stopped: StopReason = 'max_epochs';
      if (o.earlyStopping !== null && s.badEpochs >= o.earlyStopping.patience) stopped = 'early_stopping';
      epochs: for (let epoch = s.epoch + 1; epoch <= o.maxEpochs && stopped === 'max_epochs'; epoch++) {
        this.#epoch = epoch;
        const started = performance.now();
        if (o.signal?.aborted) {
          stopped = 'aborted';
          break;
        }
        module.train();
        await this.#emit((c) => c.onTrainEpochStart?.(this, epoch));

        // --- training batches ---
        const skip = s.batchesDone; // batches already trained before an abort
        let lossSum = s.partialLossSum;
        let batchIndex = 0;
        for await (const batch of train.epoch(epoch)) {
          if (batchIndex < skip) {
            disposeBatch(batch);
            batchIndex++;
            continue;
          }
          let loss: number;
          try {
            loss = this.#trainStep(model, batch, optimizer, schedule, epoch, batchIndex);
          } finally {
            disposeBatch(batch);
          }
          lossSum += loss;
          s.globalStep++;
          batchIndex++;
          if (o.reporter !== undefined && o.logEvery > 0 && s.globalStep % o.logEvery === 0) {
            o.reporter.log({ train_loss: loss, lr: optimizer.lr }, s.globalStep);
          }
          await this.#emit((c) => c.onTrainBatchEnd?.(this, loss, batchIndex - 1));
          // Batches served from memory resolve as microtasks: without a turn of the event loop a
          // SIGTERM/SIGINT handler (the usual source of the abort) would not run until the fit ends.
          if (o.signal !== undefined) await new Promise<void>((resolve) => setImmediate(resolve));
          if (o.signal?.aborted) {
            s.batchesDone = batchIndex;
            s.partialLossSum = lossSum;
            stopped = 'aborted';
            break epochs;
          }
        }
        s.batchesDone = 0;
        s.partialLossSum = 0;
        if (batchIndex === 0) throw new Error(`Trainer: the training DataSource yielded no batches in epoch ${epoch}`);
        const metrics: EpochMetrics = { epoch, step: s.globalStep, train_loss: lossSum / batchIndex, lr: optimizer.lr };

        // --- validation ---
        if (val !== undefined) {
          const valMetrics = await this.#validate(model, val, epoch);
          Object.assign(metrics, valMetrics);
          await this.#emit((c) => c.onValidationEnd?.(this, valMetrics));
        }

        // --- bookkeeping: early-stopping counters, history, checkpoints ---
        s.monitor ??= this.#resolveMonitor(metrics);
        const value = metrics[s.monitor];
        if (value === undefined) {
          throw new Error(
            `Trainer: monitored metric '${s.monitor}' is not among the epoch metrics [${Object.keys(metrics).join(', ')}]`,
          );
        }
        const minDelta = o.earlyStopping?.minDelta ?? 0;
        if (s.bestMetric === null ? Number.isFinite(value) : value < s.bestMetric - minDelta) {
          s.bestMetric = value;
          s.bestEpoch = epoch;
          s.badEpochs = 0;
        } else {
          s.badEpochs++;
        }
        s.epoch = epoch;
        s.history.push(metrics);
        if (o.checkpointDir !== undefined) this.#checkpoint(o.checkpointDir, module, optimizer, value, epoch);
        if (o.earlyStopping !== null && s.badEpochs >= o.earlyStopping.patience) stopped = 'early_stopping';

        o.reporter?.log(metrics, s.globalStep);
        await this.#emit((c) => c.onTrainEpochEnd?.(this, metrics));
        o.log(this.#summary(metrics, (performance.now() - started) / 1000));
      }

      if (stopped === 'aborted' && o.checkpointDir !== undefined) {
        this.#save(join(o.checkpointDir, LAST), module, optimizer);
      }
      this.#stoppedBecause = stopped;
      const top = s.best[0];
      const result: FitResult = {
        epochs: s.epoch,
        stoppedBecause: stopped,
        monitor: s.monitor ?? '',
        bestMetric: s.bestMetric ?? Number.NaN,
        bestEpoch: s.bestEpoch,
        globalStep: s.globalStep,
        history: s.history,
        ...(o.checkpointDir !== undefined && top !== undefined ? { bestCheckpoint: join(o.checkpointDir, top.file) } : {}),
        ...(o.checkpointDir !== undefined ? { lastCheckpoint: join(o.checkpointDir, LAST) } : {}),
      };
      o.log(
        `fit: stopped (${stopped}) after ${s.epoch} epoch(s), ${s.globalStep} steps; best ${result.monitor} ` +
          `${fmt(result.bestMetric)} at epoch ${result.bestEpoch}`,
      );
      await this.#emit((c) => c.onFitEnd?.(this, result));
      return result;
    } catch (err) {
      if (err instanceof NonFiniteLossError) this.#stoppedBecause = 'nan';
      for (const c of o.callbacks) {
        try {
          await c.onException?.(this, err);
        } catch {
          // A failing error hook must not hide the error being reported.
        }
      }
      throw err;
    } finally {
      module.train();
      optimizer.dispose();
      this.#optimizer = null;
    }
  }

  /** One optimizer step, all inside tidy(): zeroGrad, loss, finiteness check, backward, clip, lr, step. */
  #trainStep<B>(model: TrainableModule<B>, batch: B, opt: Adam, schedule: Schedule, epoch: number, batchIndex: number): number {
    const step = this.#state.globalStep;
    return tidy(() => {
      opt.zeroGrad();
      const loss = model.trainingStep(batch);
      if (loss.numel !== 1)
        throw new Error(`Trainer: trainingStep must return a scalar loss, got shape [${loss.shape.join(', ')}]`);
      const value = loss.item();
      if (!Number.isFinite(value)) throw new NonFiniteLossError(value, epoch, batchIndex + 1, step);
      loss.backward();
      if (this.options.gradClipNorm > 0) clipGradNorm(model.module.parameters(), this.options.gradClipNorm);
      opt.lr = schedule.lrAt(step);
      opt.step();
      return value;
    });
  }

  /** Count-weighted means of the validation metrics, named val_<name>. */
  async #validate<B>(model: TrainableModule<B>, val: DataSource<B>, epoch: number): Promise<Record<string, number>> {
    const sums = new Map<string, number>();
    let total = 0;
    model.module.eval();
    try {
      for await (const batch of val.epoch(epoch)) {
        let m: Record<string, number>;
        try {
          m = tidy(() => noGrad(() => model.validationStep(batch)));
        } finally {
          disposeBatch(batch);
        }
        const count = m.count ?? 1;
        total += count;
        for (const [k, v] of Object.entries(m)) {
          if (k !== 'count') sums.set(k, (sums.get(k) ?? 0) + v * count);
        }
      }
    } finally {
      model.module.train();
    }
    const out: Record<string, number> = {};
    for (const [k, sum] of sums) out[k.startsWith('val_') ? k : `val_${k}`] = sum / total;
    return out;
  }

  #resolveMonitor(metrics: EpochMetrics): string {
    const asked = this.options.earlyStopping?.monitor;
    if (asked !== undefined) return asked;
    for (const name of ['val_nll', 'val_loss']) if (name in metrics) return name;
    return 'train_loss';
  }

  /** Saves a best-k checkpoint if this epoch earns a place (dropping the one it displaces), then 'last'. */
  #checkpoint(dir: string, module: Module, opt: Adam, value: number, epoch: number): void {
    const s = this.#state;
    const k = this.options.keepBest;
    const worst = s.best[s.best.length - 1];
    let dropped: typeof s.best = [];
    if (k > 0 && Number.isFinite(value) && (s.best.length < k || (worst !== undefined && value < worst.metric))) {
      const file = `best-epoch-${String(epoch).padStart(4, '0')}.safetensors`;
      s.best.push({ file, metric: value, epoch });
      s.best.sort((a, b) => a.metric - b.metric || a.epoch - b.epoch);
      dropped = s.best.splice(k);
      this.#save(join(dir, file), module, opt);
    }
    this.#save(join(dir, LAST), module, opt);
    // Only now that 'last' no longer lists them: a kill between the removal and the save would
    // leave a 'last' naming a best checkpoint that is gone, which a resumed run then evaluates.
    for (const d of dropped) rmSync(join(dir, d.file), { force: true });
  }

  #save(path: string, module: Module, opt: Adam): void {
    const tensors = new Map<string, Tensor>();
    for (const [name, t] of module.stateDict()) tensors.set(`model.${name}`, t);
    const os = opt.stateDict();
    for (const [name, t] of os.tensors) tensors.set(`optim.${name}`, t);
    const rng = getRngState();
    const bytes = rng.toTypedArray();
    rng.dispose();
    const { signal: _s, callbacks: _c, reporter: _r, log: _l, checkpointMetadata, ...options } = this.options;
    const trainer = {
      ...this.#state,
      rngState: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
      optimizer: os.meta,
      options,
    };
    saveSafetensors(path, tensors, { ...checkpointMetadata, format: FORMAT, trainer: JSON.stringify(trainer) });
  }

  #resolveResume(from: string): string {
    if (from === 'last') {
      if (this.options.checkpointDir === undefined) throw new Error("Trainer: resumeFrom 'last' needs checkpointDir");
      return join(this.options.checkpointDir, LAST);
    }
    try {
      if (statSync(from).isDirectory()) return join(from, LAST);
    } catch {
      // Not found: loadSafetensors names the path in its error.
    }
    return from;
  }

  /** Loads weights, optimizer state, RNG state and loop counters; returns the counters. */
  #restore(path: string, module: Module, opt: Adam): LoopState {
    const file = loadSafetensors(path);
    try {
      if (file.metadata.format !== FORMAT || file.metadata.trainer === undefined) {
        throw new Error(`Trainer: ${path} is not a trainer checkpoint (metadata format '${file.metadata.format ?? ''}')`);
      }
      const saved = JSON.parse(file.metadata.trainer) as LoopState & { rngState: string; optimizer: OptimizerState['meta'] };
      const weights: StateDict = new Map();
      const optim = new Map<string, Tensor>();
      for (const [name, t] of file.tensors) {
        if (name.startsWith('model.')) weights.set(name.slice('model.'.length), t);
        else if (name.startsWith('optim.')) optim.set(name.slice('optim.'.length), t);
      }
      module.loadStateDict(weights);
      opt.loadStateDict({ tensors: optim, meta: saved.optimizer });
      const rng = fromTypedArray(new Uint8Array(Buffer.from(saved.rngState, 'base64')));
      try {
        setRngState(rng);
      } finally {
        rng.dispose();
      }
      return {
        epoch: saved.epoch,
        batchesDone: saved.batchesDone,
        partialLossSum: saved.partialLossSum,
        globalStep: saved.globalStep,
        monitor: saved.monitor,
        bestMetric: saved.bestMetric,
        bestEpoch: saved.bestEpoch,
        badEpochs: saved.badEpochs,
        best: saved.best,
        history: saved.history,
      };
    } finally {
      for (const t of file.tensors.values()) t.dispose();
    }
  }

  async #emit(call: (c: Callback) => void | Promise<void> | undefined): Promise<void> {
    for (const c of this.options.callbacks) await call(c);
  }

  #summary(m: EpochMetrics, seconds: number): string {
    const parts = [`epoch ${m.epoch}/${this.options.maxEpochs}`];
    for (const [k, v] of Object.entries(m)) if (k !== 'epoch' && k !== 'step' && k !== 'lr') parts.push(`${k} ${fmt(v)}`);
    parts.push(`lr ${(m.lr ?? Number.NaN).toExponential(2)}`);
    const s = this.#state;
    if (s.monitor !== null) parts.push(`best ${s.monitor} ${fmt(s.bestMetric ?? Number.NaN)} @ ${s.bestEpoch}`);
    parts.push(`${seconds.toFixed(1)}s`);
    return parts.join('  ');
  }
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toPrecision(4);
}
