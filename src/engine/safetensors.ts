// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
// "__metadata__": {string: string}}, then the raw little-endian tensor bytes. Readable by the
// `safetensors` Python/Rust libraries and by anything else that follows that layout.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-file.js';
import { fromTypedArray } from './creation.js';
import type { DType, Tensor, TypedArray } from './tensor.js';

const TO_FILE: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', int64: 'I64', uint8: 'U8', bool: 'BOOL' };
const FROM_FILE: Record<string, { dtype: DType; bytes: number }> = {
  F32: { dtype: 'float32', bytes: 4 },
  F64: { dtype: 'float64', bytes: 8 },
  I32: { dtype: 'int32', bytes: 4 },
  I64: { dtype: 'int64', bytes: 8 },
  U8: { dtype: 'uint8', bytes: 1 },
  BOOL: { dtype: 'bool', bytes: 1 },
};
/** Safetensors refuses headers above 100 MB; so do we (a corrupt length would otherwise allocate wildly). */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/**
 * Writes tensors atomically: to a temporary file in the same folder, fsync'd, then renamed over
 * `path`, so a crash never leaves a half-written file under the real name.
 */
export function saveSafetensors(path: string, tensors: Map<string, Tensor>, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error(`saveSafetensors(${path}): '__metadata__' is reserved and cannot name a tensor`);
    const data = t.toTypedArray();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype: TO_FILE[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned (what the reference writer does).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.byteLength));

  writeFileAtomic(path, [prefix, headerBytes, ...chunks]);
}

function typedView(dtype: DType, bytes: Uint8Array): TypedArray {
  // Copy into a fresh, aligned buffer: typed arrays need element-aligned offsets. (Buffer's
  // slice() is a view on the shared pool, not a copy, hence the explicit copy.)
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const buf = copy.buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buf);
  }
}

/** Reads a safetensors file; every structural problem is reported with the file and tensor name. */
export function loadSafetensors(path: string): SafetensorsFile {
  const file = readFileSync(path);
  const fail = (msg: string): never => {
    throw new Error(`loadSafetensors(${path}): ${msg}`);
  };
  if (file.byteLength < 8) fail(`file is ${file.byteLength} bytes, shorter than the 8-byte header length`);
  const n = file.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds ${MAX_HEADER_BYTES} bytes (corrupt file?)`);
  const headerLen = Number(n);
  if (8 + headerLen > file.byteLength)
    fail(`header claims ${headerLen} bytes but only ${file.byteLength - 8} follow (truncated?)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(file.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    return fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const data = file.subarray(8 + headerLen);
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, Tensor>();
  try {
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') {
        for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
          if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
          metadata[k] = v as string;
        }
        continue;
      }
      const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const kind = typeof e.dtype === 'string' ? FROM_FILE[e.dtype] : undefined;
      if (kind === undefined) fail(`tensor '${name}' has unsupported dtype ${JSON.stringify(e.dtype)}`);
      const shape = e.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
        fail(`tensor '${name}' has an invalid shape`);
      const offs = e.data_offsets;
      if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0)) {
        fail(`tensor '${name}' has invalid data_offsets`);
      }
      const [begin, end] = offs as [number, number];
      const numel = (shape as number[]).reduce((a, b) => a * b, 1);
      if (end < begin || end - begin !== numel * (kind as { bytes: number }).bytes) {
        fail(
          `tensor '${name}' spans ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] needs ${numel * (kind as { bytes: number }).bytes}`,
        );
      }
      if (end > data.byteLength)
        fail(`tensor '${name}' ends at byte ${end} but the data section has ${data.byteLength} (truncated?)`);
      const typed = typedView((kind as { dtype: DType }).dtype, data.subarray(begin, end));
      let t = fromTypedArray(typed, shape as number[]);
      if ((kind as { dtype: DType }).dtype === 'bool') {
        const b = t.to('bool');
        t.dispose();
        t = b;
      }
      tensors.set(name, t);
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}
