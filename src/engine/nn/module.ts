// Module: the unit of a model. Owns parameters (trainable leaves), buffers (state that is
// saved but not trained, e.g. batch-norm running statistics) and child modules, and names them
// the way PyTorch does ("layer1.0.conv1.weight") so state dicts read across.
import { noGrad } from '../autograd.js';
import { keep } from '../scope.js';
import type { Tensor } from '../tensor.js';

export type StateDict = Map<string, Tensor>;

export abstract class Module {
  training = true;
  readonly #parameters = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  abstract forward(input: Tensor): Tensor;

  /** Registers a trainable tensor; it outlives any tidy() scope and requires grad. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.#parameters.set(name, keep(t).requiresGrad_(true));
    return t;
  }

  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.#buffers.set(name, keep(t));
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.#children.set(name, m);
    return m;
  }

  *namedChildren(): Generator<[string, Module]> {
    yield* this.#children;
  }

  *namedParameters(prefix = ''): Generator<[string, Tensor]> {
    for (const [n, p] of this.#parameters) yield [prefix + n, p];
    for (const [n, c] of this.#children) yield* c.namedParameters(`${prefix}${n}.`);
  }

  *namedBuffers(prefix = ''): Generator<[string, Tensor]> {
    for (const [n, b] of this.#buffers) yield [prefix + n, b];
    for (const [n, c] of this.#children) yield* c.namedBuffers(`${prefix}${n}.`);
  }

  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.numel, 0);
  }

  /** Switches this module and its children to training (true) or evaluation (false) behaviour. */
  train(mode = true): this {
    this.training = mode;
    for (const [, c] of this.#children) c.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameters and buffers by qualified name (live references, not copies). */
  stateDict(): StateDict {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into this module's tensors. With strict (default) every key must match
   * exactly; shapes must always match. Errors list the offending names.
   */
  loadStateDict(source: StateDict, strict = true): void {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !source.has(k));
    const unexpected = [...source.keys()].filter((k) => !own.has(k));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      throw new Error(
        `loadStateDict: keys do not match (missing: [${missing.join(', ')}]; unexpected: [${unexpected.join(', ')}])`,
      );
    }
    for (const [name, target] of own) {
      const src = source.get(name);
      if (src === undefined) continue;
      const a = target.shape.join(',');
      const b = src.shape.join(',');
      if (a !== b) throw new Error(`loadStateDict: '${name}' has shape [${b}] in the source but [${a}] in the model`);
    }
    noGrad(() => {
      for (const [name, target] of own) {
        const src = source.get(name);
        if (src !== undefined) target.copy_(src);
      }
    });
  }

  /** Clears every parameter's accumulated gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Releases every parameter and buffer. The module is unusable afterwards. */
  dispose(): void {
    for (const [, t] of this.stateDict()) t.dispose();
  }
}
