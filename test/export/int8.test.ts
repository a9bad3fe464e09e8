// int8 (QDQ) export: convolutions as int8 weights + uint8 activations calibrated on inputs,
// fused by onnxruntime into QLinearConv; accuracy checked against the engine in the units that
// matter for a localization (position shift in σ, relative σ change, ρ change).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setNumThreads } from '../../src/engine/runtime.js';
import { onnxCheckerAvailable } from '../../src/export/checker.js';
import { compareInt8, engineOutputs, exportLocalizationNet, INT8_TOLERANCE, syntheticBatch } from '../../src/export/export.js';
import { localizationGraph } from '../../src/export/localization-graph.js';
import { DataType, decodeModel } from '../../src/export/onnx/model-proto.js';
import { createSession, runBatch } from '../../src/export/ort.js';
import { quantizedActivations } from '../../src/export/quantize.js';
import { readOnnxMetadata } from '../../src/export/read.js';
import { SCALAR_COUNT } from '../../src/signal/features/scalars.js';
import { makeNet, metadataFor } from './fixtures.js';

setNumThreads(2);
const dir = mkdtempSync(join(tmpdir(), 'heimdall-onnx-int8-'));
const S = SCALAR_COUNT;

test('int8 export: QDQ convolutions with int8 weights (a quarter of the bytes), within tolerance of the engine', async () => {
  const net = makeNet({ seed: 5 });
  const fp32 = await exportLocalizationNet(net, { path: join(dir, 'fp32.onnx'), metadata: metadataFor(net), checker: false });
  const path = join(dir, 'int8.onnx');
  const r = await exportLocalizationNet(net, {
    path,
    metadata: metadataFor(net),
    precision: 'int8',
    calibrationBatch: syntheticBatch(32, 4, 128, 32, S, 21),
    verifyBatch: syntheticBatch(16, 4, 128, 32, S, 22),
  });
  assert.equal(r.precision, 'int8');
  assert.equal(r.checker.status, onnxCheckerAvailable() ? 'passed' : 'skipped');
  const q = r.int8 as NonNullable<typeof r.int8>;
  assert.ok(q.positionSigmas <= INT8_TOLERANCE.positionSigmas && q.positionSigmas > 0, `positions ${q.positionSigmas} σ`);
  assert.ok(q.sigmaRelative <= INT8_TOLERANCE.sigmaRelative && q.rho <= INT8_TOLERANCE.rho);
  assert.equal(readOnnxMetadata(path).precision, 'int8');
  assert.equal(readOnnxMetadata(join(dir, 'fp32.onnx')).precision, 'fp32');

  // Every Conv reads int8 weights through a per-channel DequantizeLinear and a quantized input.
  const m = decodeModel(readFileSync(path));
  const convs = m.graph.nodes.filter((n) => n.opType === 'Conv');
  const producers = new Map(m.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const int8 = new Set(m.graph.initializers.filter((t) => t.dataType === DataType.INT8).map((t) => t.name));
  for (const c of convs) {
    assert.equal(producers.get(c.inputs[0] as string)?.opType, 'DequantizeLinear', `${c.name} input`);
    const w = producers.get(c.inputs[1] as string);
    assert.equal(w?.opType, 'DequantizeLinear');
    assert.ok(int8.has(w?.inputs[0] as string), `${c.name} weights are int8`);
  }
  assert.equal(
    m.graph.initializers.some((t) => t.dataType === DataType.FLOAT && t.dims.length === 4),
    false,
    'no fp32 convolution weights remain',
  );
  // Convolution weights take a quarter of their fp32 bytes (the per-channel scales aside).
  const convBytes = (file: string, type: number, rank4: boolean) =>
    decodeModel(readFileSync(file))
      .graph.initializers.filter((t) => t.dataType === type && (!rank4 || t.dims.length === 4))
      .reduce((n, t) => n + t.raw.byteLength, 0);
  assert.equal(4 * convBytes(path, DataType.INT8, true), convBytes(fp32.path, DataType.FLOAT, true));
  assert.ok(r.bytes < fp32.bytes);

  // Unseen inputs of another batch size stay within tolerance too.
  const session = await createSession(path);
  const b = syntheticBatch(5, 4, 128, 32, S, 23);
  const post = { sigmaFloor: 1e-3, sigmaScale: 1.37, melBands: 128, frames: 32 };
  const dims = { receivers: 4, melBands: 128, frames: 32, scalars: S };
  const unseen = compareInt8(engineOutputs(net, b, post), await runBatch(session, b, dims));
  assert.ok(unseen.positionSigmas <= 2 * INT8_TOLERANCE.positionSigmas, `unseen: ${unseen.positionSigmas} σ`);
  await session.release();
  net.dispose();
});

test('activations between convolutions stay uint8: Relu outputs, not the Conv/Add before them, are quantized', () => {
  const net = makeNet({ seed: 6 });
  const g = localizationGraph(net, { sigmaFloor: 1e-3, sigmaScale: 1, melBands: 128, frames: 32 });
  const names = new Set(quantizedActivations(g));
  const byOutput = new Map(g.nodes.map((n) => [n.outputs[0] as string, n]));
  for (const n of g.nodes.filter((x) => x.opType === 'Relu' && x.name.startsWith('trunk.'))) {
    assert.ok(names.has(n.outputs[0] as string), `${n.name} output`);
    assert.equal(names.has(n.inputs[0] as string), false, `${byOutput.get(n.inputs[0] as string)?.name} feeds only a Relu`);
  }
  assert.ok(names.has('masked_mel'), 'the first convolution reads a quantized spectrogram');
  assert.equal(
    [...names].some((x) => x.startsWith('scalar_mlp') || x.startsWith('fuse') || x.startsWith('sigma')),
    false,
    'the MLP and the heads stay fp32',
  );
  net.dispose();
});

test('an int8 model too far from the engine fails the export and leaves no file', async () => {
  const net = makeNet({ seed: 7 });
  // Calibrating on inputs a thousand times larger than real ones makes every quantization step so
  // coarse that real activations round away. (All-zero inputs were used before; a zero range falls
  // back to a default one, which a network of nine scalars happened to survive.)
  const zeros = syntheticBatch(4, 4, 128, 32, S, 1);
  const mel = zeros.mel as Float32Array;
  for (let i = 0; i < mel.length; i++) mel[i] = (mel[i] as number) * 1e3;
  for (let i = 0; i < zeros.scalars.length; i++) zeros.scalars[i] = (zeros.scalars[i] as number) * 1e3;
  const path = join(dir, 'bad-int8.onnx');
  await assert.rejects(
    exportLocalizationNet(net, { path, metadata: metadataFor(net), precision: 'int8', calibrationBatch: zeros, checker: false }),
    /ONNX export: the int8 model is too far from the engine: positions moved by up to [\d.]+ σ \(limit 0\.1\)/,
  );
  assert.equal(existsSync(path), false);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('bad-int8')),
    [],
  );
  net.dispose();
});
