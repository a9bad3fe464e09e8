// Weight initialization, matching PyTorch's defaults so training behaves alike.
import { noGrad } from '../autograd.js';
import type { Tensor } from '../tensor.js';

/** fan_in of a weight [out, in, ...kernel]: in · prod(kernel). */
export function fanIn(weight: Tensor): number {
  const [, inputs = 1, ...kernel] = weight.shape;
  return kernel.reduce((a, b) => a * b, inputs);
}

/** U(-bound, bound) in place. */
export function uniform_(t: Tensor, bound: number): Tensor {
  noGrad(() => t.uniform_(-bound, bound));
  return t;
}

/**
 * PyTorch's default for Conv2d/Linear weights: kaiming_uniform_(a=√5), which reduces to
 * U(-1/√fan_in, 1/√fan_in).
 */
export function defaultWeightInit_(weight: Tensor): Tensor {
  return uniform_(weight, 1 / Math.sqrt(fanIn(weight)));
}

/** Kaiming-normal for ReLU networks (fan_out mode, as torchvision's ResNet uses). */
export function kaimingNormalFanOut_(weight: Tensor): Tensor {
  const [out = 1, , ...kernel] = weight.shape;
  const fanOut = kernel.reduce((a, b) => a * b, out);
  noGrad(() => weight.normal_(0, Math.sqrt(2 / fanOut)));
  return weight;
}
