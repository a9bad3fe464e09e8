// `heimdall train` on catalog datasets that quickstart never made: recordings imported without a
// simulation scenario (their truth from the collection, as a survey would label them), and a
// dataset mixing those with simulated sessions; the resolved configuration in every checkpoint;
// and --resume continuing an interrupted run to the metrics of an uninterrupted one.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setNumThreads } from '../../src/engine/runtime.js';
import { loadSafetensors } from '../../src/engine/safetensors.js';
import { type IqTrainDatasetResult, type TrainDatasetOptions, trainDataset } from '../../src/pipeline/train-dataset.js';
import { simulate } from '../../src/sim/simulate.js';
import { createDataset } from '../../src/store/datasets.js';
import { importDirectory } from '../../src/store/import.js';
import { openStore } from '../../src/store/open.js';
import { openTracker } from '../../src/track/open.js';
import { ringNetwork, testScenario } from '../sim/fixtures.js';

/** trainDataset on an IQ dataset: LocalizationNet's result. */
async function trainIq(o: TrainDatasetOptions): Promise<IqTrainDatasetResult> {
  const r = await trainDataset(o);
  assert.equal(r.kind, 'iq');
  return r as IqTrainDatasetResult;
}

setNumThreads(2);

// The embedded store whatever the caller's environment says.
const { DATABASE_URL: _ignored, ...env } = process.env;

const scenario = testScenario({
  name: 'train-test',
  durationS: 0.25,
  network: ringNetwork(5, 8_000),
  txPowerDbm: [25, 40],
  shadowing: { sigmaDb: 4, decorrelationM: 500 },
  signals: { kinds: ['fm', 'fsk'] },
});
const tinyConfig = {
  model: { widths: [4, 8, 8, 16] },
  optimizer: { batchSize: 8 },
  trainer: { maxEpochs: 2, patience: 2 },
};

/** Simulated collections with the scenario's name removed: to the catalog, imported recordings with known truth. */
function asImported(dir: string): void {
  for (const tx of readdirSync(dir).filter((n) => n.startsWith('tx-'))) {
    const path = join(dir, tx, `${tx}.sigmf-collection`);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { collection: Record<string, unknown> };
    delete doc.collection['heimdall:scenario'];
    writeFileSync(path, JSON.stringify(doc));
  }
}

async function prepare(home: string, o: { mixed: boolean }): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'heimdall-train-data-'));
  await simulate({ scenario, seed: 3, samples: 30, outDir: join(work, 'imported'), workers: 0 });
  asImported(join(work, 'imported'));
  if (o.mixed) await simulate({ scenario, seed: 4, samples: 20, outDir: join(work, 'simulated'), workers: 0 });
  const store = await openStore({ home, env });
  try {
    const a = await importDirectory(join(work, 'imported'), { catalog: store.catalog, blobs: store.blobs, workers: 0 });
    assert.deepEqual([a.imported, a.failed.length], [30, 0]);
    if (o.mixed) await importDirectory(join(work, 'simulated'), { catalog: store.catalog, blobs: store.blobs, workers: 0 });
    await createDataset(store.catalog, { name: 'survey', split: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 });
  } finally {
    await store.close();
  }
}

test('train on imported recordings: receivers from the catalog, no prior, the resolved config tracked and in every checkpoint, a registered model', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-train-'));
  await prepare(home, { mixed: false });
  const store = await openStore({ home, env });
  const sessions = await store.catalog.listSessions();
  await store.close();
  assert.ok(sessions.every((s) => s.origin === 'imported' && s.scenario === null && s.truthLat !== null));

  const log: string[] = [];
  const r = await trainIq({ home, env, dataset: 'survey@1', config: tinyConfig, log: (l) => log.push(l) });
  assert.deepEqual([r.dataset.counts.train, r.dataset.counts.val, r.dataset.counts.test], [18, 6, 6]);
  assert.equal(r.evaluation.metrics.count, 6);
  assert.equal(r.fit.epochs, 2);
  assert.equal(r.correction, undefined); // a plain network: there is no prior to correct
  assert.ok(log.some((l) => l.includes('5 receivers') && l.includes('prior: none (no single catalogued scenario)')));
  // The dataset's own rate and window: 0.25 s recordings.
  const rate = scenario.network.receivers[0]?.sampleRateHz as number;
  assert.deepEqual([r.config.features.sampleRateHz, r.config.features.samples], [rate, Math.round(rate * 0.25)]);
  assert.deepEqual(r.config.model.widths, [4, 8, 8, 16]);
  assert.equal(r.config.optimizer.lr, 2e-3); // a default, resolved

  // Every checkpoint says how it was trained.
  const best = loadSafetensors(r.checkpoint as string);
  for (const t of best.tensors.values()) t.dispose();
  assert.deepEqual(JSON.parse(best.metadata['heimdall.train_config'] as string), r.config);
  // The run is tracked with the resolved configuration, and the model registered.
  const tracker = openTracker({ home, env });
  const run = await tracker.getRun(r.run.id);
  await tracker.close();
  assert.equal(run.info.status, 'FINISHED');
  const params = new Map(Object.entries(run.params));
  assert.equal(params.get('optimizer.lr'), '0.002');
  assert.equal(params.get('model.widths'), '[4,8,8,16]');
  assert.equal(params.get('dataset.name'), 'survey');
  assert.ok(r.model !== undefined && r.model.version === '1');
  assert.ok(r.report !== undefined);
});

