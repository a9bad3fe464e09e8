// What to compute when training LocalizationNet (the Trainer decides when): the Gaussian NLL of
// the true position under the predicted position and covariance, in units of the network scale.
import { fromFloat32Array, fromTypedArray } from '../engine/creation.js';
import type { Tensor } from '../engine/tensor.js';
import { type LocalizationNet, PRIOR_INPUT_WIDTH } from '../model/localization-net.js';
import { DEFAULT_SIGMA_FLOOR, gaussianNll } from '../model/losses.js';
import { priorInputs } from '../model/prior-inputs.js';
import type { Batch, BatchSource } from '../signal/features/batch.js';
import type { DataSource, TrainableModule } from './types.js';

export interface TensorBatch {
  /** [B, R, melBands, frames]; absent for a network without the spectrogram trunk. */
  mel?: Tensor;
  scalars: Tensor;
  mask: Tensor;
  /** [B, 6] the physics prior in network units (model/prior-inputs.ts), for a network that corrects it. */
  prior?: Tensor;
  /** [B, 2] true east/north in units of the network scale. */
  target: Tensor;
}

/** What toTensors reads of a loader Batch: power-only data need not carry spectrograms. */
export type TensorSource = Pick<Batch, 'size' | 'scalars' | 'mask' | 'prior' | 'target'> & { mel?: Float32Array };

export interface TensorDims {
  receivers: number;
  scalarCount: number;
  scaleM: number;
  /** The spectrogram size, for a network with the trunk; without it the batch's mel is not read. */
  mel?: { melBands: number; frames: number };
  /** Set for a network that corrects the physics prior: the σ floor its raw outputs use. */
  prior?: { sigmaFloor: number };
}

/** Loader batches (typed arrays) as engine tensors; the trainer disposes them after each step. */
export function toTensors(b: TensorSource, d: TensorDims): TensorBatch {
  const target = Float32Array.from(b.target, (v) => v / d.scaleM);
  return {
    ...(d.mel ? { mel: fromFloat32Array(requireMel(b), [b.size, d.receivers, d.mel.melBands, d.mel.frames]) } : {}),
    scalars: fromFloat32Array(b.scalars, [b.size, d.receivers, d.scalarCount]),
    mask: fromTypedArray(b.mask, [b.size, d.receivers]),
    ...(d.prior
      ? {
          prior: fromFloat32Array(priorInputs(b.prior, { scaleM: d.scaleM, sigmaFloor: d.prior.sigmaFloor }), [
            b.size,
            PRIOR_INPUT_WIDTH,
          ]),
        }
      : {}),
    target: fromFloat32Array(target, [b.size, 2]),
  };
}

function requireMel(b: TensorSource): Float32Array {
  if (b.mel === undefined) throw new RangeError('toTensors: the network reads spectrograms; the batch has no mel');
  return b.mel;
}

/**
 * toTensors for a given network: its receivers, scalars, scale and, if it has them, the
 * spectrogram (melBands × frames) and prior inputs.
 */
export function tensorsFor(
  net: LocalizationNet,
  b: TensorSource,
  melBands: number,
  frames: number,
  sigmaFloor: number,
): TensorBatch {
  const o = net.options;
  return toTensors(b, {
    receivers: net.receiverCount,
    scalarCount: o.scalarCount,
    scaleM: o.scaleM,
    ...(net.trunk ? { mel: { melBands, frames } } : {}),
    ...(o.prior ? { prior: { sigmaFloor } } : {}),
  });
}

export function loaderSource(
  loader: BatchSource,
  net: LocalizationNet,
  melBands: number,
  frames: number,
  sigmaFloor = DEFAULT_SIGMA_FLOOR,
): DataSource<TensorBatch> {
  return {
    batchesPerEpoch: loader.batchesPerEpoch,
    async *epoch(e: number) {
      for await (const b of loader.epoch(e)) yield tensorsFor(net, b, melBands, frames, sigmaFloor);
    },
  };
}

export class LocalizationModule implements TrainableModule<TensorBatch> {
  constructor(
    readonly net: LocalizationNet,
    readonly sigmaFloor = 1e-3,
  ) {}

  get module() {
    return this.net;
  }

  #loss(b: TensorBatch): Tensor {
    const { position, raw } = this.net.predict(b);
    return gaussianNll(position, raw, b.target, { floor: this.sigmaFloor, diagonal: this.net.options.diagonal ?? false });
  }

  trainingStep(b: TensorBatch): Tensor {
    return this.#loss(b);
  }

  validationStep(b: TensorBatch): Record<string, number> {
    const { position } = this.net.predict(b);
    const nll = this.#loss(b).item();
    const err = position.sub(b.target).pow(2).sum(1).sqrt().mean().item() * this.net.options.scaleM;
    return { nll, error_m: err, count: b.mask.shape[0] as number };
  }
}
