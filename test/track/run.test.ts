import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tensor } from '../../src/engine/creation.js';
import { mseLoss } from '../../src/engine/functional.js';
import { Linear } from '../../src/engine/nn/layers.js';
import { libtorchVersion, manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import { tidy } from '../../src/engine/scope.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { flattenParams } from '../../src/track/config-params.js';
import { FileTracker } from '../../src/track/file-store/tracker.js';
import { openTracker, s3FromEnv } from '../../src/track/open.js';
import { RestTracker } from '../../src/track/rest/tracker.js';
import { startRun } from '../../src/track/run.js';
import { defaultRunTags, gitCommit } from '../../src/track/tags.js';
import { trackingCallback } from '../../src/track/trainer-callback.js';
import { Trainer } from '../../src/train/trainer.js';
import type { DataSource, TrainableModule } from '../../src/train/types.js';
import { readStore } from './mlflow-reader.js';

setNumThreads(1);
const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const tempHome = () => mkdtempSync(join(tmpdir(), 'heimdall-home-'));

test("flattenParams turns a nested config into dotted MLflow params within MLflow's limits", () => {
  const p = flattenParams({
    scenario: { preset: 'nw-italy-2m', samples: 1500, noise: { snrDb: -3.5 } },
    model: { widths: [16, 32, 64, 128], dropout: null, extra: {} },
    optimizer: { name: 'adamw', lr: 0.002, amsgrad: false },
    skipped: undefined,
    big: 'x'.repeat(7000),
  });
  assert.deepEqual(p, {
    'scenario.preset': 'nw-italy-2m',
    'scenario.samples': '1500',
    'scenario.noise.snrDb': '-3.5',
    'model.widths': '[16,32,64,128]',
    'model.dropout': 'null',
    'model.extra': '{}',
    'optimizer.name': 'adamw',
    'optimizer.lr': '0.002',
    'optimizer.amsgrad': 'false',
    big: `${'x'.repeat(6000 - '…[truncated]'.length)}…[truncated]`,
  });
  assert.equal(p.big?.length, 6000);
  assert.throws(() => flattenParams({ f: () => 1 }), /config param 'f' is a function/);
  assert.throws(() => flattenParams({ 'bad key!': 1 }), /Invalid parameter name: 'bad key!'/);
});

test('default run tags: git commit of the checkout, engine, machine and owning process', () => {
  const tags = defaultRunTags({ runName: 'r', libtorchVersion: libtorchVersion(), cwd: repo });
  assert.match(tags['mlflow.source.git.commit'] ?? '', /^[0-9a-f]{40}$/);
  assert.equal(tags['mlflow.source.git.commit'], gitCommit(repo));
  assert.equal(tags['mlflow.runName'], 'r');
  assert.equal(tags['mlflow.source.type'], 'LOCAL');
  assert.equal(tags['heimdall.engine'], `libtorch ${libtorchVersion()}`);
  assert.match(tags['heimdall.machine'] ?? '', new RegExp(`^${hostname()} \\(\\d+ CPUs, `));
  assert.equal(tags['heimdall.pid'], String(process.pid));
  assert.equal(tags['heimdall.host'], hostname());
  assert.equal(gitCommit(tmpdir()), undefined, 'outside a git work tree');
  assert.equal(defaultRunTags({ cwd: tmpdir() })['mlflow.source.git.commit'], undefined);
});

test("openTracker picks the backend from MLFLOW_TRACKING_URI like MLflow's client does", () => {
  const home = tempHome();
  const local = openTracker({ home, env: {} });
  assert.ok(local instanceof FileTracker);
  assert.equal(local.location, pathToFileURL(join(home, 'mlruns')).href);
  assert.equal(openTracker({ env: { HEIMDALL_HOME: home } }).location, pathToFileURL(join(home, 'mlruns')).href);
  assert.equal(
    openTracker({ env: { MLFLOW_TRACKING_URI: pathToFileURL(join(home, 'a')).href } }).location,
    pathToFileURL(join(home, 'a')).href,
  );
  assert.equal(
    openTracker({ env: { MLFLOW_TRACKING_URI: `file:${join(home, 'b')}` } }).location,
    pathToFileURL(join(home, 'b')).href,
  );
  assert.equal(openTracker({ env: { MLFLOW_TRACKING_URI: join(home, 'c') } }).location, pathToFileURL(join(home, 'c')).href);
  const rest = openTracker({ env: { MLFLOW_TRACKING_URI: 'http://mlflow:5000/', MLFLOW_TRACKING_TOKEN: 't' } });
  assert.ok(rest instanceof RestTracker);
  assert.equal(rest.location, 'http://mlflow:5000');
  assert.deepEqual(rest.http.authHeaders(), { authorization: 'Bearer t' });
  const basic = openTracker({
    env: { MLFLOW_TRACKING_URI: 'https://m', MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' },
    maxAttempts: 2,
    backoffMs: 1,
  });
  assert.deepEqual((basic as RestTracker).http.authHeaders(), {
    authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
  });
  assert.throws(
    () => openTracker({ env: { MLFLOW_TRACKING_URI: 'postgresql://db/mlflow' } }),
    /point it at the server, not at its database/,
  );
  assert.throws(() => s3FromEnv({}), /need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  const s3 = s3FromEnv({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', MLFLOW_S3_ENDPOINT_URL: 'http://minio:9000' });
  assert.equal(s3.bucketPrefix, '');
});

// --- the trainer callback, on a real Trainer fit ---

interface Batch {
  x: Tensor;
  y: Tensor;
}
const xs = Array.from({ length: 32 }, (_, i) => i / 16 - 1);
const source: DataSource<Batch> = {
  batchesPerEpoch: 4,
  *epoch() {
    for (let i = 0; i < 32; i += 8) {
      yield tidy(() => ({
        x: tensor(xs.slice(i, i + 8), [8, 1]),
        y: tensor(
          xs.slice(i, i + 8).map((v) => 2 * v + 1),
          [8, 1],
        ),
      }));
    }
  },
};
function line(nanAt?: number): TrainableModule<Batch> {
  manualSeed(3);
  const module = new Linear(1, 1);
  let calls = 0;
  return {
    module,
    trainingStep: (b) => {
      const loss = mseLoss(module.forward(b.x), b.y);
      return ++calls === nanAt ? loss.mul(Number.NaN) : loss;
    },
    validationStep: (b) => ({ loss: mseLoss(module.forward(b.x), b.y).item(), error_m: 1, count: 8 }),
  };
}

test("the trainer callback logs every epoch's metrics with step = epoch and ends the run", async () => {
  const home = tempHome();
  const tracker = openTracker({ home, env: {} });
  const run = await startRun(tracker, {
    experiment: 'callback',
    runName: 'toy',
    params: flattenParams({ optimizer: { lr: 0.05 } }),
    libtorchVersion: libtorchVersion(),
  });
  const model = line();
  const result = await new Trainer({
    log: () => {},
    earlyStopping: null,
    lr: 0.05,
    maxEpochs: 3,
    callbacks: [trackingCallback(run, { endOnFitEnd: true })],
  }).fit(model, source, source);
  model.module.dispose();
  assert.equal(run.ended, true);
  const stored = readStore(join(home, 'mlruns')).experiments[run.info.experimentId]?.runs[run.runId];
  assert.ok(stored);
  assert.equal(stored.meta.status, 3, 'FINISHED');
  assert.deepEqual(Object.keys(stored.metrics).sort(), ['lr', 'train_loss', 'val_error_m', 'val_loss']);
  assert.deepEqual(
    stored.metrics.train_loss?.map((m) => m.step),
    [1, 2, 3],
  );
  assert.deepEqual(
    stored.metrics.val_loss?.map((m) => m.value),
    result.history.map((h) => h.val_loss),
  );
  assert.equal(stored.params['optimizer.lr'], '0.05');
  assert.equal(stored.tags['heimdall.stopped_because'], 'max_epochs');
  assert.equal(stored.tags['heimdall.best_epoch'], String(result.bestEpoch));
  assert.equal(stored.tags['heimdall.libtorch_version'], libtorchVersion());
  await run.end('FAILED'); // a second end changes nothing
  assert.equal(readStore(join(home, 'mlruns')).experiments[run.info.experimentId]?.runs[run.runId]?.meta.status, 3);
});

test('a fit that throws marks the run FAILED with the error as a tag', async () => {
  const home = tempHome();
  const tracker = openTracker({ home, env: {} });
  const run = await startRun(tracker, { experiment: 'callback' });
  const model = line(6);
  await assert.rejects(
    new Trainer({ log: () => {}, earlyStopping: null, lr: 0.05, maxEpochs: 3, callbacks: [trackingCallback(run)] }).fit(
      model,
      source,
      source,
    ),
    /loss is NaN/,
  );
  model.module.dispose();
  const r = await tracker.getRun(run.runId);
  assert.equal(r.info.status, 'FAILED');
  assert.match(r.tags['heimdall.error'] ?? '', /NonFiniteLossError: .*loss is NaN at epoch 2/);
  assert.deepEqual(r.metrics.map((m) => [m.key, m.step]).sort(), [
    ['lr', 1],
    ['train_loss', 1],
    ['val_error_m', 1],
    ['val_loss', 1],
  ]);
});