test('train on a dataset mixing imported and simulated sessions', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-train-mixed-'));
  await prepare(home, { mixed: true });
  const r = await trainIq({
    home,
    env,
    dataset: 'survey',
    config: { ...tinyConfig, trainer: { maxEpochs: 1 } },
    log: () => {},
  });
  assert.equal(r.dataset.counts.train + r.dataset.counts.val + r.dataset.counts.test, 50);
  assert.equal(r.evaluation.metrics.count, r.dataset.counts.test);
  assert.ok(Number.isFinite(r.evaluation.metrics.medianErrorM));
  assert.ok(r.model !== undefined);
  // model.prior 'scenario' needs one catalogued scenario for all sessions: refused, naming why.
  await assert.rejects(
    trainDataset({ home, env, dataset: 'survey', config: { model: { prior: 'scenario' } }, log: () => {} }),
    /model\.prior 'scenario': dataset survey@1 does not come from one catalogued simulation scenario/,
  );
});

test('--resume continues an interrupted run from its last checkpoint to the metrics of an uninterrupted run', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-train-resume-'));
  await prepare(home, { mixed: false });
  const config = { ...tinyConfig, trainer: { maxEpochs: 3, patience: 3 } };
  const whole = await trainIq({ home, env, dataset: 'survey', config, log: () => {} });

  const controller = new AbortController();
  const first = await trainIq({
    home,
    env,
    dataset: 'survey',
    config,
    signal: controller.signal,
    log: (l) => {
      if (/^ {4}epoch 1\/3/.test(l)) controller.abort(); // stops within epoch 2
    },
  });
  assert.equal(first.fit.stoppedBecause, 'aborted');
  assert.equal(first.model, undefined); // nothing registered from an interrupted run
  const resumed = await trainIq({ home, env, resume: first.run.id, log: () => {} });
  assert.equal(resumed.run.id, first.run.id); // the same tracked run, continued
  assert.equal(resumed.fit.epochs, 3);
  assert.deepEqual(
    resumed.fit.history.map((h) => h.val_nll),
    whole.fit.history.map((h) => h.val_nll),
  );
  assert.deepEqual(resumed.evaluation.metrics, whole.evaluation.metrics);
  const tracker = openTracker({ home, env });
  assert.equal((await tracker.getRun(first.run.id)).info.status, 'FINISHED');
  await tracker.close();
  // A finished run cannot be resumed; a resume takes no new configuration; an unknown id is named.
  await assert.rejects(trainDataset({ home, env, resume: first.run.id, log: () => {} }), /finished already/);
  await assert.rejects(
    trainDataset({ home, env, resume: first.run.id, config: { trainer: { maxEpochs: 9 } }, log: () => {} }),
    /--resume continues a run with the configuration it started with/,
  );
  await assert.rejects(trainDataset({ home, env, resume: 'nope', log: () => {} }), /--resume nope: no run with that id under/);
  await assert.rejects(trainDataset({ home, env, resume: '../x', log: () => {} }), /not a run id/);
});

test('an unknown dataset or version is refused, naming what exists', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-train-unknown-'));
  await prepare(home, { mixed: false });
  await assert.rejects(
    trainDataset({ home, env, dataset: 'nope', log: () => {} }),
    /no dataset named 'nope'; existing datasets: survey/,
  );
  await assert.rejects(
    trainDataset({ home, env, dataset: 'survey@7', log: () => {} }),
    /dataset 'survey' has no version 7; versions: 1/,
  );
  await assert.rejects(trainDataset({ home, env, dataset: 'survey@x', log: () => {} }), /NAME@VERSION/);
});
