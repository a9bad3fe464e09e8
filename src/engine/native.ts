// Loads the libtorch addon built from native/ and describes its functions.
// Only src/engine talks to this module; everything else uses Tensor and friends.
import './blas-threads.js'; // first: OpenBLAS reads its thread count when the addon loads it
import { loadAddon } from '../util/native-addon.js';

/** Id of one libtorch tensor in the addon's slot table (a number; stale ids are detected). */
export type Handle = number & { readonly __brand: 'HeimdallTorchHandle' };
export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool';
type H = Handle;
type Dims = number[] | null;

export interface NativeTorch {
  fromArray(data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array, shape: number[], asBool?: boolean): H;
  toArray(t: H): Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
  shape(t: H): number[];
  dtype(t: H): DType;
  item(t: H): number;
  zeros(shape: number[], dtype?: DType): H;
  ones(shape: number[], dtype?: DType): H;
  full(shape: number[], value: number, dtype?: DType): H;
  randn(shape: number[], dtype?: DType): H;
  rand(shape: number[], dtype?: DType): H;
  randperm(n: number): H;
  arange(start: number, end: number, step: number, dtype?: DType): H;
  clone(t: H): H;
  detach(t: H): H;
  contiguous(t: H): H;
  to(t: H, dtype: DType): H;
  /** Releases the tensor; false if the id was already released. */
  dispose(t: H): boolean;
  liveHandles(): number;
  manualSeed(seed: number): void;
  getRngState(): H;
  setRngState(state: H): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  version(): string;

  add(a: H, b: H, alpha?: number): H;
  addScalar(a: H, b: number, alpha?: number): H;
  sub(a: H, b: H): H;
  subScalar(a: H, b: number): H;
  mul(a: H, b: H): H;
  mulScalar(a: H, b: number): H;
  div(a: H, b: H): H;
  divScalar(a: H, b: number): H;
  pow(a: H, b: H): H;
  powScalar(a: H, b: number): H;
  maximum(a: H, b: H): H;
  minimum(a: H, b: H): H;
  atan2(a: H, b: H): H;
  neg(a: H): H;
  exp(a: H): H;
  log(a: H): H;
  log1p(a: H): H;
  sqrt(a: H): H;
  abs(a: H): H;
  relu(a: H): H;
  sigmoid(a: H): H;
  tanh(a: H): H;
  sin(a: H): H;
  cos(a: H): H;
  isfinite(a: H): H;
  softplus(a: H, beta: number, threshold: number): H;
  clamp(a: H, min: number | null, max: number | null): H;
  where(cond: H, a: H, b: H): H;
  gt(a: H, b: H): H;
  gtScalar(a: H, b: number): H;
  lt(a: H, b: H): H;
  ltScalar(a: H, b: number): H;
  ge(a: H, b: H): H;
  geScalar(a: H, b: number): H;
  le(a: H, b: H): H;
  leScalar(a: H, b: number): H;
  eq(a: H, b: H): H;
  eqScalar(a: H, b: number): H;
  sum(a: H, dims: Dims, keepdim: boolean): H;
  mean(a: H, dims: Dims, keepdim: boolean): H;
  amax(a: H, dims: Dims, keepdim: boolean): H;
  amin(a: H, dims: Dims, keepdim: boolean): H;
  argmax(a: H, dim: number, keepdim: boolean): H;
  norm(a: H, p: number, dims: Dims, keepdim: boolean): H;

  reshape(a: H, shape: number[]): H;
  permute(a: H, dims: number[]): H;
  transpose(a: H, d0: number, d1: number): H;
  flatten(a: H, start: number, end: number): H;
  unsqueeze(a: H, dim: number): H;
  squeeze(a: H, dim?: number): H;
  expand(a: H, shape: number[]): H;
  cat(ts: H[], dim: number): H;
  stack(ts: H[], dim: number): H;
  narrow(a: H, dim: number, start: number, length: number): H;
  slice(a: H, dim: number, start: number, end: number, step: number): H;
  select(a: H, dim: number, index: number): H;
  indexSelect(a: H, dim: number, index: H): H;

  conv2d(x: H, w: H, b: H | null, stride: number[], padding: number[], dilation: number[], groups: number): H;
  batchNorm(x: H, w: H | null, b: H | null, rm: H | null, rv: H | null, training: boolean, momentum: number, eps: number): H;
  maxPool2d(x: H, kernel: number[], stride: number[], padding: number[], dilation: number[], ceil: boolean): H;
  adaptiveAvgPool2d(x: H, out: number[]): H;
  linear(x: H, w: H, b: H | null): H;
  matmul(a: H, b: H): H;
  dropout(x: H, p: number, training: boolean): H;

  mul_(t: H, b: H): void;
  mulScalar_(t: H, b: number): void;
  add_(t: H, b: H, alpha?: number): void;
  addScalar_(t: H, b: number, alpha?: number): void;
  addcmul_(t: H, a: H, b: H, value: number): void;
  addcdiv_(t: H, a: H, b: H, value: number): void;
  copy_(t: H, src: H): void;
  zero_(t: H): void;
  fill_(t: H, v: number): void;
  uniform_(t: H, lo: number, hi: number): void;
  normal_(t: H, mean: number, std: number): void;

  requiresGrad(t: H): boolean;
  setRequiresGrad(t: H, on: boolean): void;
  isLeaf(t: H): boolean;
  grad(t: H): H | null;
  setGrad(t: H, g: H | null): void;
  backward(t: H, grad: H | null, retainGraph: boolean): void;
  isGradEnabled(): boolean;
  setGradEnabled(on: boolean): void;
}

export const torch = loadAddon<NativeTorch>(
  import.meta.url,
  'native/build/Release/heimdall_torch.node',
  'libtorch addon',
  'Run `npm run build:native` (needs libtorch: `sudo apt-get install -y libtorch-dev` or LIBTORCH=/path).',
);
