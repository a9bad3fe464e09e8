// The embedded catalog reached from a child process over IPC (src/store/db/ipc.ts), with a real
// forked child and PGlite: values cross intact (int, timestamptz → Date, bytea → bytes), SQL
// errors arrive with their message and code, transactions commit and roll back, and a child
// killed inside a transaction leaves nothing behind and the catalog usable.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { after, before, test } from 'node:test';
import { openPglite } from '../../src/store/db/index.js';
import { serveSqlOverIpc } from '../../src/store/db/ipc.js';
import type { SqlDatabase } from '../../src/store/sql.js';

let db: SqlDatabase;
before(async () => {
  db = await openPglite(null);
  await db.query('CREATE TABLE t (id int PRIMARY KEY)');
  await db.query('INSERT INTO t (id) VALUES (1)');
});
after(() => db.close());

function child() {
  const c = fork(new URL('./ipc-child.js', import.meta.url), [], { serialization: 'advanced', stdio: 'inherit' });
  serveSqlOverIpc(c, db);
  const reports: unknown[] = [];
  const waiters: ((x: unknown) => void)[] = [];
  c.on('message', (m: { report?: unknown }) => {
    if (!('report' in m)) return;
    const w = waiters.shift();
    if (w) w(m.report);
    else reports.push(m.report);
  });
  const next = () => new Promise<unknown>((resolve) => (reports.length > 0 ? resolve(reports.shift()) : waiters.push(resolve)));
  const ask = (step: string) => {
    c.send({ step });
    return next();
  };
  return { c, next, ask };
}

const ids = async () => (await db.query<{ id: number }>('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id);

test('a child queries, fails, commits and rolls back through its parent', async () => {
  const { c, next, ask } = child();
  assert.equal(await next(), 'ready');
  assert.deepEqual(await ask('query'), { n: 41, at: '2026-01-02T03:04:05.000Z', bytes: [1, 2, 255] });
  const err = (await ask('error')) as { message: string; code: string };
  assert.match(err.message, /duplicate key value violates unique constraint/);
  assert.equal(err.code, '23505');
  assert.equal(await ask('commit'), 'committed');
  assert.deepEqual(await ids(), [1, 2, 3]);
  assert.equal(await ask('rollback'), 'changed my mind');
  assert.deepEqual(await ids(), [1, 2, 3]);
  c.kill();
});

test('a child killed inside a transaction: rolled back, and the parent goes on', async () => {
  const { c, next, ask } = child();
  assert.equal(await next(), 'ready');
  assert.equal(await ask('die-in-transaction'), 'inside');
  const exited = new Promise((resolve) => c.on('exit', resolve));
  c.kill('SIGKILL');
  await exited;
  assert.deepEqual(await ids(), [1, 2, 3]); // waits for the rollback, then sees no row 5
});
