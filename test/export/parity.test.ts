// Engine vs onnxruntime on the exported graph: random weights with non-trivial batch-norm
// statistics (folding exercised), the diagonal variant, a briefly trained model, any batch size;
// the graph's structure; ONNX's checker; failed exports leave no file behind.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { noGrad } from '../../src/engine/autograd.js';
import { fromFloat32Array, fromTypedArray } from '../../src/engine/creation.js';
import { AdamW } from '../../src/engine/optim/adam.js';
import { setNumThreads } from '../../src/engine/runtime.js';
import { tidy } from '../../src/engine/scope.js';
import { onnxCheckerAvailable } from '../../src/export/checker.js';
import { compareOutputs, engineOutputs, exportLocalizationNet, syntheticBatch } from '../../src/export/export.js';
import { decodeModel } from '../../src/export/onnx/model-proto.js';
import { createSession, runBatch } from '../../src/export/ort.js';
import { gaussianNll, sigmaRhoFromRaw } from '../../src/model/losses.js';
import { SCALAR_COUNT } from '../../src/signal/features/scalars.js';
import { makeNet, metadataFor, SITES } from './fixtures.js';

setNumThreads(2);
const dir = mkdtempSync(join(tmpdir(), 'heimdall-onnx-'));
const S = SCALAR_COUNT;
const dims = (r: number) => ({ receivers: r, melBands: 128, frames: 32, scalars: S });
const post = { sigmaFloor: 1e-3, sigmaScale: 1.37, melBands: 128, frames: 32 };

test('random weights with batch-norm statistics: ORT matches the engine to 1e-5 of the output scale', async () => {
  const net = makeNet({ seed: 3 });
  const path = join(dir, 'random.onnx');
  const r = await exportLocalizationNet(net, { path, metadata: metadataFor(net) });
  assert.ok(r.maxRelDiff < 1e-5, `max relative difference ${r.maxRelDiff}`);
  assert.equal(r.batchSize, 4);
  assert.equal(r.bytes, readFileSync(path).byteLength);
  assert.equal(r.checker.status, onnxCheckerAvailable() ? 'passed' : 'skipped');
  // Any batch size (the batch dimension is dynamic), with masks of every kind.
  const session = await createSession(path);
  for (const size of [1, 7]) {
    const b = syntheticBatch(size, 4, 128, 32, S, 100 + size);
    const cmp = compareOutputs(engineOutputs(net, b, post), await runBatch(session, b, dims(4)));
    assert.ok(cmp.maxRelDiff < 1e-5, `batch ${size}: ${cmp.maxRelDiff}`);
  }
  // …and ORT's σ/ρ are the shared post-processing (model/losses.ts) of the engine's raw outputs.
  const b7 = syntheticBatch(7, 4, 128, 32, S, 107);
  const raw = tidy(() =>
    noGrad(() => {
      net.eval();
      const out = net
        .predict({
          mel: fromFloat32Array(b7.mel as Float32Array, [7, 4, 128, 32]),
          scalars: fromFloat32Array(b7.scalars, [7, 4, S]),
          mask: fromTypedArray(b7.mask, [7, 4]),
        })
        .raw.toFloat32Array();
      net.train();
      return out;
    }),
  );
  const shared = sigmaRhoFromRaw(raw, { floor: post.sigmaFloor, scale: net.options.scaleM * post.sigmaScale });
  const ort = (await runBatch(session, b7, dims(4))).uncertainties;
  shared.forEach((s, i) => {
    for (const [k, want] of [s.sigmaE, s.sigmaN, s.rho].entries()) {
      const got = ort[3 * i + k] as number;
      assert.ok(
        Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)),
        `sample ${i} output ${k}: ORT ${got}, shared ${want}`,
      );
    }
  });
  // Masking is real: a masked receiver's inputs do not matter.
  const b = syntheticBatch(1, 4, 128, 32, S, 9);
  b.mask.set([1, 0, 1, 1]);
  const a = await runBatch(session, b, dims(4));
  (b.mel as Float32Array).fill(5, 128 * 32, 2 * 128 * 32);
  b.scalars.fill(-3, S, 2 * S);
  assert.deepEqual(await runBatch(session, b, dims(4)), a);
  await session.release();
  net.dispose();
});

