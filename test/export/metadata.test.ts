// Every metadata field survives the file; damaged, truncated and foreign files fail with
// messages that say what is wrong.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { setNumThreads } from '../../src/engine/runtime.js';
import { exportLocalizationNet } from '../../src/export/export.js';
import { METADATA_KEYS, type ModelMetadataInput, ModelMetadataSchema } from '../../src/export/metadata.js';
import { decodeModel, encodeGraph, encodeModel } from '../../src/export/onnx/model-proto.js';
import { readOnnxMetadata, readOnnxModel } from '../../src/export/read.js';
import { loadModel } from '../../src/predict/model.js';
import { hopFor } from '../../src/signal/features/config.js';
import { SCALAR_NAMES } from '../../src/signal/features/scalars.js';
import { makeNet, metadataFor, SITES } from './fixtures.js';

setNumThreads(2);
const dir = mkdtempSync(join(tmpdir(), 'heimdall-meta-'));
const path = join(dir, 'model.onnx');
let input: ModelMetadataInput;
let bytes: Buffer;

before(async () => {
  const net = makeNet({ seed: 12 });
  input = metadataFor(net);
  await exportLocalizationNet(net, { path, metadata: input });
  bytes = readFileSync(path);
  net.dispose();
});

/** Rewrites the model with its metadata changed by `edit` (graph and checksum untouched). */
function withMetadata(edit: (m: Record<string, string>) => void): string {
  const m = decodeModel(bytes);
  const metadata = { ...m.metadata };
  edit(metadata);
  const out = join(dir, `edited-${Math.random().toString(36).slice(2)}.onnx`);
  writeFileSync(out, encodeModel({ ...m, metadata }, encodeGraph(m.graph)));
  return out;
}

test('every metadata field round-trips through the file', () => {
  const read = readOnnxMetadata(path);
  assert.deepEqual(read, ModelMetadataSchema.parse(input));
  // Spot checks against the sources, so a schema that silently dropped a field would fail too.
  assert.equal(read.modelVersion, '3');
  assert.equal(read.trainingRunId, 'run-8f2c');
  assert.equal(read.dataset, 'quickstart-nw-italy-2m@1');
  assert.equal(read.createdAt, '2025-01-02T03:04:05.678Z');
  assert.deepEqual(
    read.receivers.map((r) => [r.id, r.lat, r.lon, r.altM]),
    SITES.map((s) => [s.id, s.lat, s.lon, s.altM]),
  );
  assert.ok(read.receivers.every((r) => Number.isFinite(r.east) && Math.hypot(r.east, r.north) > 1000));
  assert.equal(read.featureConfig.sampleRateHz, 12_500);
  assert.equal(read.featureConfig.nFft, 512);
  assert.equal(read.featureConfig.melBands, 128);
  assert.equal(read.featureHop, hopFor(read.featureConfig));
  assert.equal(read.featureStats.melStd.length, 128);
  assert.deepEqual(read.scalarNames, [...SCALAR_NAMES]);
  assert.equal(read.scalarNames[0], 'rssi_dbfs');
  assert.equal(read.sigmaScale, 1.37);
  assert.equal(read.sigmaFloor, 1e-3);
  assert.equal(read.diagonal, false);
  assert.deepEqual(read.metrics, { medianErrorM: 4321.5, coverage2Sigma: 0.86 });
  // The props are plain strings for other readers (onnxruntime exposes them as custom metadata).
  const props = decodeModel(bytes).metadata;
  for (const key of Object.values(METADATA_KEYS)) assert.ok(key in props, key);
  assert.equal(props['heimdall.model_version'], '3');
  assert.equal(props['heimdall.scale_m'], String(read.scaleM));
  assert.match(props['heimdall.graph_sha256'] ?? '', /^[0-9a-f]{64}$/);
});

