// publishModel: the fp32 model is exported, logged, registered and uploaded; an int8 variant that
// fails its accuracy check is reported and leaves nothing behind — no file, no artifact, no blob —
// while the fp32 model stands. Two publications at the same time (workers side by side) get two
// versions, and each file, artifact and blob says the version it was registered as. A power-only
// network (no spectrogram trunk) has nothing to quantize: its int8 variant is skipped, with the reason.
// A run published again after its upload failed (a job retried) keeps its one version.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syntheticBatch } from '../../src/export/export.js';
import { parseOnnx, readOnnxMetadata } from '../../src/export/read.js';
import { publishModel } from '../../src/pipeline/publish-model.js';
import { SCALAR_COUNT } from '../../src/signal/features/scalars.js';
import { LocalBlobStore } from '../../src/store/blobs/local.js';
import { FileTracker } from '../../src/track/file-store/tracker.js';
import { startRun } from '../../src/track/run.js';
import { makeNet, publishMetadata } from '../export/fixtures.js';

test('an int8 variant outside tolerance is not kept: reported, nothing written, the fp32 model registered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-publish-'));
  const tracker = new FileTracker(join(dir, 'mlruns'));
  const run = await startRun(tracker, { experiment: 'publish', guardExit: false });
  const blobs = new LocalBlobStore(join(dir, 'blobs'));
  const net = makeNet({ seed: 7 });
  // Calibrating on inputs a thousand times larger than real ones makes every quantization step so
  // coarse that real activations round away (as in test/export/int8.test.ts).
  const zeros = syntheticBatch(4, 4, 128, 32, SCALAR_COUNT, 1);
  const mel = zeros.mel as Float32Array;
  for (let i = 0; i < mel.length; i++) mel[i] = (mel[i] as number) * 1e3;
  for (let i = 0; i < zeros.scalars.length; i++) zeros.scalars[i] = (zeros.scalars[i] as number) * 1e3;
  const log: string[] = [];
  mkdirSync(join(dir, 'out')); // the run's artifact folder (quickstart makes it)
  const published = await publishModel(net, {
    tracker,
    run,
    blobs,
    onnxPath: join(dir, 'out', 'model.onnx'),
    metadata: publishMetadata(),
    int8CalibrationBatch: zeros,
    log: (l) => log.push(l),
  });
  assert.equal(published.version, '1');
  assert.equal(published.int8, undefined);
  assert.match(published.int8Error ?? '', /the int8 model is too far from the engine: positions moved by up to [\d.]+ σ/);
  assert.ok(log.some((l) => l.startsWith('    int8 variant not kept: ')));
  assert.deepEqual(readdirSync(join(dir, 'out')), ['model.onnx']);
  assert.ok(existsSync(join(dir, 'blobs', 'heimdall-models/models/localization/v1.onnx')));
  assert.equal(existsSync(join(dir, 'blobs', 'heimdall-models/models/localization/v1.int8.onnx')), false);
  const runDir = readdirSync(join(dir, 'mlruns'))
    .map((e) => join(dir, 'mlruns', e, run.runId))
    .find((d) => existsSync(d)) as string;
  assert.deepEqual(readdirSync(join(runDir, 'artifacts', 'model')), ['model.onnx'], 'only the fp32 model is a run artifact');
  await run.end('FINISHED');
});

test('two models published at the same time: two versions, each file and blob labelled with its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-publish-race-'));
  const tracker = new FileTracker(join(dir, 'mlruns'));
  const blobs = new LocalBlobStore(join(dir, 'blobs'));
  const log: string[] = [];
  const publishOne = async (i: number) => {
    const run = await startRun(tracker, { experiment: 'publish', guardExit: false });
    mkdirSync(join(dir, `out${i}`));
    const p = await publishModel(makeNet({ seed: 10 + i }), {
      tracker,
      run,
      blobs,
      onnxPath: join(dir, `out${i}`, 'model.onnx'),
      metadata: publishMetadata(),
      log: (l) => log.push(l),
    });
    await run.end('FINISHED');
    return { p, run };
  };
  // Both ask for the next version before either registers: both expect v1.
  const both = await Promise.all([publishOne(0), publishOne(1)]);
  assert.deepEqual(both.map((b) => b.p.version).sort(), ['1', '2']);
  assert.ok(log.some((l) => /localization v1 was taken by a registration running at the same time: this model is v2/.test(l)));
  for (const { p, run } of both) {
    assert.equal(readOnnxMetadata(p.onnxPath).modelVersion, p.version);
    const blob = await blobs.get(p.blobKey);
    assert.equal(parseOnnx(blob, p.blobKey).metadata.modelVersion, p.version);
    const registered = await tracker.getModelVersion('localization', p.version);
    assert.equal(registered.runId, run.runId);
  }
});

