// Creating tensors, and the functions of several tensors (cat, stack, where).
import { type DType, torch } from './native.js';
import { run, Tensor, type TypedArray } from './tensor.js';

function checkShape(fn: string, shape: number[]): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new RangeError(`${fn}: shape must hold non-negative integers, got [${shape.join(', ')}]`);
  }
}

/** A float32 tensor holding a copy of `data`, laid out row-major in `shape` (default: 1-D). */
export function fromFloat32Array(data: Float32Array, shape: number[] = [data.length]): Tensor {
  checkShape('fromFloat32Array', shape);
  return new Tensor(run('fromFloat32Array', () => torch.fromArray(data, shape)));
}

/** A tensor copied from any supported typed array; the dtype follows the array type. */
export function fromTypedArray(data: TypedArray, shape: number[] = [data.length]): Tensor {
  checkShape('fromTypedArray', shape);
  return new Tensor(run('fromTypedArray', () => torch.fromArray(data, shape)));
}

/** A tensor from nested-free JS numbers (float32 unless dtype says otherwise). */
export function tensor(values: number[], shape: number[] = [values.length], dtype: DType = 'float32'): Tensor {
  checkShape('tensor', shape);
  switch (dtype) {
    case 'float32':
      return fromTypedArray(Float32Array.from(values), shape);
    case 'float64':
      return fromTypedArray(Float64Array.from(values), shape);
    case 'int32':
      return fromTypedArray(Int32Array.from(values), shape);
    case 'int64':
      return fromTypedArray(
        BigInt64Array.from(values, (v) => BigInt(v)),
        shape,
      );
    case 'uint8':
      return fromTypedArray(Uint8Array.from(values), shape);
    case 'bool':
      return new Tensor(
        run('tensor', () =>
          torch.fromArray(
            Uint8Array.from(values, (v) => (v ? 1 : 0)),
            shape,
            true,
          ),
        ),
      );
    default:
      throw new TypeError(`tensor: unknown dtype '${String(dtype)}' (expected float32, float64, int32, int64, uint8 or bool)`);
  }
}

export function zeros(shape: number[], dtype: DType = 'float32'): Tensor {
  checkShape('zeros', shape);
  return new Tensor(torch.zeros(shape, dtype));
}
export function ones(shape: number[], dtype: DType = 'float32'): Tensor {
  checkShape('ones', shape);
  return new Tensor(torch.ones(shape, dtype));
}
export function full(shape: number[], value: number, dtype: DType = 'float32'): Tensor {
  checkShape('full', shape);
  return new Tensor(torch.full(shape, value, dtype));
}
/** Standard normal samples from libtorch's generator (seeded by manualSeed). */
export function randn(shape: number[], dtype: DType = 'float32'): Tensor {
  checkShape('randn', shape);
  return new Tensor(torch.randn(shape, dtype));
}
/** Uniform [0, 1) samples from libtorch's generator. */
export function rand(shape: number[], dtype: DType = 'float32'): Tensor {
  checkShape('rand', shape);
  return new Tensor(torch.rand(shape, dtype));
}
/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number): Tensor {
  return new Tensor(run('randperm', () => torch.randperm(n)));
}
export function arange(start: number, end: number, step = 1, dtype: DType = 'float32'): Tensor {
  return new Tensor(run('arange', () => torch.arange(start, end, step, dtype)));
}

export function cat(tensors: Tensor[], dim = 0): Tensor {
  return new Tensor(
    run('cat', () =>
      torch.cat(
        tensors.map((t) => t.handle),
        dim,
      ),
    ),
  );
}
export function stack(tensors: Tensor[], dim = 0): Tensor {
  return new Tensor(
    run('stack', () =>
      torch.stack(
        tensors.map((t) => t.handle),
        dim,
      ),
    ),
  );
}
/** Elementwise cond ? a : b (cond is a bool tensor). */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  return new Tensor(run('where', () => torch.where(cond.handle, a.handle, b.handle)));
}
