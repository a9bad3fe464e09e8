// Signal kernels of the engine for feature extraction: the complex STFT's power through
// libtorch's FFT and a sparse mel filterbank in dB, in float64.
//
// Unlike the rest of the engine they take and return typed arrays, not tensors: feature
// extraction runs in worker threads, and tensor handles belong to the thread that trains. Each
// call is self-contained (its tensors are freed before it returns) and runs on the calling thread
// only (see native/src/ops_signal.cc), so N feature workers use N cores, not N × intra-op threads.
// This module imports the addon loader alone (not runtime.ts, which sets the process-wide thread
// count when loaded), so a feature worker leaves training's thread settings untouched.
import { torch } from './native.js';

/**
 * Power spectra of `frames` frames of `nFft` complex samples starting every `hop` samples of the
 * interleaved IQ, each weighted by `window`: P[f·nFft + k] = scale·|X_f[k]|², natural FFT bin order.
 */
export function stftPower(
  iq: Float32Array,
  nFft: number,
  hop: number,
  frames: number,
  window: Float64Array,
  scale: number,
): Float64Array {
  return torch.stftPower(iq, nFft, hop, frames, window, scale);
}

/** A filterbank in compressed sparse rows: band b weights bins[j] by weights[j] for start[b] ≤ j < start[b+1]. */
export interface SparseFilterbank {
  start: Int32Array;
  bins: Int32Array;
  weights: Float64Array;
}

/**
 * Filterbank power in dB of a [frames][nFft] power spectrogram, floored at `floorDb`, written into
 * `out` at `offset` as [bands][frames].
 */
export function melDb(
  power: Float64Array,
  frames: number,
  filterbank: SparseFilterbank,
  floorDb: number,
  out: Float32Array,
  offset = 0,
): void {
  torch.melDb(power, frames, filterbank.start, filterbank.bins, filterbank.weights, floorDb, out, offset);
}