test('missing or invalid metadata is named', () => {
  const missing = withMetadata((m) => {
    delete m['heimdall.receivers'];
  });
  assert.throws(
    () => readOnnxMetadata(missing),
    new RegExp(`^Error: ${missing}: missing metadata heimdall.receivers \\(not a Heimdall model`),
  );
  const bad = withMetadata((m) => {
    const r = JSON.parse(m['heimdall.receivers'] as string);
    r[1].lat = 123;
    m['heimdall.receivers'] = JSON.stringify(r);
  });
  assert.throws(
    () => readOnnxMetadata(bad),
    /invalid metadata: heimdall\.receivers\.1\.lat: Number must be less than or equal to 90/,
  );
  const json = withMetadata((m) => {
    m['heimdall.feature_stats'] = '{"melBands": 12';
  });
  assert.throws(() => readOnnxMetadata(json), /metadata heimdall\.feature_stats is not valid JSON/);
  const future = withMetadata((m) => {
    m['heimdall.format_version'] = '3';
  });
  assert.throws(
    () => readOnnxMetadata(future),
    /heimdall\.format_version is 3; this Heimdall reads version 2 \(the model is newer than this Heimdall\); upgrade Heimdall$/,
  );
  const hop = withMetadata((m) => {
    m['heimdall.feature_hop'] = '100';
  });
  assert.throws(() => readOnnxMetadata(hop), /heimdall\.feature_hop: 100 does not match the feature configuration's 386/);
});

test('truncated files say where they end', async () => {
  for (const n of [1, 40, Math.floor(bytes.byteLength / 2), bytes.byteLength - 1]) {
    const cut = join(dir, `cut-${n}.onnx`);
    writeFileSync(cut, bytes.subarray(0, n));
    assert.throws(() => readOnnxModel(cut), new RegExp(`^Error: ${cut}: truncated at byte ${n} \\(`), `cut at ${n}`);
  }
  const cut = join(dir, 'cut-half.onnx');
  writeFileSync(cut, bytes.subarray(0, 5000));
  await assert.rejects(
    loadModel(cut),
    /cut-half\.onnx: truncated at byte 5000 \(field 7 at byte \d+ declares \d+ bytes but only \d+ remain/,
  );
});

test('foreign and corrupted files are refused with the reason', async () => {
  const text = join(dir, 'notes.onnx');
  writeFileSync(text, 'this is not a model\n');
  assert.throws(() => readOnnxModel(text), /notes\.onnx: not an ONNX model \(byte 0 is 0x74, not a ModelProto field\)/);
  const empty = join(dir, 'empty.onnx');
  writeFileSync(empty, '');
  assert.throws(() => readOnnxModel(empty), /empty\.onnx: empty file \(not an ONNX model\)/);
  assert.throws(() => readOnnxModel(join(dir, 'absent.onnx')), /absent\.onnx: cannot read the model \(file not found\)/);
  // One flipped byte in the middle of the weights: the protobuf still parses, the checksum does not match.
  const damaged = Buffer.from(bytes);
  const at = Math.floor(bytes.byteLength / 2);
  damaged[at] = (damaged[at] as number) ^ 0x55;
  const corrupt = join(dir, 'corrupt.onnx');
  writeFileSync(corrupt, damaged);
  await assert.rejects(
    loadModel(corrupt),
    /corrupt\.onnx: corrupted: the graph's sha256 is [0-9a-f]{12}…, the metadata records [0-9a-f]{12}… \(weights damaged\)/,
  );
  // A damaged length prefix is structural damage, reported as such.
  const garbled = Buffer.from(bytes);
  garbled.fill(0xff, 2, 14);
  const g = join(dir, 'garbled.onnx');
  writeFileSync(g, garbled);
  assert.throws(() => readOnnxModel(g), /garbled\.onnx: (corrupted ONNX file|truncated at byte)/);
});

test('the checksum covers the graph as stored, so files from another encoder stay readable', () => {
  // The graph with its name field repeated (valid protobuf: the last value wins), as another
  // encoder might write it: same graph, different bytes from what onnx-proto would re-encode.
  const m = decodeModel(bytes);
  const name = new TextEncoder().encode(m.graph.name);
  const stored = Buffer.concat([m.graphBytes, Uint8Array.from([0x12, name.byteLength]), name]);
  assert.notDeepEqual(encodeGraph(m.graph), stored);
  const sha = createHash('sha256').update(stored).digest('hex');
  const other = join(dir, 'other-encoder.onnx');
  writeFileSync(other, encodeModel({ ...m, metadata: { ...m.metadata, 'heimdall.graph_sha256': sha } }, stored));
  const read = readOnnxModel(other);
  assert.deepEqual(read.model.graph, m.graph);
  assert.equal(read.metadata.modelVersion, '3');
});
