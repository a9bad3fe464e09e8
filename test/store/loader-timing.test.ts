// The loader's path for transmissions heard by GPS-timed receivers: their arrival-time scalars
// need the IQ (cross-correlation) once; then the session's timing is cached beside the
// per-recording features, so later epochs and later runs read no IQ and correlate nothing — and
// the scalars must equal what inference computes from the same files.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { FeatureCache } from '../../src/signal/features/cache.js';
import { defaultFeatureConfig } from '../../src/signal/features/config.js';
import { extractFeatures } from '../../src/signal/features/extract.js';
import { FeatureExtractor } from '../../src/signal/features/extractor.js';
import { SCALAR_COUNT, scalarIndex } from '../../src/signal/features/scalars.js';
import { readSigmfCollection } from '../../src/signal/sigmf/read.js';
import { simulate } from '../../src/sim/simulate.js';
import { LocalBlobStore } from '../../src/store/blobs/local.js';
import { Catalog } from '../../src/store/catalog/catalog.js';
import { createDataset } from '../../src/store/datasets.js';
import { openDatabase } from '../../src/store/db/index.js';
import { importDirectory } from '../../src/store/import.js';
import { DatasetLoader } from '../../src/store/loader.js';
import { gpsTimedScenario } from '../sim/fixtures.js';
import { countingReads } from './counting-blobs.js';

const root = mkdtempSync(join(tmpdir(), 'heimdall-loader-timing-'));
const scenario = gpsTimedScenario();
const receivers = scenario.network.receivers.map((r) => r.id);

before(async () => {
  await simulate({ scenario, seed: 4, samples: 4, outDir: join(root, 'sim'), workers: 0 });
});
after(() => rmSync(root, { recursive: true, force: true }));

test('GPS-timed sessions carry centred arrival times equal to direct extraction, from memory and from disk', async () => {
  const db = await openDatabase({ dir: join(root, 'catalog') });
  const catalog = await Catalog.open(db);
  const counted = countingReads(new LocalBlobStore(join(root, 'blobs')));
  const blobs = counted.store;
  await importDirectory(join(root, 'sim'), { catalog, blobs });
  const d = await createDataset(catalog, { name: 'timed', split: { train: 1, val: 0, test: 0 }, seed: 1 });
  const extractor = new FeatureExtractor({
    config: defaultFeatureConfig,
    receivers,
    workers: 0,
    cache: new FeatureCache(join(root, 'features')),
  });
  const make = (memoryBytes: number) =>
    DatasetLoader.create({
      catalog,
      blobs,
      extractor,
      frame: LocalFrame.centroidOf(scenario.network.receivers),
      datasetId: d.id,
      split: 'train',
      batchSize: 4,
      seed: 1,
      memoryBytes,
    });
  const toa = scalarIndex('toa_centered_us');
  const timed = scalarIndex('timed');
  let withTiming = 0;
  let coldReads = 0;
  let coldTimed = 0;
  for (const [run, memoryBytes] of [0, 0, 1 << 24].entries()) {
    // Twice from an empty memory (cold, then with the features and timing cached), once held.
    const loader = await make(memoryBytes);
    if (run === 1) {
      coldReads = counted.reads();
      coldTimed = extractor.timed;
    }
    for (let pass = 0; pass < 2; pass++) {
      for await (const b of loader.epoch(1)) {
        for (let i = 0; i < b.size; i++) {
          const s = await catalog.getSession(b.sessionIds[i] as number);
          const { recordings } = readSigmfCollection(join(root, 'sim', s?.source as string));
          const direct = extractFeatures(recordings, receivers, defaultFeatureConfig);
          const rs = receivers.length * SCALAR_COUNT;
          const got = b.scalars.subarray(i * rs, (i + 1) * rs);
          assert.deepEqual(got, direct.scalars);
          const timedCount = receivers.filter((_, r) => got[r * SCALAR_COUNT + timed] === 1).length;
          assert.equal(timedCount, new Set(direct.tdoa.flatMap((t) => [t.i, t.j])).size);
          withTiming += timedCount >= 3 ? 1 : 0;
          let sum = 0;
          for (let r = 0; r < receivers.length; r++) sum += got[r * SCALAR_COUNT + toa] as number;
          assert.ok(Math.abs(sum) < 1e-2, `arrival times are centred (sum ${sum} µs)`);
        }
      }
    }
  }
  assert.ok(withTiming >= 4, `transmissions with arrival times: ${withTiming}`);
  // Only the first (cold) pass read IQ and correlated; every later pass was served by the cache.
  assert.ok(coldTimed >= 2, `sessions timed in the cold pass: ${coldTimed}`);
  assert.equal(extractor.timed, coldTimed, 'warm passes computed no time differences');
  assert.equal(counted.reads(), coldReads, 'warm passes read no IQ');

  // A damaged blob fails the batch that needs it, where the consumer awaits it; batches that were
  // prefetched and fail before being awaited must not crash the process as unhandled rejections.
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  for (const m of (await catalog.datasetMeasurements(d.id, 'train')).values()) {
    for (const x of m) writeFileSync(join(root, 'blobs', x.blobKey as string), 'damaged');
  }
  const fresh = await DatasetLoader.create({
    catalog,
    blobs,
    extractor: new FeatureExtractor({ config: defaultFeatureConfig, receivers, workers: 0 }),
    frame: LocalFrame.centroidOf(scenario.network.receivers),
    datasetId: d.id,
    split: 'train',
    batchSize: 1,
    seed: 1,
    prefetch: 3,
  });
  await assert.rejects(async () => {
    for await (const _ of fresh.epoch(1));
  }, /is corrupt: SHA-256/);
  await new Promise((r) => setTimeout(r, 50));
  process.off('unhandledRejection', onUnhandled);
  assert.deepEqual(unhandled, []);
  await extractor.close();
  await db.close();
});
