// The catalog suite, run on every backend: PGlite in memory, PGlite on disk (reopened to show
// persistence), and PostgreSQL when DATABASE_URL is set (in a random schema of its own, dropped
// afterwards). Every test starts from an emptied database. An unreachable DATABASE_URL fails the
// suite; only an unset one skips it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Catalog, DuplicateSessionError, sessionContentHash } from '../../src/store/catalog/catalog.js';
import { MIGRATIONS, migrate, SCHEMA_VERSION, schemaVersion } from '../../src/store/catalog/migrations.js';
import type { MeasurementRow, NewMeasurement, NewSession, SessionOrigin } from '../../src/store/catalog/types.js';
import { openDatabase } from '../../src/store/db/index.js';
import { openPglite } from '../../src/store/db/pglite.js';
import { openPostgres, redactUrl } from '../../src/store/db/postgres.js';
import type { SqlDatabase } from '../../src/store/sql.js';

const DATABASE_URL = process.env.DATABASE_URL;

interface Backend {
  name: string;
  skip: string | false;
  /** The database's location as it appears in messages. */
  location: () => string;
  /** Opens the suite's database (created empty). */
  open(): Promise<SqlDatabase>;
  /** Opens the same database again after it was closed, or null when it cannot persist. */
  reopen: (() => Promise<SqlDatabase>) | null;
  cleanup(): Promise<void>;
}

const diskDir = join(mkdtempSync(join(tmpdir(), 'heimdall-catalog-')), 'db');
const pgSchema = `heimdall_test_${process.pid}_${randomBytes(4).toString('hex')}`;

const backends: Backend[] = [
  {
    name: 'PGlite in memory',
    skip: false,
    location: () => 'pglite:memory',
    open: () => openPglite(null),
    reopen: null,
    cleanup: async () => {},
  },
  {
    name: 'PGlite on disk',
    skip: false,
    location: () => `pglite:${diskDir}`,
    open: () => openPglite(diskDir),
    reopen: () => openPglite(diskDir),
    cleanup: async () => rmSync(join(diskDir, '..'), { recursive: true, force: true }),
  },
  {
    name: 'PostgreSQL',
    skip: DATABASE_URL === undefined || DATABASE_URL === '' ? 'DATABASE_URL is not set' : false,
    location: () => `${redactUrl(DATABASE_URL as string)} (schema ${pgSchema})`,
    open: () => openDatabase({ url: DATABASE_URL as string, dir: 'unused', schema: pgSchema }),
    reopen: () => openPostgres(DATABASE_URL as string, { schema: pgSchema }),
    cleanup: async () => {
      const admin = await openPostgres(DATABASE_URL as string);
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
      } finally {
        await admin.close();
      }
    },
  },
];

/** Empties the database (drops and recreates its current schema): each test starts from nothing. */
async function wipe(db: SqlDatabase): Promise<SqlDatabase> {
  const s = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s;
  assert.ok(s !== undefined && s !== null, `${db.location}: no current schema`);
  await db.query(`DROP SCHEMA "${s}" CASCADE`);
  await db.query(`CREATE SCHEMA "${s}"`);
  return db;
}

const RECEIVERS = ['torino', 'montanaro', 'genova'] as const;

