// Process-wide engine settings: threads, seeding, RNG state, versions and live-tensor count.
import { availableParallelism } from 'node:os';
import { torch } from './native.js';
import { Tensor } from './tensor.js';

/** libtorch runs one intra-op thread here unless told; we default to every core (HEIMDALL_THREADS overrides). */
export function defaultThreadCount(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = env.HEIMDALL_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`HEIMDALL_THREADS must be a positive integer, got '${fromEnv}'`);
    return n;
  }
  return availableParallelism();
}

export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  torch.setNumThreads(n);
}

export function getNumThreads(): number {
  return torch.getNumThreads();
}

/** Seeds libtorch's CPU generator (randn, rand, randperm, dropout, init). */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`manualSeed: expected a non-negative integer, got ${seed}`);
  torch.manualSeed(seed);
}

/** A uint8 tensor with the generator's full state, for exact resume. */
export function getRngState(): Tensor {
  return new Tensor(torch.getRngState());
}

export function setRngState(state: Tensor): void {
  torch.setRngState(state.handle);
}

/** libtorch's version, e.g. "1.13.0". */
export function libtorchVersion(): string {
  return torch.version();
}

/** Tensors whose native memory JavaScript still holds (not disposed, not garbage-collected). */
export function liveTensorCount(): number {
  return torch.liveHandles();
}

setNumThreads(defaultThreadCount());
