// `heimdall runs …` and `heimdall models …` on the embedded file store and on an MLflow server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openTracker } from '../../src/track/open.js';
import { registerModel, startRun } from '../../src/track/run.js';
import { startFakeMlflow } from '../track/fake-mlflow.js';

const main = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const { DATABASE_URL: _db, MLFLOW_TRACKING_URI: _uri, ...baseEnv } = process.env;

async function heimdall(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [main, ...args], { env: { ...baseEnv, ...env }, encoding: 'utf8' });
    return { status: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { status: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function seed(env: NodeJS.ProcessEnv, home?: string) {
  const tracker = openTracker({ ...(home !== undefined ? { home } : {}), env, backoffMs: 1 });
  const run = await startRun(tracker, {
    experiment: 'nw-italy',
    runName: 'quick',
    params: { 'optimizer.lr': '0.002' },
    guardExit: false,
  });
  await run.logMetrics({ val_error_m: 812.5, train_loss: 1.25 }, 3);
  await run.end();
  await registerModel(tracker, 'heimdall-locnet', run.runId, 'checkpoints/best.safetensors');
  await registerModel(tracker, 'heimdall-locnet', run.runId, 'checkpoints/best.safetensors');
  return run;
}

test('runs list/show and models list/promote on the embedded file store', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-cli-track-'));
  const run = await seed({}, home);

  const list = await heimdall({}, 'runs', 'list', '--home', home);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /RUN ID\s+NAME\s+EXPERIMENT\s+STATUS/);
  assert.match(
    list.stdout,
    new RegExp(
      `${run.runId}\\s+quick\\s+nw-italy\\s+FINISHED\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+\\d+s\\s+812\\.5000`,
    ),
  );
  const filtered = await heimdall({ HEIMDALL_HOME: home }, 'runs', 'list', '--experiment', 'Default');
  assert.match(filtered.stdout, /No runs in file:\/\//);
  const unknownExp = await heimdall({}, 'runs', 'list', '--experiment', 'mars', '--home', home);
  assert.equal(unknownExp.status, 1);
  assert.match(unknownExp.stderr, /no experiment 'mars' in file:\/\/.*\(experiments: Default, nw-italy\)/);

  const show = await heimdall({}, 'runs', 'show', run.runId, '--home', home);
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, new RegExp(`^Run ${run.runId} \\(quick\\)`));
  assert.match(show.stdout, /status\s+FINISHED/);
  assert.match(show.stdout, /optimizer\.lr = 0\.002/);
  assert.match(show.stdout, /val_error_m = 812\.5000 \(step 3\)/);
  assert.match(show.stdout, /mlflow\.runName = quick/);
  const missing = await heimdall({}, 'runs', 'show', 'deadbeefdeadbeefdeadbeefdeadbeef', '--home', home);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /heimdall: Run 'deadbeefdeadbeefdeadbeefdeadbeef' not found/);

  const promote = await heimdall(
    {},
    'models',
    'promote',
    'heimdall-locnet',
    '2',
    '--alias',
    'champion',
    '--stage',
    'production',
    '--home',
    home,
  );
  assert.equal(promote.status, 0, promote.stderr);
  assert.equal(promote.stdout.trim(), 'heimdall-locnet v2: stage Production, aliases @champion');
  const models = await heimdall({}, 'models', 'list', '--home', home);
  assert.match(models.stdout, /^heimdall-locnet {2}\(@champion → v2\)/);
  assert.match(models.stdout, /v1 {2}None {8}run [0-9a-f]{32}/);
  assert.match(models.stdout, /v2 {2}Production {2}run [0-9a-f]{32} {2}file:\/\/.*best\.safetensors {2}@champion/);

  const badStage = await heimdall({}, 'models', 'promote', 'heimdall-locnet', '1', '--stage', 'Live', '--home', home);
  assert.notEqual(badStage.status, 0);
  assert.match(badStage.stderr, /Invalid Model Version stage Live/);
  const badVersion = await heimdall({}, 'models', 'promote', 'heimdall-locnet', 'two', '--home', home);
  assert.match(badVersion.stderr, /version expects a positive integer, got 'two'/);
  const unknownModel = await heimdall({}, 'models', 'promote', 'ghost', '1', '--home', home);
  assert.match(unknownModel.stderr, /Registered Model with name=ghost not found/);
  const empty = await heimdall({}, 'models', 'list', '--home', mkdtempSync(join(tmpdir(), 'heimdall-cli-empty-')));
  assert.match(empty.stdout, /No registered models in file:\/\//);
});

test('the same commands against an MLflow server (MLFLOW_TRACKING_URI)', async () => {
  const server = await startFakeMlflow();
  try {
    const env = { MLFLOW_TRACKING_URI: server.url };
    const run = await seed(env);
    const list = await heimdall(env, 'runs', 'list', '--experiment', 'nw-italy');
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${run.runId}\\s+quick\\s+nw-italy\\s+FINISHED`));
    const show = await heimdall(env, 'runs', 'show', run.runId);
    assert.match(show.stdout, /artifacts\s+mlflow-artifacts:\//);
    const missing = await heimdall(env, 'runs', 'show', 'deadbeefdeadbeefdeadbeefdeadbeef');
    assert.match(missing.stderr, /heimdall: Run with id=deadbeefdeadbeefdeadbeefdeadbeef not found/);
    const promote = await heimdall(env, 'models', 'promote', 'heimdall-locnet', '1', '--stage', 'Staging');
    assert.equal(promote.stdout.trim(), 'heimdall-locnet v1: stage Staging, aliases @champion');
    const models = await heimdall(env, 'models', 'list');
    assert.match(models.stdout, /heimdall-locnet {2}\(@champion → v1\)/);
    assert.match(models.stdout, /v1 {2}Staging/);
  } finally {
    await server.close();
  }
});