/** Session i with 3 measurements (one per receiver) whose timestamps need all 64 bits. */
function sample(i: number, origin: SessionOrigin = 'simulated'): { session: NewSession; measurements: NewMeasurement[] } {
  const measurements: NewMeasurement[] = RECEIVERS.map((rx, k) => ({
    receiver: { id: rx, name: rx.toUpperCase(), lat: 45 + k / 10, lon: 7.5 + k / 10, altM: 250 + k, gpsDisciplined: k !== 2 },
    startUnixNs: 1_700_000_000_123_456_789n + BigInt(i * 1_000_000_000 + k * 7),
    timestampSigmaS: k === 2 ? null : 1e-6,
    centerFreqHz: 145_500_000,
    sampleRateHz: 48_000,
    sampleCount: 9_600 + k,
    snrDb: 20.25 - k,
    rssiDbfs: -31.5 - k,
    rssiDbm: k === 1 ? null : -101.125 - k,
    blobKey: `heimdall-raw-iq/sessions/${i}/${rx}.npy`,
    format: 'npy-cf32',
    contentHash: `${String(i).padStart(4, '0')}${rx}`.padEnd(64, 'f'),
    meta: { 'heimdall:full_scale_dbm': -10, 'heimdall:receiver_name': rx, nested: { list: [1, 2.5, 'x'], none: null } },
  }));
  const session: NewSession = {
    origin,
    scenario: origin === 'simulated' ? (i % 2 === 0 ? 'nw-italy-fm' : 'dense-urban') : null,
    startedAt: new Date(Date.UTC(2023, 10, 14, 22, 13, 20, 123) + i * 1000),
    centerFreqHz: 145_500_000,
    truthLat: 45.07 + i / 1000,
    truthLon: 7.68,
    truthAltM: 12.5,
    truthPowerDbm: 37,
    truth: {
      'heimdall:truth': {
        lat: 45.07 + i / 1000,
        lon: 7.68,
        heightM: 12.5,
        powerDbm: 37,
        signal: 'fm',
        signalParams: { deviationHz: 2500 },
      },
      'heimdall:crlb': { available: true, sigmaEastM: 41.5, sigmaNorthM: 63.25, ellipse: [1, 0.5, -0.25] },
      'heimdall:links': [{ receiver_id: 'torino', true_start_unix_ns: '1700000000123456789', snr_db: 20.25 }],
      'heimdall:seed': 42,
    },
    source: `/data/simulated/tx-${String(i).padStart(6, '0')}`,
    contentHash: sessionContentHash(measurements.map((m) => ({ receiverId: m.receiver.id, contentHash: m.contentHash }))),
  };
  return { session, measurements };
}

/** What getSession must return for the measurements of sample(i), given the inserted ids. */
function expectedMeasurements(i: number, sessionId: number, ids: number[]): MeasurementRow[] {
  return sample(i).measurements.map((m, k) => ({
    id: ids[k] as number,
    sessionId,
    receiverId: m.receiver.id,
    startUnixNs: m.startUnixNs,
    timestampSigmaS: m.timestampSigmaS,
    centerFreqHz: m.centerFreqHz,
    sampleRateHz: m.sampleRateHz,
    sampleCount: m.sampleCount,
    snrDb: m.snrDb ?? null,
    rssiDbfs: m.rssiDbfs ?? null,
    rssiDbm: m.rssiDbm ?? null,
    blobKey: m.blobKey,
    format: m.format,
    contentHash: m.contentHash,
    meta: m.meta ?? {},
    heard: null,
    running: true,
    rxLat: null,
    rxLon: null,
  }));
}

async function tables(db: SqlDatabase): Promise<string[]> {
  const r = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
  );
  return r.rows.map((t) => t.table_name);
}

