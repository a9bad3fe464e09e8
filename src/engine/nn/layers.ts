// The layers a ResNet localization model needs. Parameter and buffer names follow PyTorch.

import { noGrad } from '../autograd.js';
import { ones, zeros } from '../creation.js';
import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { defaultWeightInit_, fanIn, uniform_ } from './init.js';
import { Module } from './module.js';

type Pair = number | [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly options: Required<Omit<Conv2dOptions, 'bias'>>;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, o: Conv2dOptions = {}) {
    super();
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    const groups = o.groups ?? 1;
    if (inChannels % groups !== 0) throw new RangeError(`Conv2d: inChannels ${inChannels} is not divisible by groups ${groups}`);
    this.options = { stride: o.stride ?? 1, padding: o.padding ?? 0, dilation: o.dilation ?? 1, groups };
    this.weight = this.registerParameter('weight', defaultWeightInit_(zeros([outChannels, inChannels / groups, kh, kw])));
    this.bias =
      o.bias === false ? null : this.registerParameter('bias', uniform_(zeros([outChannels]), 1 / Math.sqrt(fanIn(this.weight))));
  }

  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, this.options);
  }
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, o: { bias?: boolean } = {}) {
    super();
    this.weight = this.registerParameter('weight', defaultWeightInit_(zeros([outFeatures, inFeatures])));
    this.bias =
      o.bias === false ? null : this.registerParameter('bias', uniform_(zeros([outFeatures]), 1 / Math.sqrt(inFeatures)));
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}

export interface BatchNorm2dOptions {
  eps?: number;
  momentum?: number;
}

/** Batch norm over channels of [N, C, H, W]: batch statistics when training, running ones in eval. */
export class BatchNorm2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly numBatchesTracked: Tensor;
  readonly eps: number;
  readonly momentum: number;

  constructor(numFeatures: number, o: BatchNorm2dOptions = {}) {
    super();
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum ?? 0.1;
    this.weight = this.registerParameter('weight', ones([numFeatures]));
    this.bias = this.registerParameter('bias', zeros([numFeatures]));
    this.runningMean = this.registerBuffer('running_mean', zeros([numFeatures]));
    this.runningVar = this.registerBuffer('running_var', ones([numFeatures]));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', zeros([], 'int64'));
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected a 4-D input [N, C, H, W], got shape [${x.shape.join(', ')}]`);
    if (this.training) noGrad(() => this.numBatchesTracked.add_(1));
    return F.batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly options: F.MaxPool2dOptions = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, this.options);
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }
}

export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}

/** Runs children in order; they are named "0", "1", ... as in PyTorch. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    for (const [i, m] of layers.entries()) this.registerModule(String(i), m);
  }
  forward(x: Tensor): Tensor {
    // Intermediate outputs are released as soon as the next layer has consumed them; autograd
    // keeps what it needs for backward on its own.
    let out = x;
    for (const layer of this.layers) {
      const next = layer.forward(out);
      if (out !== x && out !== next) out.dispose();
      out = next;
    }
    return out;
  }
}
