// Collects nodes and constant tensors while a model walks itself into an ONNX graph. Names are
// made unique here so the graph writers can use readable prefixes ("trunk.layer1.0.conv1").
import {
  type AttributeValue,
  DataType,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './model-proto.js';

function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const f = Float32Array.from(values as ArrayLike<number>);
  // ONNX raw_data is little-endian; so is every platform Node runs on, checked once here.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('ONNX export: big-endian hosts are not supported');
  return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
}

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly #used = new Set<string>();

  /** A fresh value name based on `base`. */
  name(base: string): string {
    let n = base;
    for (let i = 1; this.#used.has(n); i++) n = `${base}_${i}`;
    this.#used.add(n);
    return n;
  }

  /** Adds a float32 constant and returns its name. */
  floats(base: string, values: ArrayLike<number>, dims: number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (values.length !== count) throw new RangeError(`ONNX export: '${base}' has ${values.length} values for shape [${dims}]`);
    const name = this.name(base);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, raw: float32Bytes(values) });
    return name;
  }

  /** Adds an int64 constant (shapes, axes) and returns its name. */
  int64s(base: string, values: number[]): string {
    const name = this.name(base);
    const raw = new Uint8Array(8 * values.length);
    const view = new DataView(raw.buffer);
    for (const [i, v] of values.entries()) view.setBigInt64(8 * i, BigInt(v), true);
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, raw });
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: string[], base: string, attributes?: Record<string, AttributeValue>): string {
    const out = this.name(base);
    this.nodes.push({ opType, name: out, inputs, outputs: [out], ...(attributes ? { attributes } : {}) });
    return out;
  }

  /** Renames the output of the last node producing `value` (graph outputs get their public names). */
  rename(value: string, to: string): string {
    const n = this.nodes.find((x) => x.outputs.includes(value));
    if (n === undefined) throw new Error(`ONNX export: no node produces '${value}'`);
    this.#used.add(to);
    n.outputs = n.outputs.map((o) => (o === value ? to : o));
    for (const m of this.nodes) m.inputs = m.inputs.map((i) => (i === value ? to : i));
    return to;
  }

  graph(name: string, inputs: OnnxValueInfo[], outputs: OnnxValueInfo[]): OnnxGraph {
    return { name, nodes: this.nodes, initializers: this.initializers, inputs, outputs };
  }
}
