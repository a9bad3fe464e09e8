// How a recording's IQ is kept in the blob store (the measurement row's `format`, and the key's
// extension, say which):
// - 'ci16_le' (<receiver>.ci16_le): the raw bytes of SigMF ci16_le, interleaved int16 I, Q, read
//   back as v / 32768. Chosen whenever every sample is exactly such a value — recordings from an
//   int16 (or 8-bit) source: the simulator's SigMF, KiwiSDR WAVs, SigMF ci16/ci8/cu8 — so nothing
//   is lost, and half the bytes of float32.
// - 'cf32_le' (<receiver>.cf32_le): raw SigMF cf32_le bytes, for every other (float) source: .npy
//   complex64 and SigMF cf32 stay float32, exactly as read (complex128 and f64 sources were already
//   narrowed to float32 by their readers).
// - 'npy-cf32' (<receiver>.npy): what stores written before int16 hold (np.save of complex64);
//   still read, no longer written.
// Raw SigMF bytes (no header) are what let import take a SigMF dataset file in place: the blob is
// byte-identical to the .sigmf-data file, so a local store hard-links it (BlobStore.putFile).

import { decodeNpyIq } from '../signal/formats/npy.js';
import { int16Exact } from '../signal/iq-int16.js';
import { assertFiniteIq, RecordingError } from '../signal/recording.js';
import { decodeSigmfSamples, parseSigmfDatatype } from '../signal/sigmf/read.js';

export type IqBlobFormat = 'ci16_le' | 'cf32_le' | 'npy-cf32';

/** The key extension of each format (without the dot). */
const EXTENSION: Record<IqBlobFormat, string> = { ci16_le: 'ci16_le', cf32_le: 'cf32_le', 'npy-cf32': 'npy' };

export interface IqBlob {
  format: IqBlobFormat;
  /** Key extension, without the dot. */
  extension: string;
  bytes: Uint8Array;
}

function littleEndianBytes(a: Int16Array | Float32Array): Uint8Array {
  const out = new Uint8Array(a.byteLength);
  const view = new DataView(out.buffer);
  if (a instanceof Int16Array) for (let i = 0; i < a.length; i++) view.setInt16(i * 2, a[i] as number, true);
  else for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i] as number, true);
  return out;
}

/** The blob for float IQ: int16 when that is lossless, float32 otherwise. */
export function encodeIqBlob(iq: Float32Array): IqBlob {
  const ints = int16Exact(iq);
  if (ints !== null) return { format: 'ci16_le', extension: EXTENSION.ci16_le, bytes: littleEndianBytes(ints) };
  return { format: 'cf32_le', extension: EXTENSION.cf32_le, bytes: littleEndianBytes(iq) };
}

/**
 * A blob's format from the measurement row's `format`, else from the key's extension (rows of
 * older stores all say 'npy-cf32'). Throws, naming the key, for anything else.
 */
export function iqBlobFormatOf(format: string, key: string): IqBlobFormat {
  if (format === 'ci16_le' || format === 'cf32_le' || format === 'npy-cf32') return format;
  const ext = key.slice(key.lastIndexOf('.') + 1);
  const byExt = (Object.keys(EXTENSION) as IqBlobFormat[]).find((f) => EXTENSION[f] === ext);
  if (byExt === undefined)
    throw new RangeError(`blob '${key}': unknown IQ format '${format}' (expected ci16_le, cf32_le or npy-cf32)`);
  return byExt;
}

/** Float IQ (full-scale units) from a blob's bytes; `source` names the blob in errors. */
export function decodeIqBlob(bytes: Uint8Array, format: IqBlobFormat, source: string): Float32Array {
  if (format === 'npy-cf32') return decodeNpyIq(bytes, source);
  const sampleBytes = format === 'ci16_le' ? 4 : 8;
  if (bytes.byteLength % sampleBytes !== 0)
    throw new RecordingError(
      source,
      `${bytes.byteLength} bytes is not a whole number of ${format} samples (${sampleBytes} bytes each)`,
    );
  const iq = decodeSigmfSamples(bytes, parseSigmfDatatype(format, source), source);
  if (format === 'cf32_le') assertFiniteIq(iq, source);
  return iq;
}
