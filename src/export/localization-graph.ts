// LocalizationNet as an ONNX graph, written straight from the engine module and its weights:
// every Conv → BatchNorm pair becomes one Conv (batch norm folded in), and the covariance
// post-processing of model/losses.ts runs inside the graph, so the outputs are in metres.
//
// Inputs : mel_spectrogram [N, R, 128, 32] (normalized; not for a network without the spectrogram trunk),
//          scalars [N, R, S] (normalized), mask [N, R] (1 = present),
//          and for a network that corrects the physics prior: prior [N, 6] (network units, model/prior-inputs.ts)
// Outputs: positions [N, 2] east/north (m, network frame); uncertainties [N, 3] [σ_east m, σ_north m, ρ]
import type { BatchNorm2d, Conv2d, Linear, MaxPool2d } from '../engine/nn/layers.js';
import type { Tensor } from '../engine/tensor.js';
import { type LocalizationNet, PRIOR_INPUT_WIDTH } from '../model/localization-net.js';
import { RAW_INDEX, RHO_SCALE } from '../model/losses.js';
import type { BasicBlock, ResNet18 } from '../model/resnet.js';
import { GraphBuilder } from './onnx/graph-builder.js';
import { DataType, type OnnxGraph } from './onnx/model-proto.js';

export const INPUT_NAMES = { mel: 'mel_spectrogram', scalars: 'scalars', mask: 'mask', prior: 'prior' } as const;
export const OUTPUT_NAMES = { positions: 'positions', uncertainties: 'uncertainties' } as const;

export interface GraphOptions {
  /** σ floor of the loss (normalized units), as in training. */
  sigmaFloor: number;
  /** Post-hoc calibration factor applied to every σ (1 = as the network predicts). */
  sigmaScale: number;
  /** Spectrogram size per receiver (the feature configuration's melBands × frames). */
  melBands: number;
  frames: number;
}

const values = (t: Tensor): Float64Array => Float64Array.from(t.toFloat32Array());
const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** Conv followed by BatchNorm (eval mode), as one Conv: W' = W·γ/√(var+ε), b' = β − mean·γ/√(var+ε) (+ conv bias). */
function convBn(g: GraphBuilder, x: string, conv: Conv2d, bn: BatchNorm2d, name: string): string {
  const w = values(conv.weight);
  const [out, inPerGroup, kh, kw] = conv.weight.shape as [number, number, number, number];
  const gamma = values(bn.weight);
  const beta = values(bn.bias);
  const mean = values(bn.runningMean);
  const variance = values(bn.runningVar);
  const convBias = conv.bias ? values(conv.bias) : null;
  const per = inPerGroup * kh * kw;
  const folded = new Float64Array(w.length);
  const bias = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    const s = (gamma[o] as number) / Math.sqrt((variance[o] as number) + bn.eps);
    for (let k = 0; k < per; k++) folded[o * per + k] = (w[o * per + k] as number) * s;
    bias[o] = (beta[o] as number) + ((convBias?.[o] ?? 0) - (mean[o] as number)) * s;
  }
  const [sh, sw] = pair(conv.options.stride);
  const [ph, pw] = pair(conv.options.padding);
  const [dh, dw] = pair(conv.options.dilation);
  return g.op(
    'Conv',
    [x, g.floats(`${name}.weight`, folded, [out, inPerGroup, kh, kw]), g.floats(`${name}.bias`, bias, [out])],
    name,
    { kernel_shape: [kh, kw], strides: [sh, sw], pads: [ph, pw, ph, pw], dilations: [dh, dw], group: conv.options.groups },
  );
}

function maxPool(g: GraphBuilder, x: string, p: MaxPool2d, name: string): string {
  const k = pair(p.kernelSize);
  const [sh, sw] = pair(p.options.stride ?? k);
  const [ph, pw] = pair(p.options.padding ?? 0);
  const [dh, dw] = pair(p.options.dilation ?? 1);
  return g.op('MaxPool', [x], name, {
    kernel_shape: k,
    strides: [sh, sw],
    pads: [ph, pw, ph, pw],
    dilations: [dh, dw],
    ceil_mode: p.options.ceilMode ? 1 : 0,
  });
}

/** x·Wᵀ + b for rows [from, from + count) of a Linear's output, each output multiplied by `scale`. */
function gemm(
  g: GraphBuilder,
  x: string,
  l: Linear,
  name: string,
  rows?: { from: number; count: number; scale?: number },
): string {
  const [outAll, inF] = l.weight.shape as [number, number];
  const from = rows?.from ?? 0;
  const count = rows?.count ?? outAll;
  const scale = rows?.scale ?? 1;
  const w = values(l.weight)
    .subarray(from * inF, (from + count) * inF)
    .map((v) => v * scale);
  const b = l.bias
    ? values(l.bias)
        .subarray(from, from + count)
        .map((v) => v * scale)
    : new Float64Array(count);
  return g.op('Gemm', [x, g.floats(`${name}.weight`, w, [count, inF]), g.floats(`${name}.bias`, b, [count])], name, {
    transB: 1,
  });
}

