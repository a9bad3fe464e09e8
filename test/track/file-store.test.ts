import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FileTracker, formatMetricValue } from '../../src/track/file-store/tracker.js';
import { promoteModel, registerModel } from '../../src/track/run.js';
import { isMlflowError, splitBatch } from '../../src/track/types.js';
import { readStore } from './mlflow-reader.js';

const tempRoot = () => join(mkdtempSync(join(tmpdir(), 'heimdall-mlruns-')), 'mlruns');

test("a new store has MLflow's Default experiment 0, .trash and models/, read back by an independent reader", async () => {
  const root = tempRoot();
  const t = new FileTracker(root, () => 1_700_000_000_000);
  const store = readStore(root);
  assert.deepEqual(Object.keys(store.experiments), ['0']);
  assert.deepEqual(store.experiments['0']?.meta, {
    artifact_location: `${pathToFileURL(root).href}/0`,
    creation_time: 1_700_000_000_000,
    experiment_id: '0',
    last_update_time: 1_700_000_000_000,
    lifecycle_stage: 'active',
    name: 'Default',
  });
  assert.equal(readFileSync(join(root, '0', 'meta.yaml'), 'utf8').split('\n')[2], "experiment_id: '0'");
  assert.equal(t.location, pathToFileURL(root).href);
  // Re-opening does not rewrite it.
  new FileTracker(root, () => 5);
  assert.equal(readStore(root).experiments['0']?.meta.creation_time, 1_700_000_000_000);
});

test("runs: meta.yaml fields, params, tags and metric lines in MLflow's format; latest metric per key", async () => {
  const root = tempRoot();
  let clock = 1_700_000_000_000;
  const t = new FileTracker(root, () => clock);
  const exp = await t.getOrCreateExperiment('nw-italy');
  assert.match(exp.experimentId, /^\d+$/);
  assert.equal((await t.getOrCreateExperiment('nw-italy')).experimentId, exp.experimentId, 'found, not created twice');
  await assert.rejects(
    t.createExperiment('nw-italy'),
    (e) => isMlflowError(e, 'RESOURCE_ALREADY_EXISTS') && /already exists/.test(e.message),
  );

  const info = await t.createRun({ experimentId: exp.experimentId, runName: 'first', tags: { team: 'rf' } });
  assert.match(info.runId, /^[0-9a-f]{32}$/);
  await t.logBatch(info.runId, {
    params: { 'model.widths': '[16,32,64,128]', 'optimizer.lr': '0.002' },
    metrics: [
      { key: 'train_loss', value: 2.5, timestamp: clock, step: 1 },
      { key: 'train_loss', value: 1, timestamp: clock + 10, step: 2 },
      { key: 'val/error_m', value: Number.NaN, timestamp: clock + 10, step: 2 },
    ],
    tags: { 'mlflow.source.git.commit': 'abc' },
  });
  clock += 60_000;
  await t.updateRun(info.runId, 'FINISHED');

  const read = readStore(root).experiments[exp.experimentId]?.runs[info.runId];
  assert.ok(read);
  assert.deepEqual(read.meta, {
    artifact_uri: `${pathToFileURL(root).href}/${exp.experimentId}/${info.runId}/artifacts`,
    end_time: 1_700_000_060_000,
    entry_point_name: '',
    experiment_id: exp.experimentId,
    lifecycle_stage: 'active',
    run_id: info.runId,
    run_name: 'first',
    run_uuid: info.runId,
    source_name: '',
    source_type: 4,
    source_version: '',
    start_time: 1_700_000_000_000,
    status: 3,
    tags: [],
    user_id: info.userId,
  });
  assert.deepEqual(read.params, { 'model.widths': '[16,32,64,128]', 'optimizer.lr': '0.002' });
  assert.deepEqual(read.tags, { 'mlflow.runName': 'first', team: 'rf', 'mlflow.source.git.commit': 'abc' });
  assert.deepEqual(read.metrics.train_loss, [
    { timestamp: 1_700_000_000_000, value: 2.5, step: 1 },
    { timestamp: 1_700_000_000_010, value: 1, step: 2 },
  ]);
  assert.equal(
    readFileSync(join(root, exp.experimentId, info.runId, 'metrics', 'train_loss'), 'utf8'),
    '1700000000000 2.5 1\n1700000000010 1.0 2\n',
  );
  assert.ok(Number.isNaN(read.metrics['val/error_m']?.[0]?.value));

  const run = await t.getRun(info.runId);
  assert.equal(run.info.status, 'FINISHED');
  assert.equal(run.info.endTime, 1_700_000_060_000);
  assert.deepEqual(
    run.metrics.find((m) => m.key === 'train_loss'),
    { key: 'train_loss', value: 1, timestamp: 1_700_000_000_010, step: 2 },
  );
  assert.deepEqual(
    (await t.getMetricHistory(info.runId, 'train_loss')).map((m) => m.value),
    [2.5, 1],
  );
  assert.deepEqual(
    (await t.searchRuns([exp.experimentId])).map((r) => r.info.runId),
    [info.runId],
  );
  assert.deepEqual(
    (await t.listExperiments()).map((e) => e.name),
    ['Default', 'nw-italy'],
  );

  // Renaming through the mlflow.runName tag updates meta.yaml's run_name, as MLflow's set_tag does.
  await t.logBatch(info.runId, { tags: { 'mlflow.runName': 'renamed' } });
  assert.equal(readStore(root).experiments[exp.experimentId]?.runs[info.runId]?.meta.run_name, 'renamed');
});

