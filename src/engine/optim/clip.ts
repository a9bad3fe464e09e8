// Gradient-norm clipping (PyTorch's clip_grad_norm_ with the L2 norm).
import { noGrad } from '../autograd.js';
import { stack } from '../creation.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';

/**
 * Scales all gradients together so their joint L2 norm is at most maxNorm.
 * Returns the norm before clipping (NaN/Infinity pass through so callers can detect divergence).
 */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  return tidy(() =>
    noGrad(() => {
      const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      if (grads.length === 0) return 0;
      const total = stack(grads.map((g) => g.norm(2)))
        .norm(2)
        .item();
      const coef = maxNorm / (total + 1e-6);
      if (coef < 1) for (const g of grads) g.mul_(coef);
      return total;
    }),
  );
}
