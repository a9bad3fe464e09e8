// int8 inference: every convolution of an exported graph rewritten in ONNX's QDQ form —
// QuantizeLinear → DequantizeLinear around its input and output (uint8, ranges calibrated on
// real inputs) and int8 weights with one scale per output channel. onnxruntime fuses each
// DQ → Conv → Q into a QLinearConv that runs on the CPU's int8 dot-product instructions
// (AVX-512 VNNI here), about 2–3× faster than fp32 at batch 1; the rest of the graph (adds,
// pooling, the MLP and heads) stays fp32. Accuracy is checked by the exporter, not assumed.
import * as ort from 'onnxruntime-node';
import { INPUT_NAMES } from './localization-graph.js';
import { DataType, encodeGraph, encodeModel, type OnnxGraph, type OnnxNode, type OnnxTensor } from './onnx/model-proto.js';
import type { InputBatch } from './ort.js';

/** [min, max] of a tensor over the calibration batch. */
export type Ranges = Map<string, [number, number]>;

function float32s(t: OnnxTensor): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`int8 export: '${t.name}' is not a float tensor`);
  return new Float32Array(t.raw.slice().buffer);
}

/** Inputs and outputs of every Conv: the tensors calibration must measure. */
export function convActivations(g: OnnxGraph): string[] {
  const names = new Set<string>();
  for (const n of g.nodes) {
    if (n.opType !== 'Conv') continue;
    names.add(n.inputs[0] as string);
    names.add(n.outputs[0] as string);
  }
  return [...names];
}

/**
 * Runs the fp32 graph once on `batch` with every Conv input/output exposed as an extra output,
 * and records each one's range. Calibrate on transmissions like those the model will see (a
 * batch of the training or validation split); the range always includes 0.
 */
export async function calibrate(
  g: OnnxGraph,
  batch: InputBatch,
  dims: { receivers: number; melBands: number; frames: number; scalars: number },
): Promise<Ranges> {
  const names = convActivations(g);
  const probe: OnnxGraph = { ...g, outputs: [...g.outputs, ...names.map((name) => ({ name, elemType: DataType.FLOAT }))] };
  const bytes = Buffer.concat(
    encodeModel(
      { irVersion: 8, opsetVersion: 17, producerName: 'heimdall-calibration', producerVersion: '', metadata: {} },
      encodeGraph(probe),
    ),
  );
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2, graphOptimizationLevel: 'basic' });
  try {
    const out = await session.run(
      {
        [INPUT_NAMES.mel]: new ort.Tensor('float32', batch.mel, [batch.size, dims.receivers, dims.melBands, dims.frames]),
        [INPUT_NAMES.scalars]: new ort.Tensor('float32', batch.scalars, [batch.size, dims.receivers, dims.scalars]),
        [INPUT_NAMES.mask]: new ort.Tensor('float32', Float32Array.from(batch.mask), [batch.size, dims.receivers]),
      },
      names,
    );
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

/** The graph with every Conv in QDQ form; the fp32 weights it replaces are dropped. */
export function quantizeConvs(g: OnnxGraph, ranges: Ranges): OnnxGraph {
  const byName = new Map(g.initializers.map((t) => [t.name, t]));
  const replaced = new Set<string>();
  const added: OnnxTensor[] = [];
  const nodes: OnnxNode[] = [];
  const scalar = (name: string, dataType: OnnxTensor['dataType'], raw: Uint8Array, dims: number[] = []) => {
    added.push({ name, dims, dataType, raw });
    return name;
  };
  const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
  const rangeOf = (value: string): [number, number] => {
    const range = ranges.get(value);
    if (range === undefined) throw new Error(`int8 export: no calibration range for '${value}'`);
    return range;
  };
  /** Q → DQ of a value over `range`; returns the dequantized value's name. */
  const qdq = (value: string, range: [number, number], base: string, into?: string): string => {
    const { scale, zeroPoint } = uint8Params(range);
    const s = scalar(`${base}.scale`, DataType.FLOAT, f32([scale]));
    const z = scalar(`${base}.zero_point`, DataType.UINT8, new Uint8Array([zeroPoint]));
    nodes.push({ opType: 'QuantizeLinear', name: `${base}.q`, inputs: [value, s, z], outputs: [`${base}.q`] });
    const out = into ?? `${base}.dq`;
    nodes.push({ opType: 'DequantizeLinear', name: `${base}.dq`, inputs: [`${base}.q`, s, z], outputs: [out] });
    return out;
  };
  for (const n of g.nodes) {
    if (n.opType !== 'Conv') {
      nodes.push(n);
      continue;
    }
    const [x, wName, bias] = n.inputs as [string, string, string];
    const y = n.outputs[0] as string;
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
      const s = Math.max(m, 1e-12) / 127;
      scales.push(s);
      for (let i = 0; i < per; i++) q[o * per + i] = Math.round((values[o * per + i] as number) / s);
    }
    replaced.add(wName);
    const wq = scalar(`${n.name}.weight_int8`, DataType.INT8, new Uint8Array(q.buffer), w.dims);
    const ws = scalar(`${n.name}.weight_scale`, DataType.FLOAT, f32(scales), [channels]);
    const wz = scalar(`${n.name}.weight_zero_point`, DataType.INT8, new Uint8Array(channels), [channels]);
    const xd = qdq(x, rangeOf(x), `${n.name}.input`);
    nodes.push({
      opType: 'DequantizeLinear',
      name: `${n.name}.weight`,
      inputs: [wq, ws, wz],
      outputs: [`${n.name}.weight_dq`],
      attributes: { axis: 0 },
    });
    nodes.push({ ...n, inputs: [xd, `${n.name}.weight_dq`, bias], outputs: [`${n.name}.fp32`] });
    // The Conv now writes `<name>.fp32`; its Q → DQ restores the original output name for the consumers.
    qdq(`${n.name}.fp32`, rangeOf(y), `${n.name}.output`, y);
  }
  return {
    ...g,
    nodes,
    initializers: [...g.initializers.filter((t) => !replaced.has(t.name)), ...added],
  };
}
