// Base of the optimizers: parameter list, settable learning rate, zeroGrad, and a state dict
// (tensors by stable name + JSON hyper-parameters) so a resumed run continues exactly.
import type { Tensor } from '../tensor.js';

export interface OptimizerState {
  /** Per-parameter state tensors, named "<paramIndex>.<slot>" (e.g. "3.exp_avg"). */
  tensors: Map<string, Tensor>;
  /** Hyper-parameters and counters (JSON-serializable). */
  meta: Record<string, number | number[] | string | boolean>;
}

export abstract class Optimizer {
  protected readonly params: Tensor[];
  #lr: number;

  constructor(params: Tensor[], lr: number) {
    if (params.length === 0) throw new RangeError('Optimizer: got an empty parameter list');
    if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`Optimizer: learning rate must be a positive number, got ${lr}`);
    for (const [i, p] of params.entries()) {
      if (!p.requiresGrad)
        throw new RangeError(`Optimizer: parameter ${i} (shape [${p.shape.join(', ')}]) does not require grad`);
    }
    this.params = params;
    this.#lr = lr;
  }

  get lr(): number {
    return this.#lr;
  }
  /** Learning-rate schedules set this before each step. */
  set lr(value: number) {
    if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`Optimizer: learning rate must be >= 0, got ${value}`);
    this.#lr = value;
  }

  /** Applies one update from the accumulated gradients (parameters without a gradient are skipped). */
  abstract step(): void;

  abstract stateDict(): OptimizerState;
  abstract loadStateDict(state: OptimizerState): void;

  /** Drops the accumulated gradients (PyTorch's set_to_none=True behaviour). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** Releases the optimizer's own state tensors. */
  abstract dispose(): void;
}
