// Reads an exported model back: structure and metadata, with errors that say what is wrong with
// the file ("truncated at byte N", "not an ONNX model", "missing metadata heimdall.receivers",
// a checksum mismatch for damaged weights) before onnxruntime would fail with less to go on.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GRAPH_SHA256_KEY, type ModelMetadata, parseMetadataProps } from './metadata.js';
import { decodeModel, OnnxDecodeError, type OnnxModel } from './onnx/model-proto.js';

/** The ModelProto fields an ONNX file may start with, and their wire types. */
const MODEL_FIELD_WIRE: Record<number, number> = { 1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2, 30: 2 };

export interface ReadOnnxResult {
  model: OnnxModel;
  metadata: ModelMetadata;
  bytes: Uint8Array;
}

function looksLikeModelProto(buf: Uint8Array): boolean {
  const key = buf[0];
  if (key === undefined || key >= 0x80) return false;
  return MODEL_FIELD_WIRE[key >> 3] === (key & 7);
}

/** Decodes and validates an ONNX file's bytes; `file` names it in errors. */
export function parseOnnx(bytes: Uint8Array, file: string): ReadOnnxResult {
  if (bytes.byteLength === 0) throw new Error(`${file}: empty file (not an ONNX model)`);
  if (!looksLikeModelProto(bytes)) {
    throw new Error(
      `${file}: not an ONNX model (byte 0 is 0x${(bytes[0] as number).toString(16).padStart(2, '0')}, not a ModelProto field)`,
    );
  }
  let model: ReturnType<typeof decodeModel>;
  try {
    model = decodeModel(bytes);
  } catch (err) {
    if (!(err instanceof OnnxDecodeError)) throw err;
    if (err.truncated) throw new Error(`${file}: truncated at byte ${err.offset} (${err.problem}); re-export or re-download it`);
    throw new Error(`${file}: corrupted ONNX file (${err.message})`);
  }
  if (model.irVersion <= 0 || model.graphBytes.byteLength === 0 || model.opsetVersion <= 0) {
    throw new Error(`${file}: not an ONNX model (no ir_version, graph or default-domain opset_import)`);
  }
  const metadata = parseMetadataProps(model.metadata, file);
  const expected = model.metadata[GRAPH_SHA256_KEY];
  if (expected !== undefined) {
    const actual = createHash('sha256').update(model.graphBytes).digest('hex');
    if (actual !== expected) {
      throw new Error(
        `${file}: corrupted: the graph's sha256 is ${actual.slice(0, 12)}…, the metadata records ${expected.slice(0, 12)}… (weights damaged)`,
      );
    }
  }
  return { model, metadata, bytes };
}

export function readOnnxModel(path: string): ReadOnnxResult {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${path}: cannot read the model (${code === 'ENOENT' ? 'file not found' : code})`);
  }
  return parseOnnx(bytes, path);
}

/** The validated Heimdall metadata of an exported model. */
export function readOnnxMetadata(path: string): ModelMetadata {
  return readOnnxModel(path).metadata;
}
