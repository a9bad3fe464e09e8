// The server backend: PostgreSQL through a `pg` connection pool. Same JS value types as the
// PGlite backend (pglite.ts): int8 → number (unsafe values refused), numeric → string,
// timestamptz → Date, json/jsonb → parsed. An optional schema isolates a user (or a test run):
// it is created if missing and every pooled connection runs `SET search_path TO <schema>`.
import pg from 'pg';
import type { SqlDatabase, SqlExecutor, SqlResult } from '../sql.js';
import { INT8_OID, parseInt8 } from './int8.js';

// Per-pool type parsers (pg.types.setTypeParser would change them for the whole process).
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

/** The URL with its password replaced by '***' (for messages and logs). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.message === '') {
    // Node reports "localhost" (::1 and 127.0.0.1) connection failures as an AggregateError.
    return err.errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
  }
  return err instanceof Error ? err.message : String(err);
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET']);

/** What to do about a failed connection, by cause. */
function connectHint(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const text = errorText(err);
  if ((typeof code === 'string' && UNREACHABLE.has(code)) || /timeout|terminated/i.test(text)) {
    return (
      'Is the server running? Start it (e.g. `pg_ctlcluster <version> main start`, or `docker run -d -p 5432:5432 ' +
      '-e POSTGRES_HOST_AUTH_METHOD=trust postgres:16`), or unset DATABASE_URL to use the embedded database.'
    );
  }
  if (code === '3D000')
    return 'Create the database (e.g. `createdb <name>`), or unset DATABASE_URL to use the embedded database.';
  if (code === '28P01' || code === '28000') return "Check the user and password in the URL, and the server's pg_hba.conf.";
  return 'Check the URL, or unset DATABASE_URL to use the embedded database.';
}

// pg reports a connection lost mid-query, or a pool that could not connect in time, with a bare
// Error (no SQLSTATE, no errno): given SQLSTATE 08006 (connection_failure) here, so that the API
// answers 503 and a worker waits for the server (src/jobs/retry.ts isTransient) rather than
// taking it for a bug in the query.
const CONNECTION_LOST =
  /Connection terminated|Connection ended|not queryable|timeout exceeded when trying to connect|Client was closed/i;

/** err, or a connection_failure naming the server when pg lost the connection. */
export function namedConnectionError(err: unknown, location: string): unknown {
  if (!(err instanceof Error) || typeof (err as { code?: unknown }).code === 'string' || !CONNECTION_LOST.test(err.message))
    return err;
  return Object.assign(new Error(`PostgreSQL at ${location}: ${err.message}`, { cause: err }), { code: '08006' });
}

function executor(client: pg.Pool | pg.PoolClient, location: string): SqlExecutor {
  return {
    async query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<SqlResult<R>> {
      let r: pg.QueryResult | pg.QueryResult[];
      try {
        r = await client.query(text, params);
      } catch (err) {
        throw namedConnectionError(err, location);
      }
      // A parameterless multi-statement text yields one result per statement; keep the last.
      const last = (Array.isArray(r) ? r[r.length - 1] : r) as pg.QueryResult | undefined;
      return { rows: (last?.rows ?? []) as R[] };
    },
  };
}

/**
 * Connects to PostgreSQL at url (e.g. postgres://user:pass@host:5432/db) and checks the
 * connection; with o.schema, works inside that schema (created if missing).
 */
export async function openPostgres(url: string, o: { schema?: string } = {}): Promise<SqlDatabase> {
  const shown = redactUrl(url);
  const schema = o.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new RangeError(`invalid schema name '${schema}': use letters, digits and _ (not starting with a digit), at most 63`);
  }
  const location = schema === undefined ? shown : `${shown} (schema ${schema})`;
  const config: pg.PoolConfig & { onConnect?: (client: pg.PoolClient) => Promise<void> } = {
    connectionString: url,
    types: typeParsers,
    // A connect that has not finished in 3 s is an outage (a healthy server answers in milliseconds): fail it so
    // the caller answers 503 with Retry-After before its client gives up (bench:faults' clients wait 5 s).
    connectionTimeoutMillis: 3_000,
  };
  if (schema !== undefined) {
    // Every new pooled connection works in the schema. pg-pool awaits onConnect before handing
    // the connection out (the 'connect' event is not awaited: a query issued from it overlaps the
    // caller's first query, which pg deprecates), and a failure here fails that connect().
    config.onConnect = async (client) => {
      await client.query(`SET search_path TO "${schema}"`);
    };
  }
  const pool = new pg.Pool(config);
  // An idle connection dropped by the server emits 'error' on the pool; without a listener that
  // would crash the process. The pool discards the connection; the next query gets a fresh one.
  pool.on('error', () => {});
  // A connection dropped while checked out (between two statements of a transaction) emits
  // 'error' on its client, where pg-pool listens only while the client is idle: without this the
  // process dies of an uncaught 'Connection terminated unexpectedly' when the server stops. The
  // client's next statement fails instead (08006, namedConnectionError) and it is not reused.
  pool.on('connect', (c) => {
    c.on('error', () => {});
  });
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(`cannot connect to PostgreSQL at ${shown}: ${errorText(err)}. ${connectHint(err)}`, { cause: err });
  }
  try {
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    client.release();
  } catch (err) {
    client.release(true);
    await pool.end().catch(() => {});
    throw new Error(`${location}: cannot create schema '${schema}': ${errorText(err)}`, { cause: err });
  }

  return {
    location,
    query: executor(pool, location).query,
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const c = await pool.connect().catch((err: unknown) => {
        throw namedConnectionError(err, location);
      });
      // Destroyed rather than returned to the pool when BEGIN/ROLLBACK/COMMIT themselves fail.
      let destroy = false;
      try {
        try {
          await c.query('BEGIN');
        } catch (err) {
          destroy = true;
          throw namedConnectionError(err, location);
        }
        let result: T;
        try {
          result = await fn(executor(c, location));
        } catch (err) {
          await c.query('ROLLBACK').catch(() => {
            destroy = true;
          });
          throw err;
        }
        let commit: pg.QueryResult;
        try {
          commit = await c.query('COMMIT');
        } catch (err) {
          destroy = true;
          throw namedConnectionError(err, location);
        }
        // COMMIT of a transaction aborted by an earlier (caught) error silently rolls back.
        if (commit.command === 'ROLLBACK') {
          throw new Error(`${location}: the transaction was aborted by an earlier error and has been rolled back`);
        }
        return result;
      } finally {
        c.release(destroy);
      }
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };
}
