// The ONNX graph as Heimdall builds it (plain objects, weights as little-endian bytes), and its
// conversion to and from ONNX's own ModelProto. The wire format is ONNX's schema compiled by
// protobufjs (the onnx-proto package: onnx.proto v1.10, static code); nothing here knows field numbers
// except where the graph's raw bytes are needed (encodeModel, graphBytes).
import onnxProto, { type onnx as proto } from 'onnx-proto';
import protobuf from 'protobufjs/minimal.js';

const { onnx } = onnxProto;

export const DataType = onnx.TensorProto.DataType;
export type DataType = proto.TensorProto.DataType;
const AttrType = onnx.AttributeProto.AttributeType;

/** Opset 17 with IR version 8: the newest pair Debian's onnx 1.12 checker accepts. */
export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

/** ModelProto.graph's field number and wire type (length-delimited) in onnx.proto. */
const GRAPH_FIELD = 7;

export type AttributeValue = number | string | number[] | { floats: number[] };

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  /** Integers are written as INT, non-integers as FLOAT; arrays as INTS (see `floats` for FLOATS). */
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: DataType;
  /** Little-endian element bytes. */
  raw: Uint8Array;
}

/** A tensor input/output with a shape whose entries are sizes or symbolic names ('N'); no shape = unknown rank. */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape?: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
  metadata: Record<string, string>;
}

const utf8 = { encode: (s: string) => new TextEncoder().encode(s), decode: (b: Uint8Array) => new TextDecoder().decode(b) };

/** protobufjs reads int64 fields as Long objects (the `long` package is installed) and writes numbers as they are. */
function int64(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : (v as { toNumber(): number }).toNumber();
}

// ---- Heimdall's graph → ONNX's messages ----

function attributeProto(name: string, v: AttributeValue): proto.IAttributeProto {
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: utf8.encode(v) };
  if (typeof v === 'number')
    return Number.isInteger(v) ? { name, type: AttrType.INT, i: v } : { name, type: AttrType.FLOAT, f: v };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  return { name, type: AttrType.FLOATS, floats: v.floats };
}

function valueInfoProto(v: OnnxValueInfo): proto.IValueInfoProto {
  const dim = v.shape?.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: v.elemType, ...(dim ? { shape: { dim } } : {}) } } };
}

export function graphProto(g: OnnxGraph): proto.IGraphProto {
  return {
    name: g.name,
    node: g.nodes.map((n) => ({
      opType: n.opType,
      name: n.name,
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attributeProto(k, v)),
    })),
    initializer: g.initializers.map((t) => ({ name: t.name, dims: t.dims, dataType: t.dataType, rawData: t.raw })),
    input: g.inputs.map(valueInfoProto),
    output: g.outputs.map(valueInfoProto),
  };
}

/** The GraphProto's bytes (what the metadata checksum covers). */
export function encodeGraph(g: OnnxGraph): Uint8Array {
  return onnx.GraphProto.encode(graphProto(g)).finish();
}

