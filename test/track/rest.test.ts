import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { S3BlobStore } from '../../src/store/blobs/s3.js';
import { RestTracker } from '../../src/track/rest/tracker.js';
import { promoteModel, registerModel, startRun } from '../../src/track/run.js';
import { isMlflowError, MlflowError } from '../../src/track/types.js';
import { type RunningS3, startS3rver } from '../store/s3rver.js';
import { type FakeMlflow, startFakeMlflow } from './fake-mlflow.js';

let server: FakeMlflow;
before(async () => {
  server = await startFakeMlflow();
});
after(() => server.close());

const client = (o: Partial<ConstructorParameters<typeof RestTracker>[0]> = {}) =>
  new RestTracker({ baseUrl: server.url, backoffMs: 1, maxAttempts: 4, ...o });
const calls = (endpoint: string) => server.requests.filter((r) => r.path === `/api/2.0/${endpoint}`);

test('experiments and runs over REST: request and response bodies as MLflow documents them', async () => {
  const t = client();
  const exp = await t.getOrCreateExperiment('rest-runs');
  assert.equal((await t.getOrCreateExperiment('rest-runs')).experimentId, exp.experimentId);
  assert.deepEqual(calls('mlflow/experiments/create').at(-1)?.body, { name: 'rest-runs' });
  assert.equal(calls('mlflow/experiments/get-by-name').at(-1)?.query.experiment_name, 'rest-runs');

  const info = await t.createRun({ experimentId: exp.experimentId, runName: 'r1', startTime: 1000, tags: { a: 'b' } });
  assert.deepEqual(calls('mlflow/runs/create').at(-1)?.body, {
    experiment_id: exp.experimentId,
    start_time: 1000,
    run_name: 'r1',
    tags: [{ key: 'a', value: 'b' }],
  });
  assert.equal(info.status, 'RUNNING');
  assert.equal(info.artifactUri, `mlflow-artifacts:/${exp.experimentId}/${info.runId}/artifacts`);
  await t.logBatch(info.runId, {
    metrics: [
      { key: 'val_nll', value: 1.25, timestamp: 5, step: 1 },
      { key: 'val_nll', value: Number.NaN, timestamp: 6, step: 2 },
    ],
    params: { lr: '0.002' },
    tags: { phase: 'train' },
  });
  assert.deepEqual(calls('mlflow/runs/log-batch').at(-1)?.body, {
    run_id: info.runId,
    metrics: [
      { key: 'val_nll', value: 1.25, timestamp: 5, step: 1 },
      { key: 'val_nll', value: 'NaN', timestamp: 6, step: 2 },
    ],
    params: [{ key: 'lr', value: '0.002' }],
    tags: [{ key: 'phase', value: 'train' }],
  });
  await t.updateRun(info.runId, 'FINISHED', 2000);
  assert.deepEqual(calls('mlflow/runs/update').at(-1)?.body, { run_id: info.runId, status: 'FINISHED', end_time: 2000 });
  const run = await t.getRun(info.runId);
  assert.equal(run.info.status, 'FINISHED');
  assert.equal(run.info.endTime, 2000);
  assert.deepEqual(run.params, { lr: '0.002' });
  assert.equal(run.tags.phase, 'train');
  assert.ok(Number.isNaN(run.metrics.find((m) => m.key === 'val_nll')?.value));

  // Paged search (the stand-in pages by 2): every run comes back, newest first.
  for (const s of [3000, 4000]) await t.createRun({ experimentId: exp.experimentId, startTime: s });
  assert.deepEqual(
    (await t.searchRuns([exp.experimentId])).map((r) => r.info.startTime),
    [4000, 3000, 1000],
  );
  assert.deepEqual((await t.searchRuns([exp.experimentId], { maxResults: 2 })).length, 2);
  const names = (await t.listExperiments()).map((e) => e.name);
  assert.ok(names.includes('Default') && names.includes('rest-runs'));
});

