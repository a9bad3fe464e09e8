// The contracts between a model, its data and the Trainer, in the spirit of PyTorch Lightning:
// the model says WHAT to compute (a loss, some metrics), the Trainer decides WHEN (epochs,
// batches, validation, checkpoints, stopping). Callbacks and a Reporter watch from outside.
import type { Module } from '../engine/nn/module.js';
import type { Tensor } from '../engine/tensor.js';
import type { FitResult, Trainer } from './trainer.js';

/** A model the Trainer can fit. Batches are whatever the DataSource yields. */
export interface TrainableModule<B> {
  /** The engine module whose parameters are trained, checkpointed and restored. */
  module: Module;
  /**
   * Returns the scalar loss of one batch. Runs inside the trainer's tidy() with grad enabled and
   * the module in training mode; the trainer does zeroGrad, backward, clipping and the step.
   */
  trainingStep(batch: B): Tensor;
  /**
   * Returns metrics of one batch, computed under noGrad() with the module in eval mode (inside a
   * tidy). Return per-batch MEANS plus `count` (the batch's weight, usually its size; default 1):
   * the trainer reports the count-weighted mean over the whole validation set as `val_<name>`
   * (a name already starting with `val_` is kept as is).
   */
  validationStep(batch: B): Record<string, number>;
}

/**
 * Batches for one epoch. `epoch(e)` (e = 1, 2, ...) must be a pure function of the source's seed
 * and `e`, so a resumed run sees the same batches as an uninterrupted one. It must not draw from
 * libtorch's RNG (that state belongs to the model: dropout, initialization).
 *
 * Tensors inside a yielded batch (a Tensor, or arrays/plain objects of them) belong to the trainer
 * once yielded and are disposed after the batch's step: yield fresh tensors (e.g. an indexSelect
 * of a kept dataset tensor), never cached ones.
 */
export interface DataSource<B> {
  epoch(epoch: number): AsyncIterable<B> | Iterable<B>;
  /** Known batch count per epoch (for progress bars and a schedule's default totalSteps). */
  batchesPerEpoch?: number;
}

/**
 * Hooks into a fit. Every hook is optional (an absent hook does nothing) and may be async; the
 * trainer awaits it. Epochs are numbered from 1; `batchIndex` counts from 0 within an epoch.
 * Read the trainer's progress from `trainer.epoch`, `trainer.globalStep`, `trainer.lr`,
 * `trainer.batchesPerEpoch` and `trainer.history`.
 */
export interface Callback {
  /** Once, after the optimizer exists and any checkpoint has been restored, before the first batch. */
  onFitStart?(trainer: Trainer): void | Promise<void>;
  /** Before the first batch of each epoch (also for an epoch resumed half-way). */
  onTrainEpochStart?(trainer: Trainer, epoch: number): void | Promise<void>;
  /** After each optimizer step: the batch's loss and its index in the epoch (drives progress bars). */
  onTrainBatchEnd?(trainer: Trainer, loss: number, batchIndex: number): void | Promise<void>;
  /** After validation and checkpointing: the epoch's full metrics (epoch, step, train_loss, lr, val_*). */
  onTrainEpochEnd?(trainer: Trainer, metrics: Record<string, number>): void | Promise<void>;
  /** After each validation pass: the aggregated `val_*` metrics. */
  onValidationEnd?(trainer: Trainer, metrics: Record<string, number>): void | Promise<void>;
  /** Once, when fit returns normally (max epochs, early stopping, or abort). */
  onFitEnd?(trainer: Trainer, result: FitResult): void | Promise<void>;
  /** When fit fails: called with the error, which is then re-thrown. */
  onException?(trainer: Trainer, error: unknown): void | Promise<void>;
}

/** Where metrics go (experiment tracking plugs in here). `step` is the global optimizer step. */
export interface Reporter {
  log(metrics: Record<string, number>, step: number): void;
}