test('a power-only network is published in fp32; the int8 variant is skipped with the reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-publish-power-'));
  const tracker = new FileTracker(join(dir, 'mlruns'));
  const run = await startRun(tracker, { experiment: 'publish', guardExit: false });
  mkdirSync(join(dir, 'out'));
  const published = await publishModel(makeNet({ seed: 9, spectrogram: false, receiverOffsets: true }), {
    tracker,
    run,
    blobs: new LocalBlobStore(join(dir, 'blobs')),
    onnxPath: join(dir, 'out', 'model.onnx'),
    metadata: publishMetadata(),
    int8CalibrationBatch: syntheticBatch(4, 4, 128, 32, SCALAR_COUNT, 1, { spectrogram: false }),
  });
  assert.equal(published.int8, undefined);
  assert.match(published.int8Error ?? '', /int8 quantizes the spectrogram trunk's convolutions and this network has none/);
  assert.equal(readOnnxMetadata(published.onnxPath).spectrogram, false);
  assert.deepEqual(readdirSync(join(dir, 'out')), ['model.onnx']);
  await run.end('FINISHED');
});

test('a run published again (its process killed after registering, then resumed) keeps its one version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-publish-again-'));
  const tracker = new FileTracker(join(dir, 'mlruns'));
  const blobs = new LocalBlobStore(join(dir, 'blobs'));
  const run = await startRun(tracker, { experiment: 'publish', guardExit: false });
  const other = await startRun(tracker, { experiment: 'publish', guardExit: false });
  const publish = (r: typeof run, i: number) =>
    publishModel(makeNet({ seed: 20 + i }), {
      tracker,
      run: r,
      blobs,
      onnxPath: join(dir, `model-${r.runId}.onnx`),
      metadata: publishMetadata(),
    });
  const first = await publish(run, 0);
  assert.equal((await publish(other, 1)).version, '2');
  const again = await publish(run, 0); // the resumed run publishes the same model again
  assert.equal(again.version, first.version);
  const versions = await tracker.listModelVersions('localization');
  assert.deepEqual(
    versions.map((v) => [v.version, v.runId]),
    [
      ['1', run.runId],
      ['2', other.runId],
    ],
  );
  assert.equal(parseOnnx(await blobs.get(again.blobKey), again.blobKey).metadata.modelVersion, '1');
  await run.end('FINISHED');
  await other.end('FINISHED');
});

test('a run published again after its upload failed registers one version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-publish-retry-'));
  const tracker = new FileTracker(join(dir, 'mlruns'));
  const run = await startRun(tracker, { experiment: 'publish', guardExit: false });
  mkdirSync(join(dir, 'out'));
  // A blob store whose root is a file: every put fails (ENOTDIR), as an unreachable S3 would.
  writeFileSync(join(dir, 'not-a-folder'), '');
  const net = makeNet({ seed: 11 });
  const o = { tracker, run, onnxPath: join(dir, 'out', 'model.onnx'), metadata: publishMetadata() };
  await assert.rejects(publishModel(net, { ...o, blobs: new LocalBlobStore(join(dir, 'not-a-folder', 'blobs')) }));
  const registered = async () =>
    (await tracker.getRegisteredModel('localization')) === undefined ? [] : await tracker.listModelVersions('localization');
  assert.deepEqual(await registered(), [], 'the model blob goes in before the registration: a failed upload registers nothing');
  const blobs = new LocalBlobStore(join(dir, 'blobs'));
  const again = await publishModel(net, { ...o, blobs });
  assert.equal(again.version, '1');
  assert.deepEqual(
    (await tracker.listModelVersions('localization')).map((v) => v.version),
    ['1'],
  );
  assert.equal(parseOnnx(await blobs.get(again.blobKey), again.blobKey).metadata.modelVersion, '1');
  // Another run still gets the next version.
  const other = await startRun(tracker, { experiment: 'publish', guardExit: false });
  mkdirSync(join(dir, 'out2'));
  const next = await publishModel(makeNet({ seed: 12 }), { ...o, run: other, blobs, onnxPath: join(dir, 'out2', 'model.onnx') });
  assert.equal(next.version, '2');
  await run.end('FINISHED');
  await other.end('FINISHED');
});