test("log-batch requests are split within MLflow's limits (1000 metrics, 100 params, 100 tags, 1000 entities)", async () => {
  const t = client();
  const { runId } = await t.createRun({ experimentId: '0' });
  const before = calls('mlflow/runs/log-batch').length;
  await t.logBatch(runId, {
    metrics: Array.from({ length: 2300 }, (_, i) => ({ key: 'loss', value: i, timestamp: 1, step: i })),
    params: Object.fromEntries(Array.from({ length: 230 }, (_, i) => [`p${i}`, String(i)])),
    tags: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`t${i}`, String(i)])),
  });
  const sent = calls('mlflow/runs/log-batch').slice(before);
  assert.ok(sent.length >= 3);
  for (const r of sent) {
    const b = r.body as { metrics: unknown[]; params: unknown[]; tags: unknown[] };
    assert.ok(b.metrics.length <= 1000 && b.params.length <= 100 && b.tags.length <= 100);
    assert.ok(b.metrics.length + b.params.length + b.tags.length <= 1000);
  }
  const stored = server.runs.get(runId);
  assert.equal(stored?.metrics.length, 2300);
  assert.equal(stored?.params.size, 230);
  assert.equal(stored?.tags.size, 151); // + mlflow.runName
  // The learning curve comes back whole and in order across get-history pages.
  const history = await t.getMetricHistory(runId, 'loss');
  assert.equal(history.length, 2300);
  assert.deepEqual(
    history.slice(998, 1003).map((m) => [m.step, m.value]),
    [998, 999, 1000, 1001, 1002].map((i) => [i, i]),
  );
  assert.ok(calls('mlflow/metrics/get-history').length >= 3, 'paged');
});

test('transient failures are retried with backoff: 503 then 200, a dropped connection, then giving up', async () => {
  const t = client();
  server.faults.push(503, 503);
  const n = server.requests.length;
  const id = await t.createExperiment('after-503');
  assert.match(id, /^\d+$/);
  assert.equal(server.requests.length - n, 3, 'two refused, the third answered');

  server.faults.push('reset');
  assert.equal((await t.getExperimentByName('after-503'))?.experimentId, id);

  server.faults.push(502, 500, 504, 429);
  await assert.rejects(
    t.getExperimentByName('after-503'),
    (e) => isMlflowError(e, 'TEMPORARILY_UNAVAILABLE') && e.message === 'injected 429' && e.httpStatus === 429,
  );

  server.faults.push('reset', 'reset', 'reset', 'reset');
  await assert.rejects(
    t.getExperimentByName('after-503'),
    (e) => isMlflowError(e, 'NETWORK_ERROR') && /no answer after 4 attempt\(s\)/.test(e.message),
  );

  const dead = new RestTracker({ baseUrl: 'http://127.0.0.1:1', backoffMs: 1, maxAttempts: 2 });
  await assert.rejects(
    dead.listExperiments(),
    /POST http:\/\/127\.0\.0\.1:1\/api\/2\.0\/mlflow\/experiments\/search: no answer after 2 attempt/,
  );
});

test("4xx errors are not retried and carry MLflow's error_code and message", async () => {
  const t = client();
  await t.createExperiment('taken');
  const n = server.requests.length;
  await assert.rejects(t.createExperiment('taken'), (e) => {
    assert.ok(e instanceof MlflowError);
    assert.equal(e.errorCode, 'RESOURCE_ALREADY_EXISTS');
    assert.equal(e.message, "Experiment 'taken' already exists.");
    assert.equal(e.httpStatus, 400);
    return true;
  });
  assert.equal(server.requests.length - n, 1, 'no retry on 400');
  const { runId } = await t.createRun({ experimentId: '0' });
  await t.logBatch(runId, { params: { lr: '1' } });
  await assert.rejects(
    t.logBatch(runId, { params: { lr: '2' } }),
    (e) => isMlflowError(e, 'INVALID_PARAMETER_VALUE') && /Changing param values is not allowed/.test(e.message),
  );
  await assert.rejects(
    t.getRun('ffffffffffffffffffffffffffffffff'),
    (e) =>
      isMlflowError(e, 'RESOURCE_DOES_NOT_EXIST') && /Run with id=ffffffffffffffffffffffffffffffff not found/.test(e.message),
  );
  await assert.rejects(t.http.json('GET', 'mlflow/nothing'), (e) => isMlflowError(e, 'ENDPOINT_NOT_FOUND'));
  assert.equal(await t.getExperimentByName('never-made'), undefined);
});

test('credentials: MLFLOW_TRACKING_TOKEN as a bearer token, username/password as basic auth', async () => {
  const guarded = await startFakeMlflow({ token: 's3cret' });
  try {
    const ok = new RestTracker({ baseUrl: guarded.url, token: 's3cret', backoffMs: 1 });
    assert.equal((await ok.listExperiments())[0]?.name, 'Default');
    const bad = new RestTracker({ baseUrl: guarded.url, token: 'wrong', backoffMs: 1 });
    await assert.rejects(
      bad.listExperiments(),
      (e) => isMlflowError(e, 'UNAUTHENTICATED') && e.message === 'You are not authenticated.',
    );
    const basic = new RestTracker({ baseUrl: guarded.url, username: 'ana', password: 'pw', backoffMs: 1 });
    await assert.rejects(basic.listExperiments(), /not authenticated/);
    assert.equal(guarded.requests.at(-1)?.headers.authorization, `Basic ${Buffer.from('ana:pw').toString('base64')}`);
  } finally {
    await guarded.close();
  }
});