/** The whole file, with the graph embedded as the very bytes `encodeGraph` returned (and the checksum covers). */
export function encodeModel(m: Omit<OnnxModel, 'graph'>, graph: Uint8Array): Uint8Array {
  const w = onnx.ModelProto.encode({ irVersion: m.irVersion, producerName: m.producerName, producerVersion: m.producerVersion });
  // An embedded message is a length-delimited field holding the message's bytes, so writing the
  // encoded graph as field 7 is the same as encoding it inline (fields stay in number order), and
  // a 45 MB graph is not encoded twice.
  w.uint32((GRAPH_FIELD << 3) | 2).bytes(graph);
  const rest = {
    opsetImport: [{ domain: '', version: m.opsetVersion }],
    metadataProps: Object.entries(m.metadata).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(rest, w).finish();
}

// ---- ONNX's messages → Heimdall's graph ----

function attributeValue(a: proto.IAttributeProto): AttributeValue {
  if (a.type === AttrType.STRING) return utf8.decode(a.s ?? new Uint8Array(0));
  if (a.type === AttrType.INT) return int64(a.i);
  if (a.type === AttrType.FLOAT) return a.f ?? 0;
  if (a.type === AttrType.INTS) return (a.ints ?? []).map(int64);
  return { floats: a.floats ?? [] };
}

function valueInfo(v: proto.IValueInfoProto): OnnxValueInfo {
  const t = v.type?.tensorType;
  const shape = t?.shape?.dim?.map((d) => (d.dimParam ? d.dimParam : int64(d.dimValue)));
  return { name: v.name ?? '', elemType: t?.elemType ?? 0, ...(shape ? { shape } : {}) };
}

function graphOf(g: proto.IGraphProto): OnnxGraph {
  return {
    name: g.name ?? '',
    nodes: (g.node ?? []).map((n) => ({
      opType: n.opType ?? '',
      name: n.name ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      attributes: Object.fromEntries((n.attribute ?? []).map((a) => [a.name ?? '', attributeValue(a)])),
    })),
    initializers: (g.initializer ?? []).map((t) => ({
      name: t.name ?? '',
      dims: (t.dims ?? []).map(int64),
      dataType: t.dataType ?? DataType.UNDEFINED,
      // protobufjs hands out Buffer views in Node; the graph holds plain Uint8Arrays (still no copy).
      raw: t.rawData ? new Uint8Array(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength) : new Uint8Array(0),
    })),
    inputs: (g.input ?? []).map(valueInfo),
    outputs: (g.output ?? []).map(valueInfo),
  };
}

/** Bytes that are not a well-formed ModelProto; `offset` is where reading failed. */
export class OnnxDecodeError extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
    readonly truncated: boolean,
  ) {
    super(`${problem} at byte ${offset}`);
    this.name = 'OnnxDecodeError';
  }
}

/**
 * The stored bytes of ModelProto.graph, found by walking the top-level fields with protobufjs's
 * reader. protobufjs keeps no raw bytes of sub-messages, and the checksum must cover the bytes as
 * stored: re-encoding does not reproduce files written by other encoders (Heimdall's own before
 * onnx-proto wrote dims unpacked and ints packed — a re-encoded graph of such a file hashes
 * differently, so every model exported before would read as "corrupted"). The walk also names the
 * field that runs past the end of a truncated file.
 */
export function graphBytes(buf: Uint8Array): Uint8Array {
  const r = protobuf.Reader.create(buf);
  let graph: Uint8Array = new Uint8Array(0);
  while (r.pos < r.len) {
    const at = r.pos;
    let field = 0;
    try {
      const tag = r.uint32();
      field = tag >>> 3;
      if (field === 0) throw new OnnxDecodeError(at, 'field number 0 (not a protobuf message)', false);
      if ((tag & 7) !== 2) {
        r.skipType(tag & 7);
        continue;
      }
      const n = r.uint32();
      if (n > r.len - r.pos) {
        throw new OnnxDecodeError(
          r.len,
          `field ${field} at byte ${at} declares ${n} bytes but only ${r.len - r.pos} remain`,
          true,
        );
      }
      if (field === GRAPH_FIELD) graph = buf.subarray(r.pos, r.pos + n);
      r.skip(n);
    } catch (err) {
      if (err instanceof OnnxDecodeError) throw err;
      // protobufjs throws a RangeError when a read runs past the end, an Error for a bad wire type.
      if (err instanceof RangeError) throw new OnnxDecodeError(r.len, `field ${field} at byte ${at} runs past the end`, true);
      throw new OnnxDecodeError(at, (err as Error).message, false);
    }
  }
  return graph;
}

/** Decodes a whole model (weights stay views into `buf`). Throws OnnxDecodeError on bad bytes. */
export function decodeModel(buf: Uint8Array): OnnxModel & { graphBytes: Uint8Array } {
  const stored = graphBytes(buf);
  let m: proto.ModelProto;
  try {
    m = onnx.ModelProto.decode(buf);
  } catch (err) {
    // The top-level fields fit (graphBytes), so this is damage inside a message, not a short file.
    const message = (err as Error).message;
    const at = /offset (\d+)|range: (\d+)/.exec(message);
    throw new OnnxDecodeError(Number(at?.[1] ?? at?.[2] ?? 0), `protobufjs: ${message}`, false);
  }
  const opset = m.opsetImport.find((o) => !o.domain);
  return {
    irVersion: int64(m.irVersion),
    opsetVersion: int64(opset?.version),
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    metadata: Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value])),
    graphBytes: stored,
    graph: graphOf(m.graph ?? {}),
  };
}