test('the graph: opset 17, IR 8, batch norm folded away, named inputs/outputs with a dynamic batch', () => {
  const m = decodeModel(readFileSync(join(dir, 'random.onnx')));
  assert.equal(m.opsetVersion, 17);
  assert.equal(m.irVersion, 8);
  assert.equal(m.producerName, 'heimdall');
  const ops = new Set(m.graph.nodes.map((n) => n.opType));
  assert.equal(ops.has('BatchNormalization'), false);
  assert.deepEqual([...ops].sort(), [
    'Add',
    'Concat',
    'Conv',
    'Flatten',
    'Gemm',
    'GlobalAveragePool',
    'MaxPool',
    'Mul',
    'Relu',
    'Reshape',
    'Softplus',
    'Tanh',
  ]);
  // 20 convolutions in a ResNet-18 with 3 downsampling shortcuts, each with its folded bias.
  assert.equal(m.graph.nodes.filter((n) => n.opType === 'Conv').length, 20);
  assert.ok(m.graph.nodes.filter((n) => n.opType === 'Conv').every((n) => n.inputs.length === 3));
  assert.deepEqual(
    m.graph.inputs.map((i) => [i.name, i.shape]),
    [
      ['mel_spectrogram', ['N', 4, 128, 32]],
      ['scalars', ['N', 4, S]],
      ['mask', ['N', 4]],
    ],
  );
  assert.deepEqual(
    m.graph.outputs.map((o) => [o.name, o.shape]),
    [
      ['positions', ['N', 2]],
      ['uncertainties', ['N', 3]],
    ],
  );
});

test('diagonal covariance: ρ is exactly 0 and σ matches', async () => {
  const net = makeNet({ seed: 4, diagonal: true });
  const path = join(dir, 'diagonal.onnx');
  const r = await exportLocalizationNet(net, { path, metadata: metadataFor(net) });
  assert.ok(r.maxRelDiff < 1e-5, `${r.maxRelDiff}`);
  const session = await createSession(path);
  const out = await runBatch(session, syntheticBatch(5, 4, 128, 32, S), dims(4));
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((i) => out.uncertainties[3 * i + 2]),
    [0, 0, 0, 0, 0],
  );
  assert.ok(out.uncertainties.every((v, i) => i % 3 === 2 || v > 0));
  await session.release();
  net.dispose();
});

test('a briefly trained model (weights and running statistics moved by Adam steps) exports with parity', async () => {
  const net = makeNet({ seed: 5 });
  const opt = new AdamW(net.parameters(), { lr: 1e-2 });
  const b = syntheticBatch(8, 4, 128, 32, S, 77);
  const target = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i));
  for (let step = 0; step < 15; step++) {
    tidy(() => {
      opt.zeroGrad();
      const out = net.predict({
        mel: fromFloat32Array(b.mel as Float32Array, [8, 4, 128, 32]),
        scalars: fromFloat32Array(b.scalars, [8, 4, S]),
        mask: fromTypedArray(b.mask, [8, 4]),
      });
      gaussianNll(out.position, out.raw, fromFloat32Array(target, [8, 2])).backward();
      opt.step();
    });
  }
  opt.dispose();
  assert.equal(net.training, true);
  const r = await exportLocalizationNet(net, { path: join(dir, 'trained.onnx'), metadata: metadataFor(net), verifyBatch: b });
  assert.ok(r.maxRelDiff < 1e-5, `${r.maxRelDiff}`);
  assert.equal(r.batchSize, 8);
  assert.equal(net.training, true, 'export restores the training mode');
  net.dispose();
});

test('ONNX checker accepts the file', (t) => {
  if (!onnxCheckerAvailable()) {
    t.skip('python3-onnx not installed');
    return;
  }
  // exportLocalizationNet already ran it; this asserts the result it reported above is real.
  const net = makeNet({ seed: 6 });
  return exportLocalizationNet(net, { path: join(dir, 'checked.onnx'), metadata: metadataFor(net) }).then((r) => {
    assert.equal(r.checker.status, 'passed');
    assert.match(r.checker.status === 'passed' ? r.checker.onnxVersion : '', /^1\.\d+/);
    net.dispose();
  });
});

test('a failed verification removes the new file and keeps an existing one', async () => {
  const net = makeNet({ seed: 8 });
  const path = join(dir, 'keep.onnx');
  writeFileSync(path, 'previous model');
  const b = syntheticBatch(2, 4, 128, 32, S);
  (b.mel as Float32Array)[0] = Number.NaN; // NaN outputs cannot be compared: the export must refuse
  await assert.rejects(
    exportLocalizationNet(net, { path, metadata: metadataFor(net), verifyBatch: b }),
    /onnxruntime and the engine disagree: max relative difference Infinity > 0\.0001/,
  );
  assert.equal(readFileSync(path, 'utf8'), 'previous model');
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
  );
  // Metadata that does not describe this network is refused before anything is written.
  const reversed = makeNet({ seed: 9, sites: [...SITES].reverse() });
  await assert.rejects(
    exportLocalizationNet(net, { path: join(dir, 'x.onnx'), metadata: metadataFor(reversed) }),
    /metadata receivers \[delta, charlie, bravo, alpha\] differ from the network's input order \[alpha, bravo, charlie, delta\]/,
  );
  assert.equal(existsSync(join(dir, 'x.onnx')), false);
  reversed.dispose();
  net.dispose();
});
