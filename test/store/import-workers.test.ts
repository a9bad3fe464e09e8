// Import reads sets in worker threads and keeps the features behind the catalog's scalars in the
// feature cache. Neither may change what is catalogued: the same sessions (ids in listing order),
// measurements, scalars and blobs as reading on the calling thread; and the cached features are
// exactly what the loader would have extracted from the stored IQ.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { FeatureCache } from '../../src/signal/features/cache.js';
import { FeatureConfigSchema } from '../../src/signal/features/config.js';
import { FeatureExtractor } from '../../src/signal/features/extractor.js';
import { simulate } from '../../src/sim/simulate.js';
import type { BlobStore } from '../../src/store/blobs/blob-store.js';
import { LocalBlobStore } from '../../src/store/blobs/local.js';
import { Catalog } from '../../src/store/catalog/catalog.js';
import { createDataset } from '../../src/store/datasets.js';
import { openDatabase } from '../../src/store/db/index.js';
import { importDirectory } from '../../src/store/import.js';
import { DatasetLoader } from '../../src/store/loader.js';
import { ringNetwork, testScenario } from '../sim/fixtures.js';
import { countingReads } from './counting-blobs.js';

const SAMPLES = 12;
const scenario = testScenario({
  durationS: 1,
  network: ringNetwork(4, 10_000),
  txPowerDbm: [25, 40],
  shadowing: { sigmaDb: 4, decorrelationM: 500 },
  signals: { kinds: ['fm', 'fsk'] },
});
const receivers = scenario.network.receivers.map((r) => r.id);
const root = mkdtempSync(join(tmpdir(), 'heimdall-import-workers-'));
const simDir = join(root, 'sim');

before(async () => {
  await simulate({ scenario, seed: 11, samples: SAMPLES, outDir: simDir, workers: 0 });
  // The same content twice in one folder: the second is a duplicate even while both are in flight.
  cpSync(join(simDir, 'tx-000003'), join(simDir, 'tx-000003-again'), { recursive: true });
});
after(() => rmSync(root, { recursive: true, force: true }));

async function openStore(name: string) {
  const db = await openDatabase({ dir: join(root, name, 'catalog') });
  return {
    db,
    catalog: await Catalog.open(db),
    blobs: new LocalBlobStore(join(root, name, 'blobs')),
    cacheDir: join(root, name, 'features'),
  };
}

/** Every session with its measurements, minus what depends on insertion time. */
async function catalogued(catalog: Catalog, ids: number[]) {
  return Promise.all(
    ids.map(async (id) => {
      const s = await catalog.getSession(id);
      assert.ok(s);
      const { createdAt: _c, measurements, ...session } = s;
      return { ...session, measurements: measurements.map(({ id: _id, sessionId: _s, ...m }) => m) };
    }),
  );
}