function artifactSource(): string {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-rest-art-'));
  writeFileSync(join(dir, 'best.safetensors'), 'weights');
  mkdirSync(join(dir, 'report'));
  writeFileSync(join(dir, 'report', 'eval report.json'), '{}');
  return dir;
}

test("artifacts go through the server's artifact proxy for mlflow-artifacts: URIs", async () => {
  const t = client();
  const src = artifactSource();
  const run = await startRun(t, { experiment: 'artifacts', guardExit: false });
  await run.logArtifact(join(src, 'best.safetensors'), 'checkpoints');
  await run.logArtifact(join(src, 'report'), 'eval');
  await run.end();
  const prefix = `${run.info.experimentId}/${run.runId}/artifacts`;
  assert.equal(server.artifacts.get(`${prefix}/checkpoints/best.safetensors`)?.toString(), 'weights');
  assert.equal(server.artifacts.get(`${prefix}/eval/eval report.json`)?.toString(), '{}');
  const put = server.requests.find((r) => r.method === 'PUT' && r.path.endsWith('best.safetensors'));
  assert.equal(put?.path, `/api/2.0/mlflow-artifacts/artifacts/${prefix}/checkpoints/best.safetensors`);
  // A fresh client (no cached URI) looks the run's artifact URI up first.
  await client().logArtifact(run.runId, join(src, 'best.safetensors'));
  assert.equal(server.artifacts.get(`${prefix}/best.safetensors`)?.toString(), 'weights');
});

test('artifacts go straight to S3 (MinIO) for s3:// artifact URIs', async () => {
  let s3: RunningS3 | undefined;
  const withS3 = await startFakeMlflow({ artifactRoot: 's3://mlflow-artifacts/heimdall' });
  try {
    s3 = await startS3rver();
    const store = new S3BlobStore({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    });
    const t = new RestTracker({ baseUrl: withS3.url, backoffMs: 1, s3: () => store });
    const { runId, artifactUri } = await t.createRun({ experimentId: '0' });
    assert.equal(artifactUri, `s3://mlflow-artifacts/heimdall/0/${runId}/artifacts`);
    await t.logArtifact(runId, join(artifactSource(), 'best.safetensors'), 'model');
    const bytes = await store.get(`mlflow-artifacts/heimdall/0/${runId}/artifacts/model/best.safetensors`);
    assert.equal(Buffer.from(bytes).toString(), 'weights');
    const noS3 = new RestTracker({ baseUrl: withS3.url, backoffMs: 1 });
    await assert.rejects(noS3.logArtifact(runId, join(artifactSource(), 'best.safetensors')), /s3:\/\/ artifact URIs need/);
  } finally {
    await s3?.close();
    await withS3.close();
  }
});

test('artifacts: a file: artifact root is written directly; unknown schemes are refused by name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-rest-fileroot-'));
  const local = await startFakeMlflow({ artifactRoot: `file://${dir}` });
  const odd = await startFakeMlflow({ artifactRoot: 'hdfs://namenode/mlflow' });
  try {
    const t = new RestTracker({ baseUrl: local.url, backoffMs: 1 });
    const { runId } = await t.createRun({ experimentId: '0' });
    await t.logArtifact(runId, artifactSource());
    assert.equal(
      spawnSync('cat', [join(dir, '0', runId, 'artifacts', 'best.safetensors')], { encoding: 'utf8' }).stdout,
      'weights',
    );
    const u = new RestTracker({ baseUrl: odd.url, backoffMs: 1 });
    const other = await u.createRun({ experimentId: '0' });
    await assert.rejects(u.logArtifact(other.runId, artifactSource()), /scheme 'hdfs:' is not supported/);
  } finally {
    await local.close();
    await odd.close();
  }
});

