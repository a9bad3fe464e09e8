// The PyTorch side of bench/inference: runs torch_localization.py on the engine's own weights, with
// every shape taken from the network and the feature configuration (never restated here), and
// returns its timings and its outputs on a verification batch (to check it computes the same
// function as the exported model before any timing is believed).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromFloat32Array } from '../../src/engine/creation.js';
import { loadSafetensors, saveSafetensors } from '../../src/engine/safetensors.js';
import type { Tensor } from '../../src/engine/tensor.js';
import type { InputBatch, OutputBatch } from '../../src/export/ort.js';
import type { LocalizationNet } from '../../src/model/localization-net.js';
import { RHO_SCALE } from '../../src/model/losses.js';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bench/inference/torch_localization.py');

export const FP32_VARIANTS = ['fp32_eager', 'fp32_frozen', 'fp32_optimized'] as const;
export type TorchVariant = (typeof FP32_VARIANTS)[number] | 'int8';

export interface TorchTiming {
  batch1_ms_median: number;
  batch1_ms_p90: number;
  batch1_ms_min: number;
  batch32_samples_per_s: number;
}

export interface TorchReference {
  torch: string;
  threads: number;
  timings: Partial<Record<TorchVariant, TorchTiming | null>>;
  /** The quantized engine used for int8 ('fbgemm' or 'onednn') and why. */
  int8Backend?: string;
  int8BackendNote?: string;
  /** Each variant's outputs on the verify batch, in the exported model's units (m, m, ρ). */
  outputs: Partial<Record<TorchVariant, OutputBatch>>;
}

export interface ReferenceInputs {
  one: InputBatch;
  big: InputBatch;
  verify: InputBatch;
  calibration: InputBatch;
}

export interface ReferenceShape {
  melBands: number;
  frames: number;
  sigmaFloor: number;
  sigmaScale: number;
}

/** Why PyTorch cannot be used here, or null when `import torch` works. */
export function torchUnavailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} cannot import torch and numpy (apt-get install -y python3-torch)`;
}

/** The script's shape arguments, read from the network itself (its weights' shapes decide). */
export function shapeArgs(net: LocalizationNet, s: ReferenceShape): string[] {
  const o = net.options;
  if (net.trunk === undefined) throw new Error('torch reference: the network has no spectrogram trunk to compare');
  const widths = net.trunk.stages.map((stage) => {
    const first = stage.stateDict().get('0.conv1.weight');
    if (first === undefined) throw new Error('torch reference: a ResNet stage has no 0.conv1.weight');
    return first.shape[0] as number;
  });
  return [
    '--receivers',
    String(net.receiverCount),
    '--scalars',
    String(o.scalarCount),
    '--mel-bands',
    String(s.melBands),
    '--frames',
    String(s.frames),
    '--widths',
    widths.join(','),
    '--hidden',
    String(net.scalarMlp1.weight.shape[0]),
    '--uncertainty-outputs',
    String(net.uncertaintyOutputs),
    '--scale-m',
    String(o.scaleM),
    '--sigma-floor',
    String(s.sigmaFloor),
    '--sigma-scale',
    String(s.sigmaScale),
    '--rho-scale',
    String(RHO_SCALE),
  ];
}

function batchTensors(name: string, b: InputBatch, net: LocalizationNet, s: ReferenceShape): [string, Tensor][] {
  const r = net.receiverCount;
  return [
    [`${name}_mel`, fromFloat32Array(b.mel as Float32Array, [b.size, r, s.melBands, s.frames])],
    [`${name}_scalars`, fromFloat32Array(b.scalars, [b.size, r, net.options.scalarCount])],
    [`${name}_mask`, fromFloat32Array(Float32Array.from(b.mask), [b.size, r])],
  ];
}

/** Runs the reference once: builds it from `net`'s weights, checks shapes, times `variants`. */
export function runTorchReference(
  net: LocalizationNet,
  inputs: ReferenceInputs,
  o: ReferenceShape & { threads: number; runs: number; batches: number; variants?: TorchVariant[] },
): TorchReference {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-torch-reference-'));
  const tensors: [string, Tensor][] = [];
  try {
    const weights = join(dir, 'weights.safetensors');
    const inputPath = join(dir, 'inputs.safetensors');
    const outputPath = join(dir, 'outputs.safetensors');
    saveSafetensors(weights, net.stateDict());
    for (const [name, b] of Object.entries(inputs)) tensors.push(...batchTensors(name, b, net, o));
    saveSafetensors(inputPath, new Map(tensors));
    const variants = o.variants ?? [...FP32_VARIANTS, 'int8'];
    const args = [
      SCRIPT,
      ...shapeArgs(net, o),
      '--threads',
      String(o.threads),
      '--runs',
      String(o.runs),
      '--batches',
      String(o.batches),
      '--weights',
      weights,
      '--inputs',
      inputPath,
      '--outputs',
      outputPath,
      '--variants',
      variants.join(','),
    ];
    const env = { ...process.env, OMP_NUM_THREADS: String(o.threads), MKL_NUM_THREADS: String(o.threads) };
    const r = spawnSync(PYTHON, args, { encoding: 'utf8', env, maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`PyTorch reference failed (exit ${r.status}): ${r.stderr.trim()}`);
    const json = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
    const saved = loadSafetensors(outputPath).tensors;
    const outputs: TorchReference['outputs'] = {};
    for (const v of variants) {
      const pos = saved.get(`${v}_positions`);
      const unc = saved.get(`${v}_uncertainties`);
      if (pos === undefined || unc === undefined) throw new Error(`PyTorch reference: no outputs for variant '${v}'`);
      outputs[v] = { positions: pos.toFloat32Array(), uncertainties: unc.toFloat32Array() };
    }
    for (const t of saved.values()) t.dispose();
    return {
      torch: json.torch,
      threads: json.threads,
      timings: json.timings,
      outputs,
      ...(json.int8_backend ? { int8Backend: json.int8_backend, int8BackendNote: json.int8_backend_note } : {}),
    };
  } finally {
    for (const [, t] of tensors) t.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