for (const b of backends) {
  describe(`catalog on ${b.name}`, { skip: b.skip }, () => {
    let shared: SqlDatabase | undefined;
    before(async () => {
      shared = await b.open();
    });
    after(async () => {
      if (shared === undefined) return; // never opened: the failure is reported by before()
      await shared.close();
      await b.cleanup();
    });
    /** The suite's database, emptied. */
    const empty = (): Promise<SqlDatabase> => wipe(shared as SqlDatabase);
    /** Runs fn on a catalog over the emptied database. */
    const withCatalog = async (fn: (c: Catalog) => Promise<void>): Promise<void> => fn(await Catalog.open(await empty()));

    test('the database says where it is', () => {
      assert.equal(shared?.location, b.location());
    });

    test('a scenario round-trips by name, is replaced on a second put, and a hostile name stays data', () =>
      withCatalog(async (c) => {
        assert.equal(await c.getScenario('nw-italy-2m'), null);
        await c.putScenario('nw-italy-2m', { frequencyHz: 145.5e6, txPowerDbm: [30, 47] });
        assert.deepEqual(await c.getScenario('nw-italy-2m'), { frequencyHz: 145.5e6, txPowerDbm: [30, 47] });
        await c.putScenario('nw-italy-2m', { frequencyHz: 146e6 });
        assert.deepEqual(await c.getScenario('nw-italy-2m'), { frequencyHz: 146e6 });
        const hostile = "x'); DROP TABLE sessions; --";
        await c.putScenario(hostile, { ok: true });
        assert.deepEqual(await c.getScenario(hostile), { ok: true });
        assert.equal(await c.countSessions(), 0); // the sessions table is still there
        await assert.rejects(c.putScenario('', {}), /empty scenario name/);
      }));

    test('migrations are idempotent: a second run applies nothing and changes no table', async () => {
      const db = await empty();
      assert.equal(await schemaVersion(db), 0);
      assert.deepEqual(await migrate(db), [1, 2, 3, 4, 5, 6, 7]);
      const first = await tables(db);
      assert.deepEqual(first, [
        'api_tokens',
        'dataset_sessions',
        'datasets',
        'job_metrics',
        'jobs',
        'measurements',
        'receivers',
        'scenarios',
        'schema_migrations',
        'sessions',
      ]);
      assert.deepEqual(await migrate(db), []);
      await Catalog.open(db); // opening migrates too
      assert.equal(await schemaVersion(db), SCHEMA_VERSION);
      assert.equal(SCHEMA_VERSION, 7);
      assert.deepEqual(await tables(db), first);
      const applied = await db.query('SELECT version, name FROM schema_migrations ORDER BY version');
      assert.deepEqual(
        applied.rows,
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
    });

    test('a catalog made by the first migration upgrades: its data stays, the unused tables go', async () => {
      const db = await empty();
      assert.deepEqual(await migrate(db, MIGRATIONS.slice(0, 1)), [1]);
      assert.deepEqual(
        (await tables(db)).filter((t) => ['known_sources', 'models', 'training_jobs', 'training_metrics'].includes(t)),
        ['known_sources', 'models', 'training_jobs', 'training_metrics'],
      );
      // Rows in the dropped tables (models → training_jobs, metrics → jobs) must not block the upgrade.
      await db.query(`INSERT INTO known_sources (name, lat, lon) VALUES ('beacon', 45, 7)`);
      await db.query(`INSERT INTO training_jobs (id, config) VALUES (1, '{}'::jsonb)`);
      await db.query(`INSERT INTO models (name, version, run_id, blob_key) VALUES ('m', 1, 1, 'k')`);
      await db.query(`INSERT INTO training_metrics (job_id, epoch, name, value) VALUES (1, 1, 'loss', 0.5)`);
      const old = await Catalog.open(db);
      assert.equal(await schemaVersion(db), SCHEMA_VERSION);
      const { session, measurements } = sample(0);
      await old.insertSession(session, measurements);
      assert.deepEqual(await migrate(db), []);
      assert.deepEqual(await tables(db), [
        'api_tokens',
        'dataset_sessions',
        'datasets',
        'job_metrics',
        'jobs',
        'measurements',
        'receivers',
        'scenarios',
        'schema_migrations',
        'sessions',
      ]);
      assert.equal(await old.countSessions(), 1);
    });

    test('concurrent migrate calls apply each migration once', async () => {
      const db = await empty();
      const results = await Promise.all([migrate(db), migrate(db), migrate(db)]);
      assert.deepEqual(
        results.flat().sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7],
      );
      assert.deepEqual((await db.query('SELECT version FROM schema_migrations ORDER BY version')).rows, [
        { version: 1 },
        { version: 2 },
        { version: 3 },
        { version: 4 },
        { version: 5 },
        { version: 6 },
        { version: 7 },
      ]);
    });

    test('a database migrated by a newer program is refused', async () => {
      const db = await empty();
      await migrate(db);
      await db.query(`INSERT INTO schema_migrations (version, name) VALUES (99, 'future')`);
      await assert.rejects(migrate(db), {
        message: `${db.location}: the catalog is at schema version 99, newer than this program's ${SCHEMA_VERSION}; upgrade heimdall`,
      });
    });

    test('a session with 3 measurements reads back exactly (bigint ns, jsonb truth, nulls)', () =>
      withCatalog(async (c) => {
        const { session, measurements } = sample(1);
        const { sessionId, measurementIds } = await c.insertSession(session, measurements);
        assert.equal(measurementIds.length, 3);
        const got = await c.getSession(sessionId);
        assert.ok(got !== null);
        assert.ok(got.createdAt instanceof Date);
        assert.deepEqual(got, {
          id: sessionId,
          origin: 'simulated',
          scenario: 'dense-urban',
          startedAt: new Date('2023-11-14T22:13:21.123Z'),
          centerFreqHz: 145_500_000,
          truthLat: 45.071,
          truthLon: 7.68,
          truthAltM: 12.5,
          truthPowerDbm: 37,
          truth: session.truth,
          source: '/data/simulated/tx-000001',
          contentHash: session.contentHash,
          createdAt: got.createdAt,
          measurements: expectedMeasurements(1, sessionId, measurementIds),
        });
        assert.equal(got.measurements[0]?.startUnixNs, 1_700_000_001_123_456_789n);
        assert.equal(got.measurements[2]?.startUnixNs, 1_700_000_001_123_456_803n);
        assert.equal(await c.getSession(sessionId + 1000), null);
        const receivers = await c.listReceivers();
        assert.deepEqual(
          receivers.map((r) => [r.id, r.name, r.lat, r.gpsDisciplined]),
          [
            ['genova', 'GENOVA', 45.2, false],
            ['montanaro', 'MONTANARO', 45.1, true],
            ['torino', 'TORINO', 45, true],
          ],
        );
      }));

    test('upsertReceiver fills in what is known and keeps what is not given', () =>
      withCatalog(async (c) => {
        await c.upsertReceiver({ id: 'coazze', name: 'Coazze', lat: 45.03, lon: 7.27 });
        const r = await c.upsertReceiver({
          id: 'coazze',
          url: 'http://websdr.example:8901',
          bandsHz: [[144e6, 146e6]],
          gpsDisciplined: false,
        });
        assert.deepEqual(
          { ...r, createdAt: null },
          {
            id: 'coazze',
            name: 'Coazze',
            lat: 45.03,
            lon: 7.27,
            altM: null,
            url: 'http://websdr.example:8901',
            bandsHz: [[144e6, 146e6]],
            gpsDisciplined: false,
            createdAt: null,
          },
        );
        assert.deepEqual(await c.getReceiver('coazze'), r);
        assert.equal(await c.getReceiver('nowhere'), null);
      }));

    test('a duplicate content hash is detected (findSessionByHash) and refused', () =>
      withCatalog(async (c) => {
        const { session, measurements } = sample(2);
        assert.equal(await c.findSessionByHash(session.contentHash), null);
        const { sessionId } = await c.insertSession(session, measurements);
        assert.equal((await c.findSessionByHash(session.contentHash))?.id, sessionId);
        const again = { ...session, source: '/elsewhere/same-recordings' };
        await assert.rejects(c.insertSession(again, measurements), (err: unknown) => {
          assert.ok(err instanceof DuplicateSessionError);
          assert.equal(err.existingSessionId, sessionId);
          assert.equal(
            err.message,
            `${c.location}: session ${sessionId} already has content hash ${session.contentHash.slice(0, 16)}… (the same recordings were already imported)`,
          );
          return true;
        });
        assert.equal(await c.countSessions(), 1);
      }));

    test('a failing measurement insert rolls the whole session back', () =>
      withCatalog(async (c) => {
        const ok = sample(3);
        await c.insertSession(ok.session, ok.measurements);
        const bad = sample(4);
        const newcomer = { ...(bad.measurements[0] as NewMeasurement), receiver: { id: 'passo-giovi', name: 'Passo del Giovi' } };
        const duplicate = { ...(bad.measurements[0] as NewMeasurement), contentHash: 'e'.repeat(64) };
        await assert.rejects(c.insertSession(bad.session, [newcomer, ...bad.measurements, duplicate]), {
          message: 'duplicate key value violates unique constraint "measurements_session_id_receiver_id_key"',
          code: '23505',
        });
        assert.equal(await c.countSessions(), 1);
        assert.equal(await c.findSessionByHash(bad.session.contentHash), null);
        assert.equal(await c.getReceiver('passo-giovi'), null, 'the receiver upsert is rolled back too');
        const n = await c.db.query<{ n: number }>('SELECT count(*) AS n FROM measurements');
        assert.deepEqual(n.rows, [{ n: 3 }]);
        await assert.rejects(c.insertSession(bad.session, []), {
          name: 'RangeError',
          message: `insertSession: session from /data/simulated/tx-000004 has no measurements`,
        });
      }));

    test('power-only readings (no blob) keep heard, running and a mobile position; insertSessions is all or nothing', () =>
      withCatalog(async (c) => {
        const power = (i: number): { session: NewSession; measurements: NewMeasurement[] } => {
          const base = { startUnixNs: null, timestampSigmaS: null, centerFreqHz: 0, sampleRateHz: 0, sampleCount: 0 };
          const measurements: NewMeasurement[] = [
            { ...base, receiver: { id: 'torino', lat: 45, lon: 7.5 }, rssiDbm: -80 - i, heard: true, running: true },
            { ...base, receiver: { id: 'car' }, rssiDbm: null, heard: false, running: true, rxLat: 45.2, rxLon: 7.7 },
            { ...base, receiver: { id: 'genova' }, rssiDbm: null, heard: false, running: false },
          ].map((m, k) => ({ ...m, blobKey: null, format: 'rss', contentHash: `${i}-${k}`.padEnd(64, '0') }));
          const session: NewSession = {
            origin: 'imported',
            scenario: null,
            startedAt: new Date(Date.UTC(2026, 2, 1) + i * 5000),
            centerFreqHz: 0,
            truthLat: 45.1,
            truthLon: 7.6,
            source: `log.csv:${i + 2}`,
            contentHash: `s${i}`.padEnd(64, '0'),
          };
          return { session, measurements };
        };
        const first = await c.insertSessions([power(0), power(1)]);
        assert.equal(first.sessionIds.length, 2);
        assert.equal(first.duplicates, 0);
        const got = await c.getSession(first.sessionIds[1] as number);
        assert.deepEqual(
          got?.measurements.map((m) => [m.receiverId, m.blobKey, m.format, m.rssiDbm, m.heard, m.running, m.rxLat, m.rxLon]),
          [
            ['torino', null, 'rss', -81, true, true, null, null],
            ['car', null, 'rss', null, false, true, 45.2, 7.7],
            ['genova', null, 'rss', null, false, false, null, null],
          ],
        );
        // The same log again: nothing new, no error.
        assert.deepEqual(await c.insertSessions([power(0), power(1)]), { sessionIds: [], duplicates: 2 });
        // One bad transmission (an IQ format without its blob) rolls back the whole log.
        const bad = power(3);
        (bad.measurements[0] as NewMeasurement).format = 'npy-cf32';
        await assert.rejects(c.insertSessions([power(2), bad]), {
          message: /violates check constraint "measurements_blob_or_power_check"/,
        });
        assert.equal(await c.countSessions(), 2, 'the good transmission before the bad one is rolled back too');
        const impossible = power(4);
        (impossible.measurements[1] as NewMeasurement).rxLat = 95;
        await assert.rejects(c.insertSessions([impossible]), {
          message: /violates check constraint "measurements_rx_lat_check"/,
        });
      }));

    test('the origin CHECK constraint refuses unknown origins', () =>
      withCatalog(async (c) => {
        const { session, measurements } = sample(5, 'bogus' as SessionOrigin);
        await assert.rejects(c.insertSession(session, measurements), {
          message: 'new row for relation "sessions" violates check constraint "sessions_origin_check"',
          code: '23514',
        });
        assert.equal(await c.countSessions(), 0);
      }));

    test('listSessions and countSessions filter by origin and scenario', () =>
      withCatalog(async (c) => {
        const ids: number[] = [];
        for (const [i, origin] of [
          [10, 'simulated'],
          [11, 'simulated'],
          [12, 'imported'],
          [13, 'live'],
          [14, 'simulated'],
        ] as const) {
          const s = sample(i, origin);
          ids.push((await c.insertSession(s.session, s.measurements)).sessionId);
        }
        assert.deepEqual(
          (await c.listSessions()).map((s) => s.id),
          ids,
        );
        assert.deepEqual(
          (await c.listSessions({ origin: 'simulated' })).map((s) => [s.id, s.scenario]),
          [
            [ids[0], 'nw-italy-fm'],
            [ids[1], 'dense-urban'],
            [ids[4], 'nw-italy-fm'],
          ],
        );
        assert.deepEqual(
          (await c.listSessions({ origin: 'simulated', scenario: 'nw-italy-fm' })).map((s) => s.id),
          [ids[0], ids[4]],
        );
        assert.equal(await c.countSessions(), 5);
        assert.equal(await c.countSessions({ origin: 'imported' }), 1);
        assert.equal(await c.countSessions({ scenario: 'none' }), 0);
      }));

    test('datasets get increasing versions per name; the latest is the default', () =>
      withCatalog(async (c) => {
        const ids: number[] = [];
        for (let i = 20; i < 24; i++) {
          const s = sample(i);
          ids.push((await c.insertSession(s.session, s.measurements)).sessionId);
        }
        const [s0, s1, s2, s3] = ids as [number, number, number, number];
        const spec = { train: 0.5, val: 0.25, test: 0.25, groupBy: 'position' };
        const v1 = await c.createDataset('nw-italy', 7, spec, [
          { sessionId: s0, split: 'train' },
          { sessionId: s1, split: 'val' },
        ]);
        const v2 = await c.createDataset('nw-italy', 8, spec, [
          { sessionId: s2, split: 'train' },
          { sessionId: s0, split: 'train' },
          { sessionId: s3, split: 'test' },
        ]);
        const other = await c.createDataset('dense', 1, {}, []);
        assert.deepEqual([v1.version, v2.version, other.version], [1, 2, 1]);
        assert.deepEqual(
          { ...v2, createdAt: null },
          {
            id: v2.id,
            name: 'nw-italy',
            version: 2,
            seed: 8,
            splitSpec: spec,
            createdAt: null,
            counts: { train: 2, val: 0, test: 1 },
          },
        );
        assert.deepEqual(await c.getDataset('nw-italy'), v2);
        assert.deepEqual(await c.getDataset('nw-italy', 1), v1);
        assert.deepEqual(v1.counts, { train: 1, val: 1, test: 0 });
        assert.deepEqual(
          (await c.listDatasets()).map((d) => [d.name, d.version]),
          [
            ['dense', 1],
            ['nw-italy', 1],
            ['nw-italy', 2],
          ],
        );
        // A failing assignment (unknown session) leaves no new version behind.
        await assert.rejects(c.createDataset('nw-italy', 9, spec, [{ sessionId: s3 + 1000, split: 'train' }]), { code: '23503' });
        assert.equal((await c.getDataset('nw-italy')).version, 2);
        assert.equal((await c.createDataset('nw-italy', 9, spec, [])).version, 3);
      }));

    test('datasetSessions returns one split, in session id order', () =>
      withCatalog(async (c) => {
        const ids: number[] = [];
        for (let i = 30; i < 36; i++) {
          const s = sample(i);
          ids.push((await c.insertSession(s.session, s.measurements)).sessionId);
        }
        const splits = ['val', 'train', 'test', 'train', 'val', 'train'] as const;
        const assignments = ids.map((sessionId, k) => ({ sessionId, split: splits[k] as (typeof splits)[number] })).reverse();
        const d = await c.createDataset('ordered', 3, { fractions: [0.5, 0.33, 0.17] }, assignments);
        const train = await c.datasetSessions(d.id, 'train');
        assert.deepEqual(
          train.map((s) => s.id),
          [ids[1], ids[3], ids[5]],
        );
        assert.deepEqual(
          train[0],
          (await c.listSessions()).find((s) => s.id === ids[1]),
        );
        assert.deepEqual(
          (await c.datasetSessions(d.id, 'val')).map((s) => s.id),
          [ids[0], ids[4]],
        );
        assert.deepEqual(
          (await c.datasetSessions(d.id, 'test')).map((s) => s.id),
          [ids[2]],
        );
        assert.deepEqual(await c.datasetSessions(d.id + 1000, 'train'), []);
        await assert.rejects(c.createDataset('ordered', 3, {}, [{ sessionId: ids[0] as number, split: 'holdout' as 'train' }]), {
          name: 'RangeError',
          message: `createDataset: session ${ids[0]} has split 'holdout'; expected one of train, val, test`,
        });
      }));

    test('a missing dataset names the existing ones', () =>
      withCatalog(async (c) => {
        await assert.rejects(c.getDataset('nw-italy'), {
          message: `${c.location}: no dataset named 'nw-italy'; there are none yet`,
        });
        await c.createDataset('nw-italy', 1, {}, []);
        await c.createDataset('dense-urban', 1, {}, []);
        await c.createDataset('dense-urban', 2, {}, []);
        await assert.rejects(c.getDataset('nw-itlay'), {
          message: `${c.location}: no dataset named 'nw-itlay'; existing datasets: dense-urban, nw-italy`,
        });
        await assert.rejects(c.getDataset('dense-urban', 3), {
          message: `${c.location}: dataset 'dense-urban' has no version 3; versions: 1, 2`,
        });
      }));

    test('int8 values beyond 2^53 are refused rather than rounded', () =>
      withCatalog(async (c) => {
        assert.deepEqual((await c.db.query('SELECT 9007199254740991::int8 AS n')).rows, [{ n: 9007199254740991 }]);
        await assert.rejects(c.db.query('SELECT 9007199254740993::int8 AS n'), {
          name: 'RangeError',
          message:
            'int8 value 9007199254740993 is outside ±2^53 and cannot be read as a number; cast it to text or numeric in SQL',
        });
      }));

    test('transaction commits on resolve and rolls back on throw', () =>
      withCatalog(async (c) => {
        const db = c.db;
        const value = await db.transaction(async (tx) => {
          await tx.query(`INSERT INTO receivers (id, name) VALUES ('beacon', 'Beacon')`);
          return 'done';
        });
        assert.equal(value, 'done');
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.query(`INSERT INTO receivers (id, name) VALUES ('ghost', 'Ghost')`);
            throw new Error('changed my mind');
          }),
          { message: 'changed my mind' },
        );
        assert.deepEqual((await db.query('SELECT id FROM receivers ORDER BY id')).rows, [{ id: 'beacon' }]);
      }));

    test('the catalog persists across close and reopen', async (t) => {
      if (b.reopen === null) {
        t.skip('an in-memory database does not persist');
        return;
      }
      let c = await Catalog.open(await empty());
      const { session, measurements } = sample(40);
      const { sessionId } = await c.insertSession(session, measurements);
      const d = await c.createDataset('persisted', 5, { train: 1 }, [{ sessionId, split: 'train' }]);
      const before = await c.getSession(sessionId);
      await c.db.close();
      shared = await b.reopen();
      assert.deepEqual(await migrate(shared), []);
      c = await Catalog.open(shared);
      assert.deepEqual(await c.getSession(sessionId), before);
      assert.deepEqual(await c.getDataset('persisted'), d);
      assert.equal((await c.findSessionByHash(session.contentHash))?.id, sessionId);
      assert.equal(await c.countSessions(), 1);
    });
  });
}

