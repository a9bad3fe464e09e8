// The embedded catalog (PGlite) belongs to one process. When that process (`heimdall serve` with
// no PostgreSQL) runs a job in a child process, the child reaches the catalog through its parent
// over the Node IPC channel: the same SqlDatabase interface, the same SQL, executed by the
// parent's PGlite. A transaction the child opens holds the parent's PGlite transaction until the
// child commits or rolls back (the parent's other queries wait, as PGlite runs one at a time), and
// is rolled back if the child exits first.
import type { ChildProcess } from 'node:child_process';
import type { SqlDatabase, SqlExecutor, SqlResult } from '../sql.js';

type SqlRequest =
  | { id: number; op: 'query'; text: string; params?: unknown[]; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'commit' | 'rollback'; tx: number };

type SqlReply = { id: number; rows?: unknown[]; error?: { message: string; code?: string } };

/** The child's messages that are SQL requests carry this key; the rest are the child's own. */
export const SQL_REQUEST = 'heimdallSql';
const SQL_REPLY = 'heimdallSqlReply';

export function isSqlRequest(m: unknown): boolean {
  return typeof m === 'object' && m !== null && SQL_REQUEST in m;
}

const ROLLBACK = Symbol('rollback');

/**
 * Parent side: answers the child's SQL requests with db until the child exits. The child must be
 * forked with `serialization: 'advanced'` (dates and byte arrays cross intact).
 */
export function serveSqlOverIpc(child: ChildProcess, db: SqlDatabase): void {
  const open = new Map<number, { tx: SqlExecutor; finish: (commit: boolean) => void; done: Promise<unknown> }>();
  const reply = (r: SqlReply) => {
    if (child.connected) child.send({ [SQL_REPLY]: r });
  };
  const fail = (id: number, err: unknown) => {
    const e = err as { message?: string; code?: unknown };
    reply({ id, error: { message: e?.message ?? String(err), ...(typeof e?.code === 'string' ? { code: e.code } : {}) } });
  };
  const handle = async (r: SqlRequest) => {
    if (r.op === 'query') {
      const exec = r.tx === undefined ? db : open.get(r.tx)?.tx;
      if (exec === undefined) throw new Error(`no open transaction ${r.tx}`);
      const result = await exec.query(r.text, r.params);
      return reply({ id: r.id, rows: result.rows });
    }
    if (r.op === 'begin') {
      let finish!: (commit: boolean) => void;
      const ended = new Promise<boolean>((resolve) => {
        finish = resolve;
      });
      let started!: (tx: SqlExecutor) => void;
      const tx = new Promise<SqlExecutor>((resolve) => {
        started = resolve;
      });
      const done = db
        .transaction(async (t) => {
          started(t);
          if (!(await ended)) throw ROLLBACK;
        })
        .then(
          () => undefined,
          (err) => (err === ROLLBACK ? undefined : err),
        );
      const first = await Promise.race([tx, done.then((err) => Promise.reject(err ?? new Error('the transaction ended')))]);
      open.set(r.id, { tx: first, finish, done });
      return reply({ id: r.id });
    }
    const t = open.get(r.tx);
    if (t === undefined) throw new Error(`no open transaction ${r.tx}`);
    open.delete(r.tx);
    t.finish(r.op === 'commit');
    const err = await t.done;
    if (err !== undefined) throw err;
    reply({ id: r.id });
  };
  child.on('message', (m: Record<string, unknown>) => {
    if (!isSqlRequest(m)) return;
    const r = m[SQL_REQUEST] as SqlRequest;
    handle(r).catch((err) => fail(r.id, err));
  });
  child.on('exit', () => {
    for (const t of open.values()) t.finish(false);
    open.clear();
  });
}

/** Child side: the parent's catalog database, through the IPC channel. */
export function openIpcDatabase(): SqlDatabase {
  if (process.send === undefined) throw new Error('HEIMDALL_CATALOG_IPC is set, but this process has no IPC channel to a parent');
  let next = 1;
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (err: Error) => void }>();
  const onMessage = (m: Record<string, unknown>) => {
    const r = (m as { [SQL_REPLY]?: SqlReply })[SQL_REPLY];
    if (r === undefined) return;
    const p = pending.get(r.id);
    if (p === undefined) return;
    pending.delete(r.id);
    if (r.error !== undefined) p.reject(Object.assign(new Error(r.error.message), r.error.code ? { code: r.error.code } : {}));
    else p.resolve(r.rows ?? []);
  };
  process.on('message', onMessage);
  const onDisconnect = () => {
    for (const p of pending.values()) p.reject(new Error('the catalog is gone: the parent process closed the IPC channel'));
    pending.clear();
  };
  process.on('disconnect', onDisconnect);
  const call = (r: Record<string, unknown> & { op: SqlRequest['op'] }): Promise<unknown[]> =>
    new Promise((resolve, reject) => {
      if (!process.connected) return reject(new Error('the catalog is gone: the parent process closed the IPC channel'));
      const id = next++;
      pending.set(id, { resolve, reject });
      process.send?.({ [SQL_REQUEST]: { ...r, id } });
    });
  const executor = (tx?: number): SqlExecutor => ({
    async query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<SqlResult<R>> {
      const rows = await call({
        op: 'query',
        text,
        ...(params !== undefined ? { params } : {}),
        ...(tx !== undefined ? { tx } : {}),
      });
      return { rows: rows as R[] };
    },
  });
  return {
    location: 'pglite (the parent process’s catalog, over IPC)',
    query: executor().query,
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const id = next; // `begin`'s request id names the transaction
      await call({ op: 'begin' });
      let result: T;
      try {
        result = await fn(executor(id));
      } catch (err) {
        await call({ op: 'rollback', tx: id }).catch(() => {});
        throw err;
      }
      await call({ op: 'commit', tx: id });
      return result;
    },
    async close(): Promise<void> {
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
    },
  };
}
