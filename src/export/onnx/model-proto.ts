// ONNX's ModelProto and the parts of it Heimdall writes, as plain objects, with an encoder and a
// decoder. Field numbers are onnx/onnx.proto's (checked against the upstream file):
//   ModelProto      ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8, metadata_props 14
//   GraphProto      node 1, name 2, initializer 5, input 11, output 12
//   NodeProto       input 1, output 2, name 3, op_type 4, attribute 5
//   AttributeProto  name 1, f 2, i 3, s 4, floats 7, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7)
//   TensorProto     dims 1, data_type 2 (FLOAT 1, UINT8 2, INT8 3, INT64 7), name 8, raw_data 9 (little-endian)
//   ValueInfoProto  name 1, type 2; TypeProto tensor_type 1; TypeProto.Tensor elem_type 1, shape 2
//   TensorShapeProto dim 1; Dimension dim_value 1, dim_param 2
//   StringStringEntryProto key 1, value 2; OperatorSetIdProto domain 1, version 2
import { decodeInts, decodeString, type ProtoField, ProtoWriter, readFields, viewStart } from './protobuf.js';

export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT64: 7 } as const;

/** Opset 17 with IR version 8: the newest pair Debian's onnx 1.12 checker accepts. */
export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

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
  dataType: (typeof DataType)[keyof typeof DataType];
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

function attribute(name: string, v: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof v === 'string') return w.string(4, v).int(20, AttrType.STRING);
  if (typeof v === 'number') {
    return Number.isInteger(v) ? w.int(3, v).int(20, AttrType.INT) : w.float(2, v).int(20, AttrType.FLOAT);
  }
  if (Array.isArray(v)) return w.packedInts(8, v).int(20, AttrType.INTS);
  for (const f of v.floats) w.float(7, f);
  return w.int(20, AttrType.FLOATS);
}

function node(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, attribute(k, v));
  return w;
}

function tensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  return w.int(2, t.dataType).string(8, t.name).bytes(9, t.raw);
}

function valueInfo(v: OnnxValueInfo): ProtoWriter {
  const tensorType = new ProtoWriter().int(1, v.elemType);
  if (v.shape !== undefined) {
    const shape = new ProtoWriter();
    for (const d of v.shape)
      shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
    tensorType.message(2, shape);
  }
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

/** The GraphProto alone (its bytes are what the metadata checksum covers). */
export function encodeGraph(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, node(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, tensor(t));
  for (const i of g.inputs) w.message(11, valueInfo(i));
  for (const o of g.outputs) w.message(12, valueInfo(o));
  return w;
}

/** The whole file, as chunks ready for writeFileAtomic. */
export function encodeModel(m: Omit<OnnxModel, 'graph'>, graph: ProtoWriter): Uint8Array[] {
  const w = new ProtoWriter()
    .int(1, m.irVersion)
    .string(2, m.producerName)
    .string(3, m.producerVersion)
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').int(2, m.opsetVersion));
  for (const [key, value] of Object.entries(m.metadata)) w.message(14, new ProtoWriter().string(1, key).string(2, value));
  return w.chunks();
}

// ---- decoding ----

type Fields = Map<number, ProtoField[]>;

function group(buf: Uint8Array, f?: ProtoField): Fields {
  const list =
    f === undefined ? readFields(buf) : readFields(buf, viewStart(buf, f.bytes), viewStart(buf, f.bytes) + f.bytes.byteLength);
  const m: Fields = new Map();
  for (const x of list) {
    const l = m.get(x.field);
    if (l) l.push(x);
    else m.set(x.field, [x]);
  }
  return m;
}

const str = (m: Fields, field: number): string => {
  const f = m.get(field)?.at(-1);
  return f === undefined ? '' : decodeString(f);
};
const int = (m: Fields, field: number): number => Number(m.get(field)?.at(-1)?.varint ?? 0n);

function decodeAttribute(buf: Uint8Array, f: ProtoField): [string, AttributeValue] {
  const m = group(buf, f);
  const type = int(m, 20);
  const name = str(m, 1);
  const floatOf = (x: ProtoField) => new DataView(x.bytes.buffer, x.bytes.byteOffset, 4).getFloat32(0, true);
  if (type === AttrType.STRING) return [name, str(m, 4)];
  if (type === AttrType.INT) return [name, Number(BigInt.asIntN(64, m.get(3)?.at(-1)?.varint ?? 0n))];
  if (type === AttrType.FLOAT) {
    const x = m.get(2)?.at(-1);
    return [name, x ? floatOf(x) : 0];
  }
  if (type === AttrType.INTS) return [name, decodeInts(m.get(8) ?? [])];
  return [name, { floats: (m.get(7) ?? []).map(floatOf) }];
}

function decodeValueInfo(buf: Uint8Array, f: ProtoField): OnnxValueInfo {
  const m = group(buf, f);
  const typeField = m.get(2)?.at(-1);
  const tensorField = typeField ? group(buf, typeField).get(1)?.at(-1) : undefined;
  const t = tensorField ? group(buf, tensorField) : new Map();
  const shapeField = t.get(2)?.at(-1);
  const dims = shapeField ? (group(buf, shapeField).get(1) ?? []) : [];
  return {
    name: str(m, 1),
    elemType: int(t, 1),
    shape: dims.map((d) => {
      const dm = group(buf, d);
      return dm.has(2) ? str(dm, 2) : int(dm, 1);
    }),
  };
}

/** Decodes a whole model (weights stay views into `buf`). Throws ProtobufError on bad bytes. */
export function decodeModel(buf: Uint8Array): OnnxModel & { graphBytes: Uint8Array } {
  const m = group(buf);
  const graphField = m.get(7)?.at(-1);
  const g = graphField ? group(buf, graphField) : new Map<number, ProtoField[]>();
  const opset = (m.get(8) ?? []).map((f) => group(buf, f)).find((o) => str(o, 1) === '');
  const metadata: Record<string, string> = {};
  for (const f of m.get(14) ?? []) {
    const e = group(buf, f);
    metadata[str(e, 1)] = str(e, 2);
  }
  return {
    irVersion: int(m, 1),
    opsetVersion: opset ? int(opset, 2) : 0,
    producerName: str(m, 2),
    producerVersion: str(m, 3),
    metadata,
    graphBytes: graphField?.bytes ?? new Uint8Array(0),
    graph: {
      name: str(g, 2),
      nodes: (g.get(1) ?? []).map((f) => {
        const n = group(buf, f);
        return {
          inputs: (n.get(1) ?? []).map(decodeString),
          outputs: (n.get(2) ?? []).map(decodeString),
          name: str(n, 3),
          opType: str(n, 4),
          attributes: Object.fromEntries((n.get(5) ?? []).map((a) => decodeAttribute(buf, a))),
        };
      }),
      initializers: (g.get(5) ?? []).map((f) => {
        const t = group(buf, f);
        return {
          name: str(t, 8),
          dims: decodeInts(t.get(1) ?? []),
          dataType: int(t, 2) as OnnxTensor['dataType'],
          raw: t.get(9)?.at(-1)?.bytes ?? new Uint8Array(0),
        };
      }),
      inputs: (g.get(11) ?? []).map((f) => decodeValueInfo(buf, f)),
      outputs: (g.get(12) ?? []).map((f) => decodeValueInfo(buf, f)),
    },
  };
}
