// import → dataset → loader, against every catalog backend (PGlite always; PostgreSQL when
// DATABASE_URL is set — unreachable is then a failure) and every blob backend (a local folder;
// S3 through an s3rver started here).
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { FeatureCache } from '../../src/signal/features/cache.js';
import { defaultFeatureConfig } from '../../src/signal/features/config.js';
import { extractFeatures } from '../../src/signal/features/extract.js';
import { FeatureExtractor } from '../../src/signal/features/extractor.js';
import { SCALAR_COUNT, SCALAR_NAMES } from '../../src/signal/features/scalars.js';
import type { FeatureStats } from '../../src/signal/features/stats.js';
import { readSigmfCollection } from '../../src/signal/sigmf/read.js';
import { simulate } from '../../src/sim/simulate.js';
import { BlobIntegrityError, type BlobStore } from '../../src/store/blobs/blob-store.js';
import { LocalBlobStore } from '../../src/store/blobs/local.js';
import { S3BlobStore } from '../../src/store/blobs/s3.js';
import { Catalog } from '../../src/store/catalog/catalog.js';
import { createDataset } from '../../src/store/datasets.js';
import { openDatabase } from '../../src/store/db/index.js';
import { importDirectory } from '../../src/store/import.js';
import { DatasetLoader } from '../../src/store/loader.js';
import type { SqlDatabase } from '../../src/store/sql.js';
import { ringNetwork, testScenario } from '../sim/fixtures.js';
import { countingReads } from './counting-blobs.js';
import { type RunningS3, startS3rver } from './s3rver.js';

const SAMPLES = 10;
const scenario = testScenario({
  durationS: 1,
  network: ringNetwork(5, 10_000),
  txPowerDbm: [30, 40],
  shadowing: { sigmaDb: 4, decorrelationM: 500 },
});
const receivers = scenario.network.receivers.map((r) => r.id);
const simDir = mkdtempSync(join(tmpdir(), 'heimdall-pipeline-sim-'));
let s3: RunningS3 | undefined;

before(async () => {
  await simulate({ scenario, seed: 5, samples: SAMPLES, outDir: simDir, workers: 0 });
  s3 = await startS3rver();
});
after(async () => {
  await s3?.close();
  rmSync(simDir, { recursive: true, force: true });
});

type Backend = {
  name: string;
  open: () => Promise<{ catalog: Catalog; blobs: BlobStore; db: SqlDatabase; cleanup: () => Promise<void> }>;
};