test('file store refuses what MLflow refuses, naming the culprit', async () => {
  const t = new FileTracker(tempRoot());
  const { runId } = await t.createRun({ experimentId: '0' });
  await t.logBatch(runId, { params: { lr: '0.1' } });
  await t.logBatch(runId, { params: { lr: '0.1' } }); // idempotent
  await assert.rejects(t.logBatch(runId, { params: { lr: '0.2' } }), /Changing param values is not allowed. Param with key='lr'/);
  await assert.rejects(
    t.logBatch(runId, { metrics: [{ key: 'bad*name', value: 1, timestamp: 1, step: 0 }] }),
    /Invalid metric name: 'bad\*name'/,
  );
  await assert.rejects(t.logBatch(runId, { tags: { '../up': 'x' } }), /Invalid tag name: '..\/up'/);
  await assert.rejects(t.logBatch(runId, { params: { long: 'x'.repeat(6001) } }), /exceeded length limit of 6000/);
  await assert.rejects(t.logBatch(runId, { tags: { long: 'x'.repeat(5001) } }), /exceeded length limit of 5000/);
  await assert.rejects(t.logBatch(runId, { metrics: [{ key: 'm', value: 1, timestamp: -1, step: 0 }] }), /invalid metric 'm'/);
  await assert.rejects(t.logBatch(runId, { params: { ['k'.repeat(251)]: 'v' } }), /exceeded length limit of 250/);
  await assert.rejects(
    t.getRun('0123456789abcdef0123456789abcdef'),
    (e) => isMlflowError(e, 'RESOURCE_DOES_NOT_EXIST') && /Run '0123456789abcdef0123456789abcdef' not found/.test(e.message),
  );
  await assert.rejects(t.getRun('../x'), /Invalid run ID: '..\/x'/);
  await assert.rejects(t.createRun({ experimentId: '42' }), /Could not find experiment with ID 42/);
  await assert.rejects(t.createExperiment(''), /Invalid experiment name/);
});

test("artifacts: a file goes under artifact_path/<name>, a folder's contents under artifact_path", async () => {
  const root = tempRoot();
  const t = new FileTracker(root);
  const { runId } = await t.createRun({ experimentId: '0' });
  const src = mkdtempSync(join(tmpdir(), 'heimdall-art-'));
  writeFileSync(join(src, 'best.safetensors'), 'weights');
  mkdirSync(join(src, 'report', 'plots'), { recursive: true });
  writeFileSync(join(src, 'report', 'eval.json'), '{"cep50": 1}');
  writeFileSync(join(src, 'report', 'plots', 'errors.csv'), '1,2');
  await t.logArtifact(runId, join(src, 'best.safetensors'), 'checkpoints');
  await t.logArtifact(runId, join(src, 'report'));
  await t.logArtifact(runId, join(src, 'best.safetensors'));
  assert.deepEqual(readStore(root).experiments['0']?.runs[runId]?.artifacts, [
    'best.safetensors',
    'checkpoints/best.safetensors',
    'eval.json',
    'plots/errors.csv',
  ]);
  assert.equal(readFileSync(join(root, '0', runId, 'artifacts', 'checkpoints', 'best.safetensors'), 'utf8'), 'weights');
});

