// The TypeScript face of a libtorch tensor. Method names follow PyTorch in camelCase
// (x.add(y), x.softplus(), x.requiresGrad_()) so the original Python design reads across.
import { type DType, type Handle, torch } from './native.js';
import { type Disposable, track } from './scope.js';

export type { DType } from './native.js';
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
type Operand = Tensor | number;

/** A libtorch error re-thrown with the name of the engine function that raised it. */
export class EngineError extends Error {
  constructor(op: string, cause: unknown) {
    super(`${op}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'EngineError';
  }
}

/** Runs a native call, naming the op in any error it raises. */
export function run<T>(op: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new EngineError(op, err);
  }
}

/**
 * Backstop for tensors nobody disposed: when the Tensor object is garbage-collected its native
 * memory is released in a later task. Deterministic release (dispose, tidy) stays the rule;
 * a synchronous loop that relies on this would grow until it yields to the event loop.
 */
const collected = new FinalizationRegistry<Handle>((h) => torch.dispose(h));

function dimsOf(dim: number | number[] | undefined): number[] | null {
  if (dim === undefined) return null;
  return Array.isArray(dim) ? dim : [dim];
}

export class Tensor implements Disposable {
  #handle: Handle | null;
  #shape: number[] | undefined;

  /** Wraps a native handle; registers the tensor with the innermost open tidy() scope. */
  constructor(handle: Handle) {
    this.#handle = handle;
    collected.register(this, handle, this);
    track(this);
  }

  get handle(): Handle {
    if (this.#handle === null) {
      throw new Error(
        `Tensor is disposed: it was released by dispose() or by the tidy() scope that created it; keep() it to use it later`,
      );
    }
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  /** Releases the native memory now. Safe to call twice. */
  dispose(): void {
    if (this.#handle !== null) {
      collected.unregister(this);
      torch.dispose(this.#handle);
      this.#handle = null;
    }
  }

  // --- metadata and data -------------------------------------------------------------
  get shape(): number[] {
    this.#shape ??= torch.shape(this.handle);
    return [...this.#shape];
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get dtype(): DType {
    return torch.dtype(this.handle);
  }
  /** A copy of the elements (row-major) as float32. */
  toFloat32Array(): Float32Array {
    if (this.dtype === 'float32') return torch.toArray(this.handle) as Float32Array;
    const h = torch.to(this.handle, 'float32');
    try {
      return torch.toArray(h) as Float32Array;
    } finally {
      torch.dispose(h);
    }
  }
  /** A copy of the elements in the typed array matching the dtype (bool gives Uint8Array). */
  toTypedArray(): TypedArray {
    return torch.toArray(this.handle);
  }
  /** The value of a one-element tensor. */
  item(): number {
    return run('item', () => torch.item(this.handle));
  }
  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // --- arithmetic (broadcasting; a number is a scalar) ---------------------------------
  add(b: Operand, alpha = 1): Tensor {
    const h = this.handle;
    return new Tensor(run('add', () => (typeof b === 'number' ? torch.addScalar(h, b, alpha) : torch.add(h, b.handle, alpha))));
  }
  sub(b: Operand): Tensor {
    const h = this.handle;
    return new Tensor(run('sub', () => (typeof b === 'number' ? torch.subScalar(h, b) : torch.sub(h, b.handle))));
  }
  mul(b: Operand): Tensor {
    const h = this.handle;
    return new Tensor(run('mul', () => (typeof b === 'number' ? torch.mulScalar(h, b) : torch.mul(h, b.handle))));
  }
  div(b: Operand): Tensor {
    const h = this.handle;
    return new Tensor(run('div', () => (typeof b === 'number' ? torch.divScalar(h, b) : torch.div(h, b.handle))));
  }
  pow(exponent: Operand): Tensor {
    const h = this.handle;
    return new Tensor(
      run('pow', () => (typeof exponent === 'number' ? torch.powScalar(h, exponent) : torch.pow(h, exponent.handle))),
    );
  }
  maximum(b: Tensor): Tensor {
    return new Tensor(run('maximum', () => torch.maximum(this.handle, b.handle)));
  }
  minimum(b: Tensor): Tensor {
    return new Tensor(run('minimum', () => torch.minimum(this.handle, b.handle)));
  }
  matmul(b: Tensor): Tensor {
    return new Tensor(run('matmul', () => torch.matmul(this.handle, b.handle)));
  }
  neg(): Tensor {
    return new Tensor(torch.neg(this.handle));
  }
  exp(): Tensor {
    return new Tensor(torch.exp(this.handle));
  }
  log(): Tensor {
    return new Tensor(torch.log(this.handle));
  }
  log1p(): Tensor {
    return new Tensor(torch.log1p(this.handle));
  }
  sqrt(): Tensor {
    return new Tensor(torch.sqrt(this.handle));
  }
  abs(): Tensor {
    return new Tensor(torch.abs(this.handle));
  }
  relu(): Tensor {
    return new Tensor(torch.relu(this.handle));
  }
  sigmoid(): Tensor {
    return new Tensor(torch.sigmoid(this.handle));
  }
  tanh(): Tensor {
    return new Tensor(torch.tanh(this.handle));
  }
  sin(): Tensor {
    return new Tensor(torch.sin(this.handle));
  }
  cos(): Tensor {
    return new Tensor(torch.cos(this.handle));
  }
  isfinite(): Tensor {
    return new Tensor(torch.isfinite(this.handle));
  }
  /** log(1 + exp(beta·x)) / beta, linear where beta·x > threshold (PyTorch's softplus). */
  softplus(beta = 1, threshold = 20): Tensor {
    return new Tensor(run('softplus', () => torch.softplus(this.handle, beta, threshold)));
  }
  clamp(min: number | null, max: number | null = null): Tensor {
    return new Tensor(run('clamp', () => torch.clamp(this.handle, min, max)));
  }
  gt(b: Operand): Tensor {
    const h = this.handle;
    return new Tensor(run('gt', () => (typeof b === 'number' ? torch.gtScalar(h, b) : torch.gt(h, b.handle))));
  }
  lt(b: Operand): Tensor {
    const h = this.handle;
    return new Tensor(run('lt', () => (typeof b === 'number' ? torch.ltScalar(h, b) : torch.lt(h, b.handle))));
  }
  ge(b: Operand): Tensor {
    const h = this.handle;
    return new Tensor(run('ge', () => (typeof b === 'number' ? torch.geScalar(h, b) : torch.ge(h, b.handle))));
  }
  le(b: Operand): Tensor {
    const h = this.handle;
    return new Tensor(run('le', () => (typeof b === 'number' ? torch.leScalar(h, b) : torch.le(h, b.handle))));
  }
  eq(b: Operand): Tensor {
    const h = this.handle;
    return new Tensor(run('eq', () => (typeof b === 'number' ? torch.eqScalar(h, b) : torch.eq(h, b.handle))));
  }

  // --- reductions (no dim: over every element) -----------------------------------------
  sum(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(run('sum', () => torch.sum(this.handle, dimsOf(dim), keepdim)));
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(run('mean', () => torch.mean(this.handle, dimsOf(dim), keepdim)));
  }
  amax(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(run('amax', () => torch.amax(this.handle, dimsOf(dim), keepdim)));
  }
  amin(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(run('amin', () => torch.amin(this.handle, dimsOf(dim), keepdim)));
  }
  argmax(dim: number, keepdim = false): Tensor {
    return new Tensor(run('argmax', () => torch.argmax(this.handle, dim, keepdim)));
  }
  /** The vector p-norm over `dim` (default: all elements). */
  norm(p = 2, dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(run('norm', () => torch.norm(this.handle, p, dimsOf(dim), keepdim)));
  }

  // --- shape ------------------------------------------------------------------------------
  reshape(...shape: number[]): Tensor {
    return new Tensor(run('reshape', () => torch.reshape(this.handle, shape)));
  }
  permute(...dims: number[]): Tensor {
    return new Tensor(run('permute', () => torch.permute(this.handle, dims)));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return new Tensor(run('transpose', () => torch.transpose(this.handle, dim0, dim1)));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return new Tensor(run('flatten', () => torch.flatten(this.handle, startDim, endDim)));
  }
  unsqueeze(dim: number): Tensor {
    return new Tensor(run('unsqueeze', () => torch.unsqueeze(this.handle, dim)));
  }
  squeeze(dim?: number): Tensor {
    return new Tensor(run('squeeze', () => torch.squeeze(this.handle, dim)));
  }
  expand(...shape: number[]): Tensor {
    return new Tensor(run('expand', () => torch.expand(this.handle, shape)));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(run('narrow', () => torch.narrow(this.handle, dim, start, length)));
  }
  /** Elements start..end-1 (step) along dim; Python slice semantics for negative bounds. */
  slice(dim: number, start: number, end: number = Number.MAX_SAFE_INTEGER, step = 1): Tensor {
    return new Tensor(run('slice', () => torch.slice(this.handle, dim, start, end, step)));
  }
  /** Index `index` along `dim`, removing that dimension (x[:, i] for dim 1). */
  select(dim: number, index: number): Tensor {
    return new Tensor(run('select', () => torch.select(this.handle, dim, index)));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(run('indexSelect', () => torch.indexSelect(this.handle, dim, index.handle)));
  }
  contiguous(): Tensor {
    return new Tensor(torch.contiguous(this.handle));
  }
  clone(): Tensor {
    return new Tensor(torch.clone(this.handle));
  }
  /** Same data, cut from the autograd graph. */
  detach(): Tensor {
    return new Tensor(torch.detach(this.handle));
  }
  to(dtype: DType): Tensor {
    return new Tensor(run('to', () => torch.to(this.handle, dtype)));
  }

  // --- autograd ----------------------------------------------------------------------------
  get requiresGrad(): boolean {
    return torch.requiresGrad(this.handle);
  }
  /** Marks the tensor as a leaf whose gradient autograd accumulates. Returns this. */
  requiresGrad_(on = true): this {
    run('requiresGrad_', () => torch.setRequiresGrad(this.handle, on));
    return this;
  }
  get isLeaf(): boolean {
    return torch.isLeaf(this.handle);
  }
  /** The accumulated gradient (a new reference on each access), or null before backward(). */
  get grad(): Tensor | null {
    const g = torch.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) {
    run('grad', () => torch.setGrad(this.handle, g === null ? null : g.handle));
  }
  /** Accumulates d(this)/d(leaf) into every leaf's .grad; `this` must be a scalar unless grad is given. */
  backward(grad: Tensor | null = null, options: { retainGraph?: boolean } = {}): void {
    run('backward', () => torch.backward(this.handle, grad === null ? null : grad.handle, options.retainGraph ?? false));
  }

  // --- in-place (optimizers and initializers; call under noGrad() on leaves) ---------------
  mul_(b: Operand): this {
    const h = this.handle;
    run('mul_', () => (typeof b === 'number' ? torch.mulScalar_(h, b) : torch.mul_(h, b.handle)));
    return this;
  }
  add_(b: Operand, alpha = 1): this {
    const h = this.handle;
    run('add_', () => (typeof b === 'number' ? torch.addScalar_(h, b, alpha) : torch.add_(h, b.handle, alpha)));
    return this;
  }
  /** this += value · a · b */
  addcmul_(a: Tensor, b: Tensor, value = 1): this {
    run('addcmul_', () => torch.addcmul_(this.handle, a.handle, b.handle, value));
    return this;
  }
  /** this += value · a / b */
  addcdiv_(a: Tensor, b: Tensor, value = 1): this {
    run('addcdiv_', () => torch.addcdiv_(this.handle, a.handle, b.handle, value));
    return this;
  }
  copy_(src: Tensor): this {
    run('copy_', () => torch.copy_(this.handle, src.handle));
    return this;
  }
  zero_(): this {
    run('zero_', () => torch.zero_(this.handle));
    return this;
  }
  fill_(value: number): this {
    run('fill_', () => torch.fill_(this.handle, value));
    return this;
  }
  uniform_(low: number, high: number): this {
    run('uniform_', () => torch.uniform_(this.handle, low, high));
    return this;
  }
  normal_(mean = 0, std = 1): this {
    run('normal_', () => torch.normal_(this.handle, mean, std));
    return this;
  }
}
