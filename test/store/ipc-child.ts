// A child process for test/store/ipc.test.ts: reaches its parent's catalog over IPC and reports
// what it saw, step by step, as the parent asks.
import { openIpcDatabase } from '../../src/store/db/ipc.js';

const db = openIpcDatabase();
process.on('message', async (m: { step?: string }) => {
  if (m.step === undefined) return;
  const report = (x: unknown) => process.send?.({ report: x });
  try {
    if (m.step === 'query') {
      const r = await db.query<{ n: number; at: Date; bytes: Uint8Array }>(
        `SELECT $1::int AS n, '2026-01-02T03:04:05Z'::timestamptz AS at, '\\x0102ff'::bytea AS bytes`,
        [41],
      );
      const row = r.rows[0];
      report({ n: row?.n, at: row?.at instanceof Date ? row.at.toISOString() : 'not a date', bytes: [...(row?.bytes ?? [])] });
    } else if (m.step === 'error') {
      await db
        .query('INSERT INTO t (id) VALUES (1)')
        .catch((err: Error & { code?: string }) => report({ message: err.message, code: err.code }));
    } else if (m.step === 'commit') {
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO t (id) VALUES (2)');
        await tx.query('INSERT INTO t (id) VALUES (3)');
      });
      report('committed');
    } else if (m.step === 'rollback') {
      await db
        .transaction(async (tx) => {
          await tx.query('INSERT INTO t (id) VALUES (4)');
          throw new Error('changed my mind');
        })
        .catch((err: Error) => report(err.message));
    } else if (m.step === 'die-in-transaction') {
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO t (id) VALUES (5)');
        report('inside');
        await new Promise(() => {}); // the parent kills us here
      });
    }
  } catch (err) {
    report({ unexpected: (err as Error).message });
  }
});
process.send?.({ report: 'ready' });