function basicBlock(g: GraphBuilder, x: string, b: BasicBlock, name: string): string {
  const h = g.op('Relu', [convBn(g, x, b.conv1, b.bn1, `${name}.conv1`)], `${name}.relu1`);
  const out = convBn(g, h, b.conv2, b.bn2, `${name}.conv2`);
  let identity = x;
  if (b.downsample) {
    const [conv, bn] = b.downsample.layers as [Conv2d, BatchNorm2d];
    identity = convBn(g, x, conv, bn, `${name}.downsample`);
  }
  return g.op('Relu', [g.op('Add', [out, identity], `${name}.add`)], `${name}.relu2`);
}

/** The trunk's image features [N, width] of the masked spectrogram stack `mel`. */
function trunkFeatures(g: GraphBuilder, mel: string, t: ResNet18): string {
  let h = g.op('Relu', [convBn(g, mel, t.conv1, t.bn1, 'trunk.conv1')], 'trunk.relu');
  h = maxPool(g, h, t.maxpool, 'trunk.maxpool');
  t.stages.forEach((stage, i) => {
    for (const [j, block] of (stage.layers as BasicBlock[]).entries()) h = basicBlock(g, h, block, `trunk.layer${i + 1}.${j}`);
  });
  return g.op('Flatten', [g.op('GlobalAveragePool', [h], 'trunk.pool')], 'trunk.features', { axis: 1 });
}

/**
 * The learned per-receiver power offsets (LocalizationNet's receiverOffsets): channel 0 plus
 * offsets[r] · channel 1 (the heard flag), the other channels as they are — the engine's
 * arithmetic, operation for operation.
 */
function offsetScalars(g: GraphBuilder, scalars: string, offsets: Tensor, r: number, s: number): string {
  const channels = (from: number, to: number, name: string) =>
    g.op(
      'Slice',
      [scalars, g.int64s(`${name}_start`, [from]), g.int64s(`${name}_end`, [to]), g.int64s(`${name}_axis`, [2])],
      name,
    );
  const weights = g.floats('receiver_offsets', values(offsets), [1, r, 1]);
  const shift = g.op('Mul', [channels(1, 2, 'scalars.heard'), weights], 'receiver_offsets.heard');
  const power = g.op('Add', [channels(0, 1, 'scalars.power'), shift], 'scalars.power_offset');
  return g.op('Concat', [power, channels(1, s, 'scalars.rest')], 'offset_scalars', { axis: 2 });
}

