// One batch assembly for training and inference: for the same transmissions, predict's model
// input (prepareSets → inputBatch) equals the training loader's batch — mel, scalars (arrival
// times of GPS-timed receivers included) and mask — whether the loader extracts, reads its cache
// or serves from memory — and the physics prior a prior network reads.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { priorSpecOfScenario } from '../../src/pipeline/references/rss-model.js';
import { inputBatch, prepareSets } from '../../src/predict/predict.js';
import { assembleBatch } from '../../src/signal/features/batch.js';
import { FeatureCache } from '../../src/signal/features/cache.js';
import { defaultFeatureConfig as c } from '../../src/signal/features/config.js';
import { FeatureExtractor } from '../../src/signal/features/extractor.js';
import { PRIOR_WIDTH } from '../../src/signal/features/prior.js';
import { SCALAR_COUNT } from '../../src/signal/features/scalars.js';
import { FeatureStatsAccumulator } from '../../src/signal/features/stats.js';
import { readSigmfCollection } from '../../src/signal/sigmf/read.js';
import { simulate } from '../../src/sim/simulate.js';
import { LocalBlobStore } from '../../src/store/blobs/local.js';
import { Catalog } from '../../src/store/catalog/catalog.js';
import { createDataset } from '../../src/store/datasets.js';
import { openDatabase } from '../../src/store/db/index.js';
import { importDirectory } from '../../src/store/import.js';
import { DatasetLoader } from '../../src/store/loader.js';
import { gpsTimedScenario } from '../sim/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'heimdall-predict-batch-'));
const scenario = gpsTimedScenario();
const receivers = scenario.network.receivers.map((r) => r.id);

before(async () => {
  await simulate({ scenario, seed: 6, samples: 5, outDir: join(root, 'sim'), workers: 0 });
});
after(() => rmSync(root, { recursive: true, force: true }));

test('predict’s batch for a transmission equals the loader’s batch for the same transmission', async () => {
  const db = await openDatabase({ dir: join(root, 'catalog') });
  const catalog = await Catalog.open(db);
  const blobs = new LocalBlobStore(join(root, 'blobs'));
  await importDirectory(join(root, 'sim'), { catalog, blobs });
  const d = await createDataset(catalog, { name: 'same-batch', split: { train: 1, val: 0, test: 0 }, seed: 1 });
  const extractor = new FeatureExtractor({ config: c, receivers, workers: 0, cache: new FeatureCache(join(root, 'features')) });
  const loaderOptions = {
    catalog,
    blobs,
    extractor,
    frame: LocalFrame.centroidOf(scenario.network.receivers),
    datasetId: d.id,
    split: 'train' as const,
    batchSize: 5,
    seed: 1,
    shuffle: false,
  };
  // Normalization statistics as training computes them (raw loader batches).
  const acc = new FeatureStatsAccumulator(c.melBands, c.frames);
  for await (const b of (await DatasetLoader.create(loaderOptions)).epoch(0)) acc.addBatch(b, receivers.length);
  const stats = acc.finish();
  // With the physics prior a prior network reads (computed from the raw scalars in both paths).
  const prior = priorSpecOfScenario(scenario, loaderOptions.frame, c.heardSnrDb);
  const loader = await DatasetLoader.create({ ...loaderOptions, stats, prior, memoryBytes: 1 << 24 });
  const inference = new FeatureExtractor({ config: c, receivers, workers: 0 });
  const spec = { receivers: receivers.map((id) => ({ id })), featureConfig: c, featureStats: stats, prior };
  let validPriors = 0;
  let timedTransmissions = 0;
  // Epoch 0 from the disk cache (or extraction), epoch 1 from memory: both must equal predict's.
  for (const epoch of [0, 1]) {
    for await (const b of loader.epoch(epoch)) {
      const sets = [];
      for (const id of b.sessionIds) {
        const s = await catalog.getSession(id);
        sets.push({
          label: s?.source as string,
          recordings: readSigmfCollection(join(root, 'sim', s?.source as string)).recordings,
        });
      }
      const failures: string[] = [];
      const prepared = await prepareSets(inference, spec, sets, { fail: (label) => failures.push(label) });
      assert.deepEqual(failures, []);
      const p = inputBatch(prepared, spec);
      assert.equal(p.size, b.size);
      assert.deepEqual(p.mask, b.mask);
      assert.deepEqual(p.scalars, b.scalars);
      assert.deepEqual(p.mel, b.mel);
      assert.deepEqual(p.prior, b.prior);
      for (let i = 0; i < b.size; i++) validPriors += b.prior[i * PRIOR_WIDTH + 5] === 1 ? 1 : 0;
      assert.ok(
        p.target.every((v) => Number.isNaN(v)),
        'inference batches carry no target',
      );
      timedTransmissions += prepared.filter((x) => x.features.tdoa.length > 0).length;
    }
  }
  assert.ok(timedTransmissions >= 4, `transmissions with time differences: ${timedTransmissions}`);
  assert.ok(validPriors >= 8, `transmissions with a valid prior (of 10): ${validPriors}`);
  await inference.close();
  await extractor.close();
  await db.close();
});

test('assembleBatch refuses features of another size, naming the transmission', () => {
  const r = 2;
  const item = () => ({
    mel: new Float32Array(r * c.melBands * c.frames),
    scalars: new Float32Array(r * SCALAR_COUNT),
    mask: new Uint8Array(r),
  });
  const short = { ...item(), scalars: new Float32Array(r * 6) };
  assert.throws(
    () => assembleBatch([item(), short], { receivers: r, melBands: c.melBands, frames: c.frames }),
    /^RangeError: assembleBatch: transmission 1 has 12 scalar values, expected 18 \(2 receivers\)$/,
  );
  const b = assembleBatch(
    [item()],
    { receivers: r, melBands: c.melBands, frames: c.frames },
    { targets: [{ east: 5, north: -7 }], sessionIds: [9] },
  );
  assert.deepEqual([...b.target], [5, -7]);
  assert.deepEqual(b.sessionIds, [9]);
});
