// The feature kernels of the heimdall_dsp addon (native/dsp/src/dsp.cc): the complex STFT's power
// through FFTW and a sparse mel filterbank in dB, in float64, on plain typed arrays.
//
// A small addon of its own, not the libtorch engine: loading libtorch costs ~0.65 s, which
// `inspect` and `predict` of one recording would pay for two kernels; this one loads in
// milliseconds. Each call runs on the calling thread only, so N feature workers use N cores.
import { loadAddon } from '../../util/native-addon.js';

interface NativeDsp {
  stftPower(iq: Float32Array, nFft: number, hop: number, frames: number, window: Float64Array, scale: number): Float64Array;
  melDb(
    power: Float64Array,
    frames: number,
    start: Int32Array,
    bins: Int32Array,
    weights: Float64Array,
    floorDb: number,
    out: Float32Array,
    offset: number,
  ): void;
  /** FFTW's version string, e.g. "fftw-3.3.10-sse2-avx". */
  fftwVersion: string;
}

const dsp = loadAddon<NativeDsp>(
  import.meta.url,
  'native/dsp/build/Release/heimdall_dsp.node',
  'DSP addon',
  'Run `npm run build:native` (needs FFTW: `sudo apt-get install -y libfftw3-dev`).',
);

/** The FFTW library the kernels run on (its version string). */
export const fftwVersion: string = dsp.fftwVersion;

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
  return dsp.stftPower(iq, nFft, hop, frames, window, scale);
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
  dsp.melDb(power, frames, filterbank.start, filterbank.bins, filterbank.weights, floorDb, out, offset);
}
