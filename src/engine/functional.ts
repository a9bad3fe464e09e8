// Neural-network functions over tensors (PyTorch's torch.nn.functional, camelCased).
import { torch } from './native.js';
import { run, Tensor } from './tensor.js';

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/** 2-D convolution; input [N, C, H, W], weight [out, C/groups, kh, kw]. */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, o: Conv2dOptions = {}): Tensor {
  return new Tensor(
    run('conv2d', () =>
      torch.conv2d(
        input.handle,
        weight.handle,
        bias?.handle ?? null,
        pair(o.stride ?? 1),
        pair(o.padding ?? 0),
        pair(o.dilation ?? 1),
        o.groups ?? 1,
      ),
    ),
  );
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** In training mode, normalize with the batch statistics and update the running ones. */
  training: boolean;
  /** Weight of the new batch in the running statistics (PyTorch's convention, default 0.1). */
  momentum?: number;
  eps?: number;
}

/** Batch normalization over dim 1; running statistics are updated in place when training. */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, o: BatchNormOptions): Tensor {
  return new Tensor(
    run('batchNorm', () =>
      torch.batchNorm(
        input.handle,
        o.weight?.handle ?? null,
        o.bias?.handle ?? null,
        runningMean?.handle ?? null,
        runningVar?.handle ?? null,
        o.training,
        o.momentum ?? 0.1,
        o.eps ?? 1e-5,
      ),
    ),
  );
}

export interface MaxPool2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

export function maxPool2d(input: Tensor, kernelSize: Pair, o: MaxPool2dOptions = {}): Tensor {
  const k = pair(kernelSize);
  return new Tensor(
    run('maxPool2d', () =>
      torch.maxPool2d(input.handle, k, pair(o.stride ?? k), pair(o.padding ?? 0), pair(o.dilation ?? 1), o.ceilMode ?? false),
    ),
  );
}

export function adaptiveAvgPool2d(input: Tensor, outputSize: Pair): Tensor {
  return new Tensor(run('adaptiveAvgPool2d', () => torch.adaptiveAvgPool2d(input.handle, pair(outputSize))));
}

/** Mean over the spatial dimensions: [N, C, H, W] → [N, C]. */
export function globalAvgPool2d(input: Tensor): Tensor {
  return input.mean([2, 3]);
}

/** x Wᵀ + b with weight [out, in]. */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return new Tensor(run('linear', () => torch.linear(input.handle, weight.handle, bias?.handle ?? null)));
}

export function relu(input: Tensor): Tensor {
  return input.relu();
}

export function softplus(input: Tensor, beta = 1, threshold = 20): Tensor {
  return input.softplus(beta, threshold);
}

export function dropout(input: Tensor, p: number, training: boolean): Tensor {
  return new Tensor(run('dropout', () => torch.dropout(input.handle, p, training)));
}

/** Mean squared error averaged over all elements. */
export function mseLoss(prediction: Tensor, target: Tensor): Tensor {
  const diff = prediction.sub(target);
  const sq = diff.mul(diff);
  const loss = sq.mean();
  diff.dispose();
  sq.dispose();
  return loss;
}