test('registry over REST: register, promote with stage and alias, look up by alias and stage', async () => {
  const t = client();
  const run = await startRun(t, { experiment: 'registry', guardExit: false, libtorchVersion: '2.1.0' });
  assert.equal(server.runs.get(run.runId)?.tags.get('heimdall.engine'), 'libtorch 2.1.0');
  const v1 = await registerModel(t, 'locnet', run.runId, 'checkpoints/best.safetensors', { preset: 'nw' });
  const v2 = await registerModel(t, 'locnet', run.runId, 'model.onnx');
  assert.deepEqual([v1.version, v2.version], ['1', '2']);
  assert.equal(v1.source, `${run.info.artifactUri}/checkpoints/best.safetensors`);
  assert.deepEqual(calls('mlflow/model-versions/create')[0]?.body, {
    name: 'locnet',
    source: `${run.info.artifactUri}/checkpoints/best.safetensors`,
    run_id: run.runId,
    tags: [{ key: 'preset', value: 'nw' }],
  });
  await promoteModel(t, 'locnet', '1', { stage: 'Production', alias: 'champion' });
  const p2 = await promoteModel(t, 'locnet', '2', { stage: 'Production', alias: 'champion' });
  assert.equal(p2.currentStage, 'Production');
  assert.deepEqual(p2.aliases, ['champion']);
  assert.deepEqual(calls('mlflow/model-versions/transition-stage').at(-1)?.body, {
    name: 'locnet',
    version: '2',
    stage: 'Production',
    archive_existing_versions: true,
  });
  assert.deepEqual(calls('mlflow/registered-models/alias').at(-1)?.body, { name: 'locnet', alias: 'champion', version: '2' });
  assert.equal((await t.getModelVersionByAlias('locnet', 'champion')).version, '2');
  assert.deepEqual(
    (await t.getLatestVersions('locnet', ['Production'])).map((v) => v.version),
    ['2'],
  );
  assert.deepEqual(
    (await t.listModelVersions('locnet')).map((v) => [v.version, v.currentStage]),
    [
      ['1', 'Archived'],
      ['2', 'Production'],
    ],
  );
  const m = await t.getRegisteredModel('locnet');
  assert.deepEqual(m?.aliases, { champion: '2' });
  await t.createRegisteredModel('another', { owner: 'rf' });
  assert.deepEqual(
    (await t.listRegisteredModels()).map((x) => x.name),
    ['another', 'locnet'],
  );
  assert.equal(await t.getRegisteredModel('missing'), undefined);
  await assert.rejects(
    t.createRegisteredModel('locnet'),
    (e) => isMlflowError(e, 'RESOURCE_ALREADY_EXISTS') && e.message === 'Registered Model (name=locnet) already exists.',
  );
  await assert.rejects(t.getModelVersionByAlias('locnet', 'nobody'), /Registered model alias nobody not found/);
  await assert.rejects(t.getModelVersion('locnet', '9'), /Model Version \(name=locnet, version=9\) not found/);
});

test('crashed REST runs of this machine are marked FAILED at the next start; live ones are left alone', async () => {
  const t = client();
  const exp = await t.getOrCreateExperiment('rest-crash');
  const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const deadPid = gone.stdout.trim();
  const crashed = await t.createRun({
    experimentId: exp.experimentId,
    tags: { 'heimdall.host': hostname(), 'heimdall.pid': deadPid },
  });
  const alive = await t.createRun({
    experimentId: exp.experimentId,
    tags: { 'heimdall.host': hostname(), 'heimdall.pid': String(process.pid) },
  });
  const elsewhere = await t.createRun({
    experimentId: exp.experimentId,
    tags: { 'heimdall.host': 'other-host', 'heimdall.pid': deadPid },
  });
  const next = await startRun(t, { experiment: 'rest-crash', guardExit: false });
  const status = async (id: string) => (await t.getRun(id)).info.status;
  assert.equal(await status(crashed.runId), 'FAILED');
  assert.match((await t.getRun(crashed.runId)).tags['heimdall.recovered'] ?? '', new RegExp(`process ${deadPid} ended`));
  assert.equal(await status(alive.runId), 'RUNNING');
  assert.equal(await status(elsewhere.runId), 'RUNNING');
  assert.deepEqual(await t.recoverCrashedRuns(), []);
  await next.end('KILLED');
  assert.equal(await status(next.runId), 'KILLED');
});

test('updateRunSync reaches the server from a process with no event loop left', async () => {
  const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-server.js');
  const proc = spawn(process.execPath, [fixture], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve) => proc.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
    const t = new RestTracker({ baseUrl: url, token: 'tok', backoffMs: 1 });
    const { runId } = await t.createRun({ experimentId: '0' });
    t.updateRunSync(runId, 'KILLED', 1234);
    const run = await t.getRun(runId);
    assert.equal(run.info.status, 'KILLED');
    assert.equal(run.info.endTime, 1234);
  } finally {
    proc.stdin.end();
    await new Promise((r) => proc.once('exit', r));
  }
});
