// Hostile names against the catalog, on PGlite and PostgreSQL (DATABASE_URL, a schema of its
// own): a name that becomes a path later (dataset) or must match a fixed shape (token) is refused
// naming it, before anything is stored; a name that is only data (scenario, receiver id, a job's
// request) is stored and read back verbatim. SQL stays parameterized: afterwards every table is
// still there, with exactly the rows the test made.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { JobStore } from '../../src/jobs/job-store.js';
import { Catalog } from '../../src/store/catalog/catalog.js';
import { openPglite } from '../../src/store/db/pglite.js';
import { openPostgres } from '../../src/store/db/postgres.js';
import type { SqlDatabase } from '../../src/store/sql.js';
import { TokenStore } from '../../src/store/tokens.js';
import { HOSTILE, LOOK_ALIKES, SQL_ISH, shown } from '../hostile-names.js';

const DATABASE_URL = process.env.DATABASE_URL;
const schema = `heimdall_hostile_${process.pid}_${randomBytes(4).toString('hex')}`;

const backends = [
  { name: 'PGlite', skip: false as string | false, open: () => openPglite(null) },
  {
    name: 'PostgreSQL',
    skip: DATABASE_URL ? (false as string | false) : 'DATABASE_URL is not set',
    open: () => openPostgres(DATABASE_URL as string, { schema }),
  },
];

async function tables(db: SqlDatabase): Promise<string[]> {
  const r = await db.query<{ t: string }>(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
  );
  return r.rows.map((x) => x.t);
}

async function count(db: SqlDatabase, table: string): Promise<number> {
  // The table names here are this test's own constants, never input.
  return Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
}

for (const backend of backends) {
  describe(`hostile names on ${backend.name}`, { skip: backend.skip }, () => {
    let db: SqlDatabase;
    let catalog: Catalog;
    let before_: string[];

    before(async () => {
      db = await backend.open();
      catalog = await Catalog.open(db);
      before_ = await tables(db);
    });
    after(async () => {
      await db?.close();
      if (backend.name === 'PostgreSQL') {
        const admin = await openPostgres(DATABASE_URL as string);
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.close();
      }
    });

    test('dataset names that are not one plain name are refused, naming the input, before anything is stored', async () => {
      for (const name of HOSTILE) {
        await assert.rejects(
          catalog.createDataset(name, 1, {}, []),
          (err: Error) => err instanceof RangeError && err.message.startsWith(`dataset name '${shown(name)}`),
          JSON.stringify(name.slice(0, 40)),
        );
      }
      assert.equal(await count(db, 'datasets'), 0);
      // A legitimate name still works (so the refusals are about the names).
      assert.equal((await catalog.createDataset('survey-2026.v_1', 1, {}, [])).version, 1);
    });

    test('token names outside the rule are refused naming them; revoking or presenting hostile strings finds nothing', async () => {
      const tokens = new TokenStore(db);
      for (const name of HOSTILE) {
        await assert.rejects(
          tokens.create(name, 'read'),
          (err: Error) => err instanceof RangeError && err.message.startsWith(`token name '${shown(name)}`),
          JSON.stringify(name.slice(0, 40)),
        );
        await assert.rejects(tokens.revoke(name), /^Error: no active token named '/);
        assert.deepEqual(await tokens.check(name), { ok: false, reason: 'unknown' });
        assert.deepEqual(await tokens.check(`hd_${name}`), { ok: false, reason: 'unknown' });
      }
      await tokens.create('ok-token', 'read');
      assert.deepEqual(
        (await tokens.list()).map((t) => t.name),
        ['ok-token'],
      );
    });

    test('names that are data are stored and read back verbatim: scenarios, receiver ids, job requests', async () => {
      for (const name of [...SQL_ISH, ...LOOK_ALIKES, 'a/../../b', '..\\x']) {
        await catalog.putScenario(name, { name });
        assert.deepEqual(await catalog.getScenario(name), { name });
        const rx = await catalog.upsertReceiver({ id: name, name, lat: 45, lon: 7 });
        assert.equal(rx.id, name);
      }
      const jobs = new JobStore(db);
      const job = await jobs.submit('train', { kind: 'train', dataset: SQL_ISH[0] });
      assert.equal((await jobs.get(job.id)).request.dataset, SQL_ISH[0]);
      // A limit that is not a number is a default, never SQL text.
      assert.equal((await jobs.list({ limit: ' 1; DROP TABLE jobs' as unknown as number })).length, 1);
    });

    test('after all of it every table is still there, holding exactly the rows made above', async () => {
      assert.deepEqual(await tables(db), before_);
      assert.ok(before_.includes('sessions') && before_.includes('api_tokens'));
      assert.equal(await count(db, 'sessions'), 0);
      assert.equal(await count(db, 'datasets'), 1);
      assert.equal(await count(db, 'api_tokens'), 1);
      assert.equal(await count(db, 'scenarios'), SQL_ISH.length + LOOK_ALIKES.length + 2);
      assert.equal(await count(db, 'receivers'), SQL_ISH.length + LOOK_ALIKES.length + 2);
      assert.equal(await count(db, 'jobs'), 1);
    });
  });
}
