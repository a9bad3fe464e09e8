// int8 inference: every convolution of an exported graph rewritten in ONNX's QDQ form —
// QuantizeLinear → DequantizeLinear around its input and output (uint8, ranges calibrated on
// real inputs) and int8 weights with one scale per output channel. onnxruntime fuses each
// DQ → Conv → Q into a QLinearConv that runs on the CPU's int8 dot-product instructions
// (AVX-512 VNNI here), about 2–3× faster than fp32 at batch 1; the rest of the graph (adds,
// pooling, the MLP and heads) stays fp32. Accuracy is checked by the exporter, not assumed.
import {
  DataType,
  encodeGraph,
  encodeModel,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
} from './onnx/model-proto.js';
import { createSession, type InputBatch, type InputDims, inputFeeds } from './ort.js';

/** [min, max] of a tensor over the calibration batch. */
export type Ranges = Map<string, [number, number]>;

function float32s(t: OnnxTensor): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`int8 export: '${t.name}' is not a float tensor`);
  return new Float32Array(t.raw.slice().buffer);
}

/** Trunk operators whose outputs travel as uint8 between convolutions. */
const QUANTIZED_OPS = new Set(['Conv', 'Relu', 'Add', 'MaxPool']);

/**
 * The activations written as uint8: every Conv input, and the outputs of the trunk's Conv, Relu,
 * Add and MaxPool — except a Conv or Add read only by a Relu, whose Relu output is quantized
 * instead (onnxruntime then folds the Relu into the Q with zero point 0, and chains QLinearConv →
 * QLinearAdd → QLinearConv without fp32 in between).
 */
export function quantizedActivations(g: OnnxGraph): string[] {
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of g.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const names = new Set<string>();
  for (const n of g.nodes) {
    if (n.opType === 'Conv') names.add(n.inputs[0] as string);
    if (!QUANTIZED_OPS.has(n.opType) || !n.name.startsWith('trunk.')) continue;
    const y = n.outputs[0] as string;
    const readers = consumers.get(y) ?? [];
    const reluOnly = readers.length === 1 && readers[0]?.opType === 'Relu';
    if (!((n.opType === 'Conv' || n.opType === 'Add') && reluOnly)) names.add(y);
  }
  return [...names];
}

/**
 * Runs the fp32 graph once on `batch` with every Conv input/output exposed as an extra output,
 * and records each one's range. Calibrate on transmissions like those the model will see (a
 * batch of the training or validation split); the range always includes 0.
 */
export async function calibrate(g: OnnxGraph, batch: InputBatch, dims: InputDims): Promise<Ranges> {
  const names = quantizedActivations(g);
  const probe: OnnxGraph = { ...g, outputs: [...g.outputs, ...names.map((name) => ({ name, elemType: DataType.FLOAT }))] };
  const bytes = encodeModel(
    {
      irVersion: ONNX_IR_VERSION,
      opsetVersion: ONNX_OPSET,
      producerName: 'heimdall-calibration',
      producerVersion: '',
      metadata: {},
    },
    encodeGraph(probe),
  );
  const session = await createSession(bytes);
  try {
    const out = await session.run(inputFeeds(batch, dims), names);
    const ranges: Ranges = new Map();
    for (const name of names) {
      const data = out[name]?.data as Float32Array;
      let lo = 0;
      let hi = 0;
      for (const v of data) {
        if (v < lo) lo = v;
        else if (v > hi) hi = v;
      }
      ranges.set(name, [lo, hi]);
    }
    return ranges;
  } finally {
    await session.release();
  }
}