test('import in worker threads catalogues what the calling thread does, and its cached features are what the loader extracts', async () => {
  const inThread = await openStore('in-thread');
  const pooled = await openStore('pooled');
  try {
    const a = await importDirectory(simDir, { catalog: inThread.catalog, blobs: inThread.blobs, workers: 0 });
    const b = await importDirectory(simDir, {
      catalog: pooled.catalog,
      blobs: pooled.blobs,
      workers: 2,
      featureCacheDir: pooled.cacheDir,
    });
    for (const r of [a, b]) {
      assert.deepEqual([r.imported, r.duplicates, r.failed.length], [SAMPLES, 1, 0]);
      // Listing order (by path: 'tx-000003-again/…' sorts before 'tx-000003/…'); both copies
      // name one session.
      const names = Array.from({ length: SAMPLES }, (_, i) => `tx-${String(i).padStart(6, '0')}`);
      names.splice(3, 0, 'tx-000003-again');
      assert.deepEqual(
        r.sets.map((x) => basename(dirname(x.path))),
        names,
      );
      const again = r.sets.find((x) => x.path.includes('/tx-000003-again/'));
      const original = r.sets.find((x) => x.path.includes('/tx-000003/'));
      assert.equal(again?.sessionId, original?.sessionId);
    }
    assert.deepEqual(b.sessionIds, a.sessionIds);
    const rowsA = await catalogued(inThread.catalog, a.sessionIds);
    assert.deepEqual(await catalogued(pooled.catalog, b.sessionIds), rowsA);
    assert.ok(rowsA.every((s) => s.measurements.every((m) => m.snrDb !== null && m.rssiDbfs !== null)));
    for (const m of rowsA.flatMap((s) => s.measurements))
      assert.deepEqual(
        await pooled.blobs.get(m.blobKey as string, m.contentHash),
        await inThread.blobs.get(m.blobKey as string, m.contentHash),
      );

    // The loader over the pooled import finds every recording's features in the cache import
    // filled: no extraction, no blob read — and the same batch as extracting from the IQ.
    const rate = scenario.network.receivers[0]?.sampleRateHz as number;
    const config = FeatureConfigSchema.parse({ sampleRateHz: rate, samples: rate });
    const frame = LocalFrame.centroidOf(scenario.network.receivers);
    const firstBatch = async (store: { catalog: Catalog; blobs: BlobStore }, extractor: FeatureExtractor) => {
      const d = await createDataset(store.catalog, { name: 'all', split: { train: 1, val: 0, test: 0 }, seed: 1 });
      const loader = await DatasetLoader.create({
        ...store,
        extractor,
        frame,
        datasetId: d.id,
        split: 'train',
        batchSize: 64,
        seed: 1,
        shuffle: false,
      });
      for await (const batch of loader.epoch(0)) return batch;
      throw new Error('no batch');
    };
    const counting = countingReads(pooled.blobs);
    const warm = new FeatureExtractor({ config, receivers, workers: 0, cache: new FeatureCache(pooled.cacheDir) });
    const cold = new FeatureExtractor({ config, receivers, workers: 0, cache: new FeatureCache(inThread.cacheDir) });
    const fromCache = await firstBatch({ catalog: pooled.catalog, blobs: counting.store }, warm);
    const fromIq = await firstBatch(inThread, cold);
    assert.equal(warm.computed, 0);
    assert.equal(counting.reads(), 0);
    assert.equal(cold.computed, SAMPLES * receivers.length);
    assert.equal(fromCache.size, SAMPLES);
    assert.deepEqual(fromCache.mel, fromIq.mel);
    assert.deepEqual(fromCache.scalars, fromIq.scalars);
    assert.deepEqual(fromCache.mask, fromIq.mask);
  } finally {
    await inThread.db.close();
    await pooled.db.close();
  }
});

test('an import interrupted by its progress callback stops, and every session it catalogued has its blobs', async () => {
  const store = await openStore('interrupted');
  try {
    await assert.rejects(
      importDirectory(simDir, {
        catalog: store.catalog,
        blobs: store.blobs,
        workers: 2,
        onProgress: (done) => {
          if (done === 5) throw new Error('interrupted');
        },
      }),
      /interrupted/,
    );
    // Five sets committed: tx-000000 … tx-000002, the copy of tx-000003 and tx-000003 (its duplicate).
    assert.equal(await store.catalog.countSessions(), 4);
    const sessions = await Promise.all((await store.catalog.listSessions()).map((s) => store.catalog.getSession(s.id)));
    for (const m of sessions.flatMap((s) => s?.measurements ?? [])) assert.ok(await store.blobs.has(m.blobKey as string));
    // Re-running completes it, importing only what is missing.
    const again = await importDirectory(simDir, { catalog: store.catalog, blobs: store.blobs, workers: 2 });
    assert.deepEqual([again.imported, again.duplicates], [SAMPLES - 4, 5]);
  } finally {
    await store.db.close();
  }
});