describe('opening databases', () => {
  test('redactUrl hides only the password', () => {
    assert.equal(
      redactUrl('postgres://heimdall:s3cret@db.example:5433/catalog?sslmode=require'),
      'postgres://heimdall:***@db.example:5433/catalog?sslmode=require',
    );
    assert.equal(redactUrl('postgres://root@127.0.0.1:5432/test'), 'postgres://root@127.0.0.1:5432/test');
  });

  test('an unreachable PostgreSQL fails with the URL (password hidden) and how to start the server', async () => {
    await assert.rejects(openPostgres('postgres://heimdall:s3cret@127.0.0.1:1/catalog'), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(
        err.message,
        /^cannot connect to PostgreSQL at postgres:\/\/heimdall:\*\*\*@127\.0\.0\.1:1\/catalog: connect ECONNREFUSED 127\.0\.0\.1:1\. Is the server running\? Start it/,
      );
      assert.ok(err.message.includes('unset DATABASE_URL to use the embedded database'));
      assert.ok(!err.message.includes('s3cret'));
      return true;
    });
  });

  test(
    'a missing PostgreSQL database is named, with what to do',
    { skip: DATABASE_URL ? false : 'DATABASE_URL is not set' },
    async () => {
      const u = new URL(DATABASE_URL as string);
      u.pathname = '/heimdall_no_such_database';
      await assert.rejects(openPostgres(u.toString()), {
        message:
          `cannot connect to PostgreSQL at ${redactUrl(u.toString())}: database "heimdall_no_such_database" does not exist. ` +
          'Create the database (e.g. `createdb <name>`), or unset DATABASE_URL to use the embedded database.',
      });
    },
  );

  test('an invalid schema name is refused before connecting', async () => {
    await assert.rejects(openPostgres('postgres://x@127.0.0.1:1/y', { schema: 'a"; DROP TABLE x; --' }), {
      name: 'RangeError',
      message: `invalid schema name 'a"; DROP TABLE x; --': use letters, digits and _ (not starting with a digit), at most 63`,
    });
  });

  test('openDatabase uses PGlite on the directory when no URL is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heimdall-opendb-'));
    try {
      const db = await openDatabase({ dir: join(dir, 'catalog') });
      try {
        assert.equal(db.location, `pglite:${join(dir, 'catalog')}`);
        assert.deepEqual((await db.query('SELECT 1 + 1 AS two')).rows, [{ two: 2 }]);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
