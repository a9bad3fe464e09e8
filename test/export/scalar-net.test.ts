// A power-only LocalizationNet exported: no mel input and no trunk nodes, the learned receiver
// offsets applied in the graph before masking, onnxruntime matching the engine with and without
// the prior; the metadata says the model has no spectrogram (and older files still read as having
// one); int8 is refused, there being no convolutions to quantize.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { noGrad } from '../../src/engine/autograd.js';
import { tensor } from '../../src/engine/creation.js';
import { setNumThreads } from '../../src/engine/runtime.js';
import { checkInputContract } from '../../src/export/contract.js';
import { compareOutputs, engineOutputs, exportLocalizationNet, syntheticBatch } from '../../src/export/export.js';
import { INPUT_NAMES } from '../../src/export/localization-graph.js';
import { GRAPH_SHA256_KEY, METADATA_KEYS, parseMetadataProps } from '../../src/export/metadata.js';
import { decodeModel } from '../../src/export/onnx/model-proto.js';
import { createSession, modelInputDims, runBatch } from '../../src/export/ort.js';
import { readOnnxMetadata } from '../../src/export/read.js';
import type { LocalizationNet } from '../../src/model/localization-net.js';
import { SCALAR_COUNT } from '../../src/signal/features/scalars.js';
import { randomValues } from '../helpers.js';
import { makeNet, metadataFor, priorSpecFor } from './fixtures.js';

setNumThreads(2);
const dir = mkdtempSync(join(tmpdir(), 'heimdall-scalar-onnx-'));
const post = { sigmaFloor: 1e-3, sigmaScale: 1.37, melBands: 128, frames: 32 };
const OFFSETS = [1.25, -0.8, 0.4, -2.1];

/** A trunkless network with non-zero offsets and (for a prior network) a non-zero correction. */
function powerNet(seed: number, prior: boolean): LocalizationNet {
  const net = makeNet({ seed, prior, spectrogram: false, receiverOffsets: true });
  noGrad(() => {
    net.receiverOffsets?.copy_(tensor(OFFSETS));
    if (prior) {
      net.head.weight.copy_(tensor(randomValues(net.head.weight.numel, seed + 60, -0.01, 0.01), net.head.weight.shape));
      net.head.bias?.copy_(tensor(randomValues(5, seed + 61, -0.05, 0.05)));
    }
  });
  return net;
}

/** A batch without mel whose scalar channel 1 is a real heard flag (0 or 1), as the offsets expect. */
function powerBatch(size: number, seed: number, prior: LocalizationNet | null) {
  const b = syntheticBatch(size, 4, 128, 32, SCALAR_COUNT, seed, {
    spectrogram: false,
    ...(prior ? { prior: { scaleM: prior.options.scaleM } } : {}),
  });
  for (let i = 1; i < b.scalars.length; i += SCALAR_COUNT) b.scalars[i] = (b.scalars[i] as number) > 0 ? 1 : 0;
  return b;
}

for (const prior of [false, true]) {
  test(`power-only network with receiver offsets${prior ? ' and a prior' : ''}: no mel, no trunk, ORT matches the engine`, async () => {
    const net = powerNet(prior ? 8 : 9, prior);
    const path = join(dir, `power${prior ? '-prior' : ''}.onnx`);
    const metadata = metadataFor(net, prior ? { prior: priorSpecFor() } : {});
    const verifyBatch = powerBatch(8, 40, prior ? net : null);
    const r = await exportLocalizationNet(net, { path, metadata, verifyBatch });
    assert.ok(r.maxRelDiff < 1e-5, `export check: ${r.maxRelDiff}`);

    const model = decodeModel(readFileSync(path));
    const graph = model.graph;
    assert.deepEqual(
      graph.inputs.map((i) => i.name),
      [INPUT_NAMES.scalars, INPUT_NAMES.mask, ...(prior ? [INPUT_NAMES.prior] : [])],
    );
    assert.deepEqual(
      graph.nodes.filter((n) => n.name.startsWith('trunk.')).map((n) => n.name),
      [],
    );
    assert.ok(graph.initializers.some((t) => t.name === 'receiver_offsets'));
    assert.equal(model.metadata[METADATA_KEYS.spectrogram], 'false');
    const md = readOnnxMetadata(path);
    assert.equal(md.spectrogram, false);

    // Another batch, fed as inference feeds it (modelInputDims from the file's metadata).
    const b = powerBatch(11, 41, prior ? net : null);
    const session = await createSession(path);
    const onnx = await runBatch(session, b, modelInputDims(md));
    await session.release();
    const cmp = compareOutputs(engineOutputs(net, b, post), onnx);
    assert.ok(cmp.maxRelDiff < 1e-5, `batch 11: ${cmp.maxRelDiff}`);
    // The offsets are in the graph: the same network without them answers differently.
    noGrad(() => net.receiverOffsets?.zero_());
    const without = compareOutputs(engineOutputs(net, b, post), onnx);
    assert.ok(without.maxAbsDiff.positionsM > 1, `offsets moved positions by only ${without.maxAbsDiff.positionsM} m`);
  });
}

test('int8 is refused for a power-only network; metadata and network must agree on the spectrogram', async () => {
  const net = powerNet(10, false);
  const metadata = metadataFor(net);
  const int8 = join(dir, 'power.int8.onnx');
  await assert.rejects(exportLocalizationNet(net, { path: int8, metadata, precision: 'int8' }), {
    message: /int8 quantizes the spectrogram trunk's convolutions and this network has none/,
  });
  assert.equal(existsSync(int8), false);
  await assert.rejects(exportLocalizationNet(net, { path: join(dir, 'x.onnx'), metadata: { ...metadata, spectrogram: true } }), {
    message: /heimdall\.spectrogram = true but the network has no spectrograms/,
  });
  const full = makeNet({ seed: 10 });
  await assert.rejects(
    exportLocalizationNet(full, { path: join(dir, 'y.onnx'), metadata: { ...metadataFor(full), spectrogram: false } }),
    { message: /heimdall\.spectrogram = false but the network reads spectrograms/ },
  );
});

test('files without heimdall.spectrogram read as spectrogram models; the contract checks the mel input both ways', async () => {
  const full = makeNet({ seed: 12 });
  const path = join(dir, 'full.onnx');
  await exportLocalizationNet(full, { path, metadata: metadataFor(full), checker: false });
  const model = decodeModel(readFileSync(path));
  const { [METADATA_KEYS.spectrogram]: flag, [GRAPH_SHA256_KEY]: _, ...older } = model.metadata;
  assert.equal(flag, 'true');
  const md = parseMetadataProps(older, 'older.onnx');
  assert.equal(md.spectrogram, true);
  assert.equal(modelInputDims(md).spectrogram, undefined);
  const inputs = model.graph.inputs;
  checkInputContract(md, inputs, 'older.onnx');
  assert.throws(() => checkInputContract({ ...md, spectrogram: false }, inputs, 'f.onnx'), {
    message: /the graph reads spectrograms \('mel_spectrogram'\) but its metadata says heimdall\.spectrogram = false/,
  });
  assert.throws(
    () =>
      checkInputContract(
        md,
        inputs.filter((i) => i.name !== INPUT_NAMES.mel),
        'g.onnx',
      ),
    { message: /the graph has no input 'mel_spectrogram'/ },
  );
});
