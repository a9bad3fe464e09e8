// A network that corrects the physics prior, exported: the graph takes the prior as a fifth input,
// adds it to the head's outputs, and onnxruntime matches the engine (fp32 and int8); an untrained
// network reproduces the prior exactly; metadata and network must agree on having a prior.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { noGrad } from '../../src/engine/autograd.js';
import { tensor } from '../../src/engine/creation.js';
import { setNumThreads } from '../../src/engine/runtime.js';
import { compareOutputs, engineOutputs, exportLocalizationNet, syntheticBatch } from '../../src/export/export.js';
import { INPUT_NAMES } from '../../src/export/localization-graph.js';
import { decodeModel } from '../../src/export/onnx/model-proto.js';
import { createSession, runBatch } from '../../src/export/ort.js';
import { PRIOR_WIDTH } from '../../src/signal/features/prior.js';
import { SCALAR_COUNT } from '../../src/signal/features/scalars.js';
import { randomValues } from '../helpers.js';
import { makeNet, metadataFor, priorSpecFor } from './fixtures.js';

setNumThreads(2);
const dir = mkdtempSync(join(tmpdir(), 'heimdall-prior-onnx-'));
const post = { sigmaFloor: 1e-3, sigmaScale: 1.37, melBands: 128, frames: 32 };
/** onnxruntime input sizes of a 4-receiver prior network of scale `scaleM`. */
const priorDims = (scaleM: number) => ({
  receivers: 4,
  melBands: 128,
  frames: 32,
  scalars: SCALAR_COUNT,
  prior: { scaleM, sigmaFloor: 1e-3 },
});

test('an untrained prior network outputs the prior itself: position, σ (× calibration) and ρ', async () => {
  const net = makeNet({ seed: 5, prior: true });
  const path = join(dir, 'untrained.onnx');
  await exportLocalizationNet(net, { path, metadata: metadataFor(net, { prior: priorSpecFor() }) });
  const dims = priorDims(net.options.scaleM);
  const b = syntheticBatch(6, 4, 128, 32, SCALAR_COUNT, 9, { prior: { scaleM: net.options.scaleM } });
  const session = await createSession(path);
  const out = await runBatch(session, b, dims);
  await session.release();
  let valid = 0;
  for (let i = 0; i < b.size; i++) {
    const p = (b.prior as Float32Array).subarray(i * PRIOR_WIDTH, (i + 1) * PRIOR_WIDTH);
    const u = (k: number) => out.uncertainties[3 * i + k] as number;
    if (p[5] !== 1) {
      // No prior: the centre of the network, σ = one network scale (× calibration).
      assert.ok(Math.abs(out.positions[2 * i] as number) < 1e-3);
      assert.ok(Math.abs(u(0) / (net.options.scaleM * 1.37) - 1) < 1e-4, `σ ${u(0)}`);
      continue;
    }
    valid++;
    assert.ok(Math.abs((out.positions[2 * i] as number) - (p[0] as number)) < 1e-4 * net.options.scaleM);
    assert.ok(Math.abs((out.positions[2 * i + 1] as number) - (p[1] as number)) < 1e-4 * net.options.scaleM);
    assert.ok(Math.abs(u(0) / ((p[2] as number) * 1.37) - 1) < 1e-4, `σ_east ${u(0)} vs prior ${p[2]}`);
    assert.ok(Math.abs(u(1) / ((p[3] as number) * 1.37) - 1) < 1e-4, `σ_north ${u(1)} vs prior ${p[3]}`);
    assert.ok(Math.abs(u(2) - (p[4] as number)) < 1e-4, `ρ ${u(2)} vs prior ${p[4]}`);
  }
  assert.ok(valid >= 3, `only ${valid} valid priors in the synthetic batch`);
});

test('a trained-looking prior network: ORT matches the engine in fp32 and int8, and the graph declares the prior input', async () => {
  const net = makeNet({ seed: 6, prior: true });
  // A non-zero correction, so the head and the residual addition are both exercised (small, as
  // a trained correction is: large random ones would move positions by many prior σ).
  noGrad(() => {
    net.head.weight.copy_(tensor(randomValues(net.head.weight.numel, 61, -0.01, 0.01), net.head.weight.shape));
    net.head.bias?.copy_(tensor(randomValues(5, 62, -0.05, 0.05)));
  });
  const metadata = metadataFor(net, { prior: priorSpecFor() });
  const fp32 = await exportLocalizationNet(net, { path: join(dir, 'trained.onnx'), metadata });
  assert.ok(fp32.maxRelDiff < 1e-5, `fp32: ${fp32.maxRelDiff}`);
  const model = decodeModel(readFileSync(join(dir, 'trained.onnx')));
  const prior = model.graph.inputs.find((i) => i.name === INPUT_NAMES.prior);
  assert.deepEqual(prior?.shape, ['N', 6]);
  const int8 = await exportLocalizationNet(net, { path: join(dir, 'trained.int8.onnx'), metadata, precision: 'int8' });
  assert.ok((int8.int8?.positionSigmas ?? 1) <= 0.1);
  // Another batch than the export's own check, with invalid priors in it.
  const session = await createSession(join(dir, 'trained.onnx'));
  const b = syntheticBatch(9, 4, 128, 32, SCALAR_COUNT, 33, { prior: { scaleM: net.options.scaleM } });
  const dims = priorDims(net.options.scaleM);
  const cmp = compareOutputs(engineOutputs(net, b, post), await runBatch(session, b, dims));
  await session.release();
  assert.ok(cmp.maxRelDiff < 1e-5, `batch 9: ${cmp.maxRelDiff}`);
});

test('network and metadata must agree on the prior; a batch without one is refused', async () => {
  const withPrior = makeNet({ seed: 7, prior: true });
  await assert.rejects(exportLocalizationNet(withPrior, { path: join(dir, 'a.onnx'), metadata: metadataFor(withPrior) }), {
    message: /the network corrects a physics prior but the metadata has none \(heimdall\.prior\)/,
  });
  const plain = makeNet({ seed: 7 });
  await assert.rejects(
    exportLocalizationNet(plain, { path: join(dir, 'b.onnx'), metadata: metadataFor(plain, { prior: priorSpecFor() }) }),
    { message: /the metadata has a physics prior \(heimdall\.prior\) but the network does not take one/ },
  );
  const b = syntheticBatch(2, 4, 128, 32, SCALAR_COUNT, 1);
  assert.throws(() => engineOutputs(withPrior, b, post), { message: /corrects a physics prior; the batch has none/ });
});
