// Model files: exported ONNX models (what `predict` and the API open) and safetensors (checkpoints for
// `train --resume` and `--init-from`, power-net weights). Seeds from the project's own exporter and writer.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromTypedArray } from '../../../src/engine/creation.js';
import { loadSafetensors, type SafetensorsFile, saveSafetensors } from '../../../src/engine/safetensors.js';
import type { Tensor } from '../../../src/engine/tensor.js';
import { checkInputContract } from '../../../src/export/contract.js';
import { exportLocalizationNet } from '../../../src/export/export.js';
import { parseOnnx } from '../../../src/export/read.js';
import { makeNet, metadataFor } from '../../../test/export/fixtures.js';
import type { FuzzTarget } from '../target.js';

/** A small exported LocalizationNet, fp32 (a few seconds to make). */
export async function onnxSeeds(): Promise<Uint8Array[]> {
  const dir = mkdtempSync(join(process.env.TMPDIR ?? '/tmp', 'heimdall-fuzz-onnx-'));
  try {
    const net = makeNet({ widths: [2, 2, 2, 2] });
    const path = join(dir, 'seed.onnx');
    await exportLocalizationNet(net, { path, metadata: metadataFor(net), checker: false });
    return [readFileSync(path)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function onnxTarget(seeds: Uint8Array[]): FuzzTarget {
  return {
    name: 'onnx',
    kind: 'bytes',
    seeds,
    source: 'fuzz.onnx',
    // What loadModel checks before onnxruntime sees the bytes: structure, metadata, graph hash, input contract.
    run: (input) => {
      const r = parseOnnx(input, 'fuzz.onnx');
      checkInputContract(r.metadata, r.model.graph.inputs, 'fuzz.onnx');
      return r;
    },
    check: (r) => {
      const m = (r as ReturnType<typeof parseOnnx>).metadata;
      return m.receivers.length > 0 && Number.isFinite(m.scaleM) ? undefined : 'metadata without receivers or scale';
    },
  };
}

function safetensorsSeeds(dir: string): Uint8Array[] {
  const path = join(dir, 'seed.safetensors');
  const sets: [Map<string, Tensor>, Record<string, string>][] = [
    [
      new Map([
        ['model.w', fromTypedArray(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3])],
        ['optim.step', fromTypedArray(BigInt64Array.from([7n]), [1])],
        ['mask', fromTypedArray(Uint8Array.from([1, 0, 1]), [3])],
      ]),
      { format: 'heimdall-trainer', trainer: JSON.stringify({ epoch: 2, globalStep: 10 }) },
    ],
    [new Map([['x', fromTypedArray(new Float64Array(0), [0, 4])]]), {}],
  ];
  return sets.map(([tensors, metadata]) => {
    saveSafetensors(path, tensors, metadata);
    for (const t of tensors.values()) t.dispose();
    return readFileSync(path);
  });
}

export function safetensorsTarget(dir: string): FuzzTarget {
  const path = join(dir, 'fuzz.safetensors');
  return {
    name: 'safetensors',
    kind: 'bytes',
    seeds: safetensorsSeeds(dir),
    source: 'fuzz.safetensors',
    run: (input) => {
      writeFileSync(path, input);
      return loadSafetensors(path);
    },
    check: (r) => {
      for (const [name, t] of (r as SafetensorsFile).tensors)
        if (t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) return `tensor ${name} has shape ${t.shape}`;
      return undefined;
    },
    dispose: (r) => {
      for (const t of (r as SafetensorsFile).tensors.values()) t.dispose();
    },
  };
}
