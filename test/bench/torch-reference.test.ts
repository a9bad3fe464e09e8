// The PyTorch reference of bench/inference computes the engine's function: built with the shapes
// read from the network (8 scalars, not a hard-coded 6) and loaded with the engine's weights, its
// fp32 variants (batch norm folded: eager, frozen TorchScript, optimize_for_inference) match the engine's outputs, and
// its int8 variant stays close. Needs Debian's python3-torch; skipped (with the reason) without it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FP32_VARIANTS, runTorchReference, shapeArgs, torchUnavailable } from '../../bench/inference/torch-reference.js';
import { manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import { compareInt8, compareOutputs, engineOutputs, syntheticBatch } from '../../src/export/export.js';
import { LocalizationNet } from '../../src/model/localization-net.js';
import { defaultFeatureConfig } from '../../src/signal/features/config.js';
import { SCALAR_COUNT } from '../../src/signal/features/scalars.js';

setNumThreads(1);
const c = defaultFeatureConfig;
const receivers = [
  { id: 'a', east: 10_000, north: 0 },
  { id: 'b', east: -5_000, north: 8_000 },
  { id: 'c', east: 0, north: -12_000 },
];
const post = { sigmaFloor: 1e-3, sigmaScale: 1.3, melBands: c.melBands, frames: c.frames };

test('shapeArgs: every shape comes from the network and the feature configuration', () => {
  manualSeed(3);
  const net = new LocalizationNet({ receivers, scaleM: 20_000, scalarCount: SCALAR_COUNT, widths: [8, 16, 16, 32], hidden: 24 });
  const args = shapeArgs(net, post);
  const get = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(get('--scalars'), String(SCALAR_COUNT));
  assert.equal(get('--scalars'), '9');
  assert.equal(get('--receivers'), '3');
  assert.equal(get('--mel-bands'), String(c.melBands));
  assert.equal(get('--frames'), String(c.frames));
  assert.equal(get('--widths'), '8,16,16,32');
  assert.equal(get('--hidden'), '24');
  assert.equal(get('--uncertainty-outputs'), '3');
  net.dispose();
});

test(
  'PyTorch reference on the engine weights matches the engine (fp32) and stays close (int8)',
  { skip: torchUnavailable() ?? false },
  () => {
    manualSeed(5);
    const net = new LocalizationNet({ receivers, scaleM: 20_000, scalarCount: SCALAR_COUNT, widths: [8, 16, 16, 32] });
    const batch = (n: number, seed: number) => syntheticBatch(n, receivers.length, c.melBands, c.frames, SCALAR_COUNT, seed);
    const inputs = { one: batch(1, 1), big: batch(2, 2), verify: batch(8, 3), calibration: batch(32, 4) };
    const ref = runTorchReference(net, inputs, { ...post, threads: 1, runs: 0, batches: 0 });
    const engine = engineOutputs(net, inputs.verify, post);
    for (const v of FP32_VARIANTS) {
      const out = ref.outputs[v];
      assert.ok(out, `no ${v} outputs`);
      const d = compareOutputs(engine, out);
      assert.ok(d.maxRelDiff < 1e-4, `${v}: max relative difference ${d.maxRelDiff} vs the engine`);
    }
    const int8 = ref.outputs.int8;
    assert.ok(int8, 'no int8 outputs');
    const q = compareInt8(engine, int8);
    assert.ok(q.positionSigmas < 0.5, `int8 positions moved by ${q.positionSigmas} σ`);
    assert.match(ref.int8Backend ?? '', /^(fbgemm|onednn)$/);
    net.dispose();
  },
);