/** uint8 affine parameters covering [lo, hi] (with 0 exactly representable, as ONNX requires for padding). */
function uint8Params([lo, hi]: [number, number]): { scale: number; zeroPoint: number } {
  const scale = Math.max(hi - lo, 1e-8) / 255;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

/**
 * The graph with its convolutions in QDQ form: int8 weights (one scale per output channel) and
 * uint8 activations (quantizedActivations) with a Q → DQ pair right after their producer; the
 * fp32 weights it replaces are dropped.
 */
export function quantizeConvs(g: OnnxGraph, ranges: Ranges): OnnxGraph {
  const byName = new Map(g.initializers.map((t) => [t.name, t]));
  const producer = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const quantized = new Set(quantizedActivations(g));
  const replaced = new Set<string>();
  const added: OnnxTensor[] = [];
  const nodes: OnnxNode[] = [];
  /** fp32 name → its dequantized replacement, for every later reader. */
  const dq = new Map<string, string>();
  const params = new Map<string, { scale: string; zeroPoint: string }>();
  const constant = (name: string, dataType: OnnxTensor['dataType'], raw: Uint8Array, dims: number[] = []) => {
    added.push({ name, dims, dataType, raw });
    return name;
  };
  const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
  const rangeOf = (value: string): [number, number] => {
    const range = ranges.get(value);
    if (range === undefined) throw new Error(`int8 export: no calibration range for '${value}'`);
    return range;
  };
  /** Q → DQ of `value`; a MaxPool output reuses its input's parameters (onnxruntime then pools uint8 directly). */
  const qdq = (value: string) => {
    const p = producer.get(value);
    const shared = p?.opType === 'MaxPool' ? params.get(p.inputs[0] as string) : undefined;
    let q = shared;
    if (q === undefined) {
      const { scale, zeroPoint } = uint8Params(rangeOf(value));
      q = {
        scale: constant(`${value}.scale`, DataType.FLOAT, f32([scale])),
        zeroPoint: constant(`${value}.zero_point`, DataType.UINT8, new Uint8Array([zeroPoint])),
      };
    }
    params.set(value, q);
    nodes.push({ opType: 'QuantizeLinear', name: `${value}.q`, inputs: [value, q.scale, q.zeroPoint], outputs: [`${value}.q`] });
    nodes.push({
      opType: 'DequantizeLinear',
      name: `${value}.dq`,
      inputs: [`${value}.q`, q.scale, q.zeroPoint],
      outputs: [`${value}.dq`],
    });
    dq.set(value, `${value}.dq`);
  };
  // Graph inputs read directly by a Conv (none in LocalizationNet, but keep the rule whole).
  for (const i of g.inputs) if (quantized.has(i.name)) qdq(i.name);
  for (const original of g.nodes) {
    const n: OnnxNode = { ...original, inputs: original.inputs.map((i) => dq.get(i) ?? i) };
    if (n.opType === 'Conv') {
      const wName = original.inputs[1] as string;
      const w = byName.get(wName);
      if (w === undefined) throw new Error(`int8 export: Conv '${n.name}' has no weight initializer '${wName}'`);
      // Symmetric int8 weights, one scale per output channel (zero point 0).
      const values = float32s(w);
      const channels = w.dims[0] as number;
      const per = values.length / channels;
      const q = new Int8Array(values.length);
      const scales: number[] = [];
      for (let o = 0; o < channels; o++) {
        let m = 0;
        for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(values[o * per + i] as number));
        const sc = Math.max(m, 1e-12) / 127;
        scales.push(sc);
        for (let i = 0; i < per; i++) q[o * per + i] = Math.round((values[o * per + i] as number) / sc);
      }
      replaced.add(wName);
      nodes.push({
        opType: 'DequantizeLinear',
        name: `${n.name}.weight`,
        inputs: [
          constant(`${n.name}.weight_int8`, DataType.INT8, new Uint8Array(q.buffer), w.dims),
          constant(`${n.name}.weight_scale`, DataType.FLOAT, f32(scales), [channels]),
          constant(`${n.name}.weight_zero_point`, DataType.INT8, new Uint8Array(channels), [channels]),
        ],
        outputs: [`${n.name}.weight_dq`],
        attributes: { axis: 0 },
      });
      n.inputs = [n.inputs[0] as string, `${n.name}.weight_dq`, ...n.inputs.slice(2)];
    }
    nodes.push(n);
    for (const y of n.outputs) if (quantized.has(y)) qdq(y);
  }
  return {
    ...g,
    nodes,
    initializers: [...g.initializers.filter((t) => !replaced.has(t.name)), ...added],
  };
}