const dbBackends: { name: string; skip: string | false; open: () => Promise<{ db: SqlDatabase; drop: () => Promise<void> }> }[] =
  [
    {
      name: 'PGlite',
      skip: false,
      open: async () => {
        const dir = mkdtempSync(join(tmpdir(), 'heimdall-pglite-'));
        const db = await openDatabase({ dir });
        return { db, drop: async () => rmSync(dir, { recursive: true, force: true }) };
      },
    },
    {
      name: 'PostgreSQL',
      skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set',
      open: async () => {
        const schema = `heimdall_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
        const db = await openDatabase({ url: process.env.DATABASE_URL as string, dir: '', schema });
        return { db, drop: async () => void (await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)) };
      },
    },
  ];
const blobBackends: { name: string; make: () => BlobStore }[] = [
  { name: 'local', make: () => new LocalBlobStore(mkdtempSync(join(tmpdir(), 'heimdall-blobs-'))) },
  {
    name: 's3',
    make: () =>
      new S3BlobStore({
        endpoint: (s3 as RunningS3).endpoint,
        region: 'us-east-1',
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        forcePathStyle: true,
        bucketPrefix: `p${Math.random().toString(36).slice(2, 8)}-`,
      }),
  },
];

for (const dbb of dbBackends) {
  for (const bb of blobBackends) {
    const backend: Backend = {
      name: `${dbb.name} + ${bb.name} blobs`,
      open: async () => {
        const { db, drop } = await dbb.open();
        const catalog = await Catalog.open(db);
        const blobs = bb.make();
        return {
          catalog,
          blobs,
          db,
          cleanup: async () => {
            await drop(); // while the connection is still open
            await db.close();
            if (blobs instanceof S3BlobStore) blobs.close();
          },
        };
      },
    };
    describe(backend.name, { skip: dbb.skip }, () => suite(backend));
  }
}

function suite(backend: Backend): void {
  let ctx: Awaited<ReturnType<Backend['open']>>;
  before(async () => {
    ctx = await backend.open();
  });
  after(async () => {
    await ctx.cleanup();
  });

  test('import registers every transmission with its measurements; re-import is a no-op', async () => {
    const progress: number[] = [];
    const r = await importDirectory(simDir, { catalog: ctx.catalog, blobs: ctx.blobs, onProgress: (d) => progress.push(d) });
    assert.deepEqual(r.failed, []);
    assert.equal(r.imported, SAMPLES);
    assert.equal(progress.length, SAMPLES);
    assert.equal(await ctx.catalog.countSessions(), SAMPLES);
    const s = await ctx.catalog.getSession(r.sessionIds[0] as number);
    assert.equal(s?.origin, 'simulated');
    assert.equal(s?.scenario, 'test');
    assert.equal(s?.measurements.length, 5);
    assert.ok(s?.truthLat !== null && s?.truth?.crlb !== undefined);
    assert.equal(typeof s?.measurements[0]?.startUnixNs, 'bigint');
    assert.ok(await ctx.blobs.has(s?.measurements[0]?.blobKey as string));
    // The simulation's scenario is catalogued under its name: what an evaluation's references assume.
    assert.deepEqual(await ctx.catalog.getScenario('test'), JSON.parse(JSON.stringify(scenario)));
    const again = await importDirectory(simDir, { catalog: ctx.catalog, blobs: ctx.blobs });
    assert.deepEqual([again.imported, again.duplicates, again.failed.length], [0, SAMPLES, 0]);
    assert.equal(await ctx.catalog.countSessions(), SAMPLES);
  });

  test('a truncated file mid-import is reported by name; the rest is imported and the catalog stays consistent', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'heimdall-pipeline-bad-'));
    cpSync(simDir, copy, { recursive: true });
    // Two extra copies of tx-000000 (same content: duplicates once readable)…
    for (const name of ['tx-extra-a', 'tx-extra-b']) cpSync(join(copy, 'tx-000000'), join(copy, name), { recursive: true });
    // …and damage the first: cut its data file short (its collection then fails as a whole).
    // (An odd cut, so no sample size divides it; the copy is writable again, since importing
    // simDir took its dataset files in place and made them read-only.)
    const victim = join(copy, 'tx-extra-a', `${receivers[2]}.sigmf-data`);
    chmodSync(victim, 0o644);
    truncateSync(victim, statSync(victim).size - 101);
    const before = await ctx.catalog.countSessions();
    const r = await importDirectory(copy, { catalog: ctx.catalog, blobs: ctx.blobs });
    assert.equal(r.failed.length, 1);
    assert.match(r.failed[0]?.path as string, /tx-extra-a/);
    assert.match(r.failed[0]?.error as string, /truncat|size|bytes/i);
    // tx-extra-b has the same content as tx-000000: a duplicate, not a new session.
    assert.equal(r.imported, 0);
    assert.equal(r.duplicates, SAMPLES + 1);
    assert.equal(await ctx.catalog.countSessions(), before);
    rmSync(copy, { recursive: true, force: true });
  });

  test('datasets split by session; the loader yields every training session once per epoch with exact features and targets', async () => {
    const d = await createDataset(ctx.catalog, { name: 'pipeline', split: { train: 0.6, val: 0.2, test: 0.2 }, seed: 3 });
    assert.deepEqual([d.counts.train, d.counts.val, d.counts.test], [6, 2, 2]);
    const ids = await Promise.all(
      (['train', 'val', 'test'] as const).map(async (sp) => (await ctx.catalog.datasetSessions(d.id, sp)).map((s) => s.id)),
    );
    assert.equal(new Set(ids.flat()).size, SAMPLES, 'splits are disjoint and complete');
    const frame = LocalFrame.centroidOf(scenario.network.receivers);
    const extractor = new FeatureExtractor({ config: defaultFeatureConfig, receivers, workers: 1 });
    const loader = await DatasetLoader.create({
      catalog: ctx.catalog,
      blobs: ctx.blobs,
      extractor,
      frame,
      datasetId: d.id,
      split: 'train',
      batchSize: 4,
      seed: 9,
    });
    assert.equal(loader.batchesPerEpoch, 2);
    const seen: number[] = [];
    const block = receivers.length * 128 * 32;
    for await (const b of loader.epoch(0)) {
      seen.push(...b.sessionIds);
      assert.equal(b.mel.length, b.size * block);
      // Exact values: the same session's SigMF read from disk and featurized directly.
      const sid = b.sessionIds[0] as number;
      const session = await ctx.catalog.getSession(sid);
      const { recordings, extra } = readSigmfCollection(join(simDir, session?.source as string));
      const direct = extractFeatures(recordings, receivers, defaultFeatureConfig);
      assert.deepEqual(b.mel.subarray(0, block), direct.mel);
      assert.deepEqual(b.mask.subarray(0, receivers.length), direct.mask);
      const truth = extra['heimdall:truth'] as { lat: number; lon: number };
      const local = frame.toLocal(truth);
      assert.ok(Math.abs((b.target[0] as number) - local.east) < 1e-3 && Math.abs((b.target[1] as number) - local.north) < 1e-3);
    }
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [...(ids[0] as number[])].sort((a, b) => a - b),
    );
    const order0 = loader.order(0).map((s) => s.id);
    assert.deepEqual(
      loader.order(0).map((s) => s.id),
      order0,
      'same seed and epoch, same order',
    );
    assert.notDeepEqual(
      loader.order(1).map((s) => s.id),
      order0,
      'a new epoch reshuffles',
    );
    await extractor.close();
  });

  test('warm epochs come from memory or the blob-hash-keyed feature cache without reading IQ, equal to the cold epoch', async () => {
    const d = await createDataset(ctx.catalog, { name: 'warm', split: { train: 1, val: 0, test: 0 }, seed: 1 });
    const cacheDir = mkdtempSync(join(tmpdir(), 'heimdall-loader-cache-'));
    const extractor = new FeatureExtractor({
      config: defaultFeatureConfig,
      receivers,
      workers: 1,
      cache: new FeatureCache(cacheDir),
    });
    const counting = countingReads(ctx.blobs);
    // Non-trivial statistics: normalizing must touch only the batch's copy, never held features.
    const stats: FeatureStats = {
      melBands: 128,
      frames: 32,
      melMean: Array(128).fill(-40),
      melStd: Array(128).fill(7),
      scalarNames: [...SCALAR_NAMES],
      scalarMean: Array(SCALAR_COUNT).fill(0.5),
      scalarStd: Array(SCALAR_COUNT).fill(3),
      count: 1,
    };
    const frame = LocalFrame.centroidOf(scenario.network.receivers);
    const make = (memoryBytes?: number) =>
      DatasetLoader.create({
        catalog: ctx.catalog,
        blobs: counting.store,
        extractor,
        frame,
        datasetId: d.id,
        split: 'train',
        batchSize: 3,
        seed: 2,
        stats,
        ...(memoryBytes === undefined ? {} : { memoryBytes }),
      });
    const collect = async (l: DatasetLoader, epoch: number) => {
      const out: { ids: number[]; mel: Float32Array; scalars: Float32Array }[] = [];
      for await (const b of l.epoch(epoch)) out.push({ ids: b.sessionIds, mel: b.mel, scalars: b.scalars });
      return out;
    };
    const byId = (batches: Awaited<ReturnType<typeof collect>>) => {
      const m = new Map<number, number[]>();
      const block = receivers.length * 128 * 32;
      for (const b of batches) {
        b.ids.forEach((id, i) => {
          m.set(id, Array.from(b.mel.subarray(i * block, (i + 1) * block)));
        });
      }
      return m;
    };

    const inMemory = await make();
    const cold = await collect(inMemory, 1);
    const coldReads = counting.reads();
    assert.ok(coldReads >= SAMPLES, `the cold epoch reads every recording (${coldReads} reads)`);
    assert.equal(inMemory.sessionsInMemory, SAMPLES);
    const warm = await collect(inMemory, 1);
    assert.equal(counting.reads(), coldReads, 'a warm epoch reads no blob');
    assert.deepEqual(warm, cold, 'same epoch, same batches, normalized once');
    assert.ok(Math.abs((cold[0]?.mel[0] as number) + 40) < 200, 'values are normalized');

    const fromDisk = await make(0);
    const disk = await collect(fromDisk, 2);
    assert.equal(counting.reads(), coldReads, 'the disk cache is found by blob hash: no IQ read');
    assert.equal(fromDisk.sessionsInMemory, 0);
    assert.deepEqual(byId(disk), byId(cold), 'disk-cached features equal the extracted ones');

    const perSession = receivers.length * (128 * 32 * 4 + SCALAR_COUNT * 4 + 1);
    const partial = await make(2 * perSession + 10);
    await collect(partial, 1);
    assert.equal(partial.sessionsInMemory, 2, 'the memory budget caps what is held');
    await extractor.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test('a blob whose content no longer matches the catalog is detected', async () => {
    const [first] = await ctx.catalog.listSessions();
    const s = await ctx.catalog.getSession(first?.id as number);
    const m = s?.measurements[0];
    await ctx.blobs.put(m?.blobKey as string, new Uint8Array([1, 2, 3]));
    await assert.rejects(
      ctx.blobs.get(m?.blobKey as string, m?.contentHash),
      (err: unknown) => err instanceof BlobIntegrityError && /is corrupt: SHA-256/.test(err.message),
    );
  });
}