test('registry: models/<name>/meta.yaml, version-N/meta.yaml and aliases/<alias> as MLflow writes them', async () => {
  const root = tempRoot();
  let clock = 1_700_000_000_000;
  const t = new FileTracker(root, () => clock++);
  const { runId, artifactUri } = await t.createRun({ experimentId: '0' });
  const v1 = await registerModel(t, 'heimdall-locnet', runId, 'checkpoints/best.safetensors', { preset: 'nw-italy-2m' });
  const v2 = await registerModel(t, 'heimdall-locnet', runId, 'model.onnx');
  assert.equal(v1.version, '1');
  assert.equal(v2.version, '2');
  assert.equal(v1.source, `${artifactUri}/checkpoints/best.safetensors`);
  assert.deepEqual(v1.tags, { preset: 'nw-italy-2m' });
  await promoteModel(t, 'heimdall-locnet', '1', { alias: 'champion', stage: 'Production' });
  const promoted = await promoteModel(t, 'heimdall-locnet', '2', { alias: 'champion', stage: 'Production' });
  assert.deepEqual(promoted.aliases, ['champion']);
  assert.equal(promoted.currentStage, 'Production');

  const model = readStore(root).models['heimdall-locnet'];
  assert.ok(model);
  assert.deepEqual(model.aliases, { champion: '2' }, 'alias file holds the version number');
  assert.equal(model.meta.name, 'heimdall-locnet');
  assert.equal(typeof model.meta.creation_timestamp, 'number');
  assert.ok((model.meta.last_updated_timestamp as number) > (model.meta.creation_timestamp as number));
  const { creation_timestamp, last_updated_timestamp, ...v1meta } = model.versions['1'] ?? {};
  assert.equal(typeof creation_timestamp, 'number');
  assert.ok((last_updated_timestamp as number) > (creation_timestamp as number));
  assert.deepEqual(v1meta, {
    aliases: [],
    current_stage: 'Archived', // archived when v2 took Production
    description: null,
    name: 'heimdall-locnet',
    run_id: runId,
    run_link: null,
    source: `${artifactUri}/checkpoints/best.safetensors`,
    status: 'READY',
    status_message: null,
    storage_location: `${artifactUri}/checkpoints/best.safetensors`,
    user_id: null,
    version: 1,
  });
  assert.equal(model.versions['2']?.current_stage, 'Production');
  assert.equal(readFileSync(join(root, 'models', 'heimdall-locnet', 'version-1', 'tags', 'preset'), 'utf8'), 'nw-italy-2m');

  assert.equal((await t.getModelVersionByAlias('heimdall-locnet', 'champion')).version, '2');
  assert.deepEqual(
    (await t.getLatestVersions('heimdall-locnet')).map((v) => [v.currentStage, v.version]),
    [
      ['Production', '2'],
      ['Archived', '1'],
    ],
  );
  assert.deepEqual((await t.getLatestVersions('heimdall-locnet', ['Staging'])).length, 0);
  const listed = await t.listRegisteredModels();
  assert.deepEqual(
    listed.map((m) => [m.name, m.aliases, m.latestVersions.length]),
    [['heimdall-locnet', { champion: '2' }, 2]],
  );
  assert.equal(await t.getRegisteredModel('nope'), undefined);

  await assert.rejects(t.createRegisteredModel('heimdall-locnet'), /Registered Model \(name=heimdall-locnet\) already exists/);
  await assert.rejects(t.createModelVersion({ name: 'ghost', source: 'x' }), /Registered Model with name=ghost not found/);
  await assert.rejects(t.getModelVersion('heimdall-locnet', '9'), /Model Version \(name=heimdall-locnet, version=9\) not found/);
  await assert.rejects(t.getModelVersion('heimdall-locnet', 'two'), /Model version must be an integer, got 'two'/);
  await assert.rejects(t.setAlias('heimdall-locnet', 'latest', '1'), /'latest' alias name \(case insensitive\) is reserved/);
  await assert.rejects(t.setAlias('heimdall-locnet', 'v3', '1'), /Version alias name 'v3' is reserved/);
  await assert.rejects(t.setAlias('heimdall-locnet', 'has space', '1'), /Invalid alias name: 'has space'/);
  await assert.rejects(t.setAlias('heimdall-locnet', 'champ', '7'), /version=7\) not found/);
  await assert.rejects(t.getModelVersionByAlias('heimdall-locnet', 'nobody'), /Registered model alias nobody not found/);
  await assert.rejects(t.transitionStage('heimdall-locnet', '1', 'None', true), /cannot archive existing model versions/);
  await assert.rejects(t.transitionStage('heimdall-locnet', '1', 'Live' as 'None'), /Invalid Model Version stage Live/);
  await assert.rejects(t.createRegisteredModel('a/b'), /cannot be empty or contain a path separator/);
  await assert.rejects(t.createRegisteredModel('m', { 'bad key!': 'v' }), /Invalid tag name: 'bad key!'/);
});

test('splitBatch keeps every request within log-batch limits and loses nothing', () => {
  const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: `m${i % 7}`, value: i, timestamp: 1, step: i }));
  const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, String(i)]));
  const tags = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`t${i}`, String(i)]));
  const parts = splitBatch({ metrics, params, tags });
  for (const p of parts) {
    assert.ok(p.metrics.length <= 1000 && p.params.length <= 100 && p.tags.length <= 100);
    assert.ok(p.metrics.length + p.params.length + p.tags.length <= 1000);
  }
  assert.deepEqual(
    parts.flatMap((p) => p.metrics).map((m) => m.step),
    metrics.map((m) => m.step),
    'metrics stay in order',
  );
  assert.equal(parts.flatMap((p) => p.params).length, 250);
  assert.equal(parts.flatMap((p) => p.tags).length, 120);
  assert.deepEqual(splitBatch({}), []);
});

test('metric values are written as Python writes floats', () => {
  assert.deepEqual([1, 2.5, -0.125, 1e21, Number.NaN, Infinity, -Infinity, 1e-7].map(formatMetricValue), [
    '1.0',
    '2.5',
    '-0.125',
    '1e+21',
    'nan',
    'inf',
    '-inf',
    '1e-7',
  ]);
});