/** The ONNX graph of `net` in eval mode (running batch-norm statistics). */
export function localizationGraph(net: LocalizationNet, o: GraphOptions): OnnxGraph {
  if (!(o.sigmaFloor > 0)) throw new RangeError(`ONNX export: sigmaFloor must be > 0, got ${o.sigmaFloor}`);
  if (!(o.sigmaScale > 0)) throw new RangeError(`ONNX export: sigmaScale must be > 0, got ${o.sigmaScale}`);
  const g = new GraphBuilder();
  const r = net.receiverCount;
  const s = net.options.scalarCount;
  const scaleM = net.options.scaleM;
  const mel = net.trunk ? g.name(INPUT_NAMES.mel) : undefined;
  const scalars = g.name(INPUT_NAMES.scalars);
  const mask = g.name(INPUT_NAMES.mask);
  const prior = net.options.prior ? g.name(INPUT_NAMES.prior) : undefined;
  // Columns [from, from + count) of the prior, for the residual additions below.
  const priorCols = (from: number, count: number, name: string): string =>
    g.op(
      'Slice',
      [
        prior as string,
        g.int64s(`${name}_start`, [from]),
        g.int64s(`${name}_end`, [from + count]),
        g.int64s(`${name}_axis`, [1]),
      ],
      name,
    );
  g.name(OUTPUT_NAMES.positions);
  g.name(OUTPUT_NAMES.uncertainties);

  // Absent receivers contribute nothing: spectrogram, scalars and position are zeroed (Reshape's
  // 0 copies the batch dimension, so N stays dynamic).
  const mask3 = g.op('Reshape', [mask, g.int64s('shape_n_r_1', [0, r, 1])], 'mask3');
  const image: string[] = [];
  if (net.trunk && mel) {
    const mask4 = g.op('Reshape', [mask, g.int64s('shape_n_r_1_1', [0, r, 1, 1])], 'mask4');
    image.push(trunkFeatures(g, g.op('Mul', [mel, mask4], 'masked_mel'), net.trunk));
  }

  const offset = net.receiverOffsets ? offsetScalars(g, scalars, net.receiverOffsets, r, s) : scalars;
  const maskedScalars = g.op('Mul', [offset, mask3], 'masked_scalars');
  const positions = g.floats('receiver_positions', values(net.positions), [1, r, 2]);
  const maskedPositions = g.op('Mul', [positions, mask3], 'masked_positions');
  const perReceiver = g.op('Concat', [maskedScalars, maskedPositions, mask3], 'per_receiver', { axis: 2 });
  const flat = g.op('Reshape', [perReceiver, g.int64s('shape_n_flat', [0, -1])], 'per_receiver_flat');
  const m1 = g.op('Relu', [gemm(g, flat, net.scalarMlp1, 'scalar_mlp1')], 'scalar_mlp1.relu');
  const m2 = g.op('Relu', [gemm(g, m1, net.scalarMlp2, 'scalar_mlp2')], 'scalar_mlp2.relu');
  const fuseParts = [...image, m2, ...(prior ? [prior] : [])];
  const fusedIn = fuseParts.length > 1 ? g.op('Concat', fuseParts, 'fuse_in', { axis: 1 }) : m2;
  const hidden = g.op('Relu', [gemm(g, fusedIn, net.fuse, 'fuse')], 'fuse.relu');

  // The head's rows split three ways: position (×scaleM: metres), σ parameters, ρ parameter; the
  // raw rows follow the position's two in the order RAW_INDEX of model/losses.ts gives.
  // This re-expresses sigmaRhoFromRaw (model/losses.ts) as ONNX operators — the parity tests
  // compare onnxruntime's outputs with that function. (ONNX's Softplus has no linear branch above
  // 20 like libtorch's; there the two differ by < 1e-8 relative.)
  // With a prior, each group of head rows is a correction added to the prior's columns (the
  // network's `head + prior`); the position's are scaled to metres like the head's.
  const raw = (k: number) => 2 + k;
  const headPos = gemm(g, hidden, net.head, 'head.position', { from: 0, count: 2, scale: scaleM });
  const pos = prior
    ? g.op(
        'Add',
        [headPos, g.op('Mul', [priorCols(0, 2, 'prior.position'), g.floats('prior_to_m', [scaleM], [1])], 'prior.position_m')],
        'position',
      )
    : headPos;
  const headSigma = gemm(g, hidden, net.head, 'head.sigma', { from: raw(RAW_INDEX.sigmaE), count: 2 });
  const sigmaRaw = prior ? g.op('Add', [headSigma, priorCols(raw(RAW_INDEX.sigmaE), 2, 'prior.sigma')], 'sigma.raw') : headSigma;
  // σ = (softplus(raw) + floor)·scaleM·sigmaScale (metres, calibrated).
  const sigmaUnits = g.op(
    'Add',
    [g.op('Softplus', [sigmaRaw], 'sigma.softplus'), g.floats('sigma_floor', [o.sigmaFloor], [1])],
    'sigma.units',
  );
  const sigmaM = g.op('Mul', [sigmaUnits, g.floats('sigma_to_m', [scaleM * o.sigmaScale], [1])], 'sigma_m');
  let rho: string;
  if (net.options.diagonal) {
    // ρ = 0 for every row, whatever the batch size: 0·σₑ.
    const first = g.op(
      'Slice',
      [sigmaM, g.int64s('rho_start', [0]), g.int64s('rho_end', [1]), g.int64s('rho_axis', [1])],
      'sigma_e',
    );
    rho = g.op('Mul', [first, g.floats('zero', [0], [1])], 'rho');
  } else {
    const headRho = gemm(g, hidden, net.head, 'head.rho', { from: raw(RAW_INDEX.rho), count: 1 });
    const rhoRaw = prior ? g.op('Add', [headRho, priorCols(raw(RAW_INDEX.rho), 1, 'prior.rho')], 'rho.raw') : headRho;
    rho = g.op('Mul', [g.op('Tanh', [rhoRaw], 'rho.tanh'), g.floats('rho_scale', [RHO_SCALE], [1])], 'rho');
  }
  g.rename(pos, OUTPUT_NAMES.positions);
  g.rename(g.op('Concat', [sigmaM, rho], 'uncertainty', { axis: 1 }), OUTPUT_NAMES.uncertainties);

  const f = DataType.FLOAT;
  return g.graph(
    'LocalizationNet',
    [
      ...(mel ? [{ name: mel, elemType: f, shape: ['N', r, o.melBands, o.frames] }] : []),
      { name: scalars, elemType: f, shape: ['N', r, s] },
      { name: mask, elemType: f, shape: ['N', r] },
      ...(prior ? [{ name: prior, elemType: f, shape: ['N', PRIOR_INPUT_WIDTH] }] : []),
    ],
    [
      { name: OUTPUT_NAMES.positions, elemType: f, shape: ['N', 2] },
      { name: OUTPUT_NAMES.uncertainties, elemType: f, shape: ['N', 3] },
    ],
  );
}
