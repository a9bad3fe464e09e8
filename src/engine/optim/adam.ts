// Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), computed the way PyTorch's
// single-tensor implementation does, so runs can be compared step for step.
import { noGrad } from '../autograd.js';
import { zeros } from '../creation.js';
import { keep } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, type OptimizerState } from './optimizer.js';

export interface AdamOptions {
  /** Learning rate (default 1e-3, the original plan's value). */
  lr?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** L2 penalty. Adam adds it to the gradient; AdamW decays the weights directly (default 0 / 1e-2). */
  weightDecay?: number;
}

interface Slot {
  expAvg: Tensor;
  expAvgSq: Tensor;
}

export class Adam extends Optimizer {
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  /** true: AdamW's decoupled decay; false: Adam's L2 term in the gradient. */
  protected readonly decoupled: boolean = false;
  #step = 0;
  #slots: (Slot | undefined)[] = [];

  constructor(params: Tensor[], o: AdamOptions = {}) {
    super(params, o.lr ?? 1e-3);
    this.betas = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? this.defaultWeightDecay();
    const [b1, b2] = this.betas;
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new RangeError(`Adam: betas must lie in [0, 1), got [${b1}, ${b2}]`);
    if (!(this.eps >= 0)) throw new RangeError(`Adam: eps must be >= 0, got ${this.eps}`);
    if (!(this.weightDecay >= 0)) throw new RangeError(`Adam: weightDecay must be >= 0, got ${this.weightDecay}`);
  }

  protected defaultWeightDecay(): number {
    return 0;
  }

  /** Number of steps taken so far. */
  get stepCount(): number {
    return this.#step;
  }

  step(): void {
    this.#step += 1;
    const [b1, b2] = this.betas;
    const lr = this.lr;
    const biasCorrection1 = 1 - b1 ** this.#step;
    const biasCorrection2Sqrt = Math.sqrt(1 - b2 ** this.#step);
    const stepSize = lr / biasCorrection1;
    noGrad(() => {
      for (const [i, p] of this.params.entries()) {
        const grad = p.grad;
        if (grad === null) continue;
        const slot = this.#slot(i, p);
        let g = grad;
        if (this.weightDecay !== 0) {
          if (this.decoupled) p.mul_(1 - lr * this.weightDecay);
          else g = grad.add(p, this.weightDecay);
        }
        slot.expAvg.mul_(b1).add_(g, 1 - b1);
        slot.expAvgSq.mul_(b2).addcmul_(g, g, 1 - b2);
        const root = slot.expAvgSq.sqrt();
        const denom = root.div(biasCorrection2Sqrt).add_(this.eps);
        p.addcdiv_(slot.expAvg, denom, -stepSize);
        root.dispose();
        denom.dispose();
        if (g !== grad) g.dispose();
        grad.dispose();
      }
    });
  }

  #slot(i: number, p: Tensor): Slot {
    let slot = this.#slots[i];
    if (slot === undefined) {
      slot = { expAvg: keep(zeros(p.shape, p.dtype)), expAvgSq: keep(zeros(p.shape, p.dtype)) };
      this.#slots[i] = slot;
    }
    return slot;
  }

  stateDict(): OptimizerState {
    const tensors = new Map<string, Tensor>();
    this.#slots.forEach((s, i) => {
      if (s === undefined) return;
      tensors.set(`${i}.exp_avg`, s.expAvg);
      tensors.set(`${i}.exp_avg_sq`, s.expAvgSq);
    });
    return {
      tensors,
      meta: {
        kind: this.decoupled ? 'AdamW' : 'Adam',
        step: this.#step,
        lr: this.lr,
        betas: [...this.betas],
        eps: this.eps,
        weightDecay: this.weightDecay,
      },
    };
  }

  loadStateDict(state: OptimizerState): void {
    const kind = this.decoupled ? 'AdamW' : 'Adam';
    if (state.meta.kind !== kind) throw new Error(`${kind}.loadStateDict: the state belongs to ${String(state.meta.kind)}`);
    if (typeof state.meta.step !== 'number') throw new Error(`${kind}.loadStateDict: meta.step is missing`);
    if (typeof state.meta.lr === 'number') this.lr = state.meta.lr;
    this.#step = state.meta.step;
    noGrad(() => {
      for (const [i, p] of this.params.entries()) {
        const m = state.tensors.get(`${i}.exp_avg`);
        const v = state.tensors.get(`${i}.exp_avg_sq`);
        if (m === undefined || v === undefined) continue;
        if (m.shape.join() !== p.shape.join() || v.shape.join() !== p.shape.join()) {
          throw new Error(
            `${kind}.loadStateDict: state of parameter ${i} has shape [${m.shape.join(', ')}], parameter has [${p.shape.join(', ')}]`,
          );
        }
        const slot = this.#slot(i, p);
        slot.expAvg.copy_(m);
        slot.expAvgSq.copy_(v);
      }
    });
  }

  dispose(): void {
    for (const s of this.#slots) {
      s?.expAvg.dispose();
      s?.expAvgSq.dispose();
    }
    this.#slots = [];
  }
}

/** Adam with decoupled weight decay (default 1e-2, as PyTorch's AdamW). */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  protected override defaultWeightDecay(): number {
    return 1e-2;
  }
}
