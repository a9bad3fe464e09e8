// The embedded backend: PostgreSQL compiled to WASM (PGlite), in memory or in a directory.
// Same SQL dialect and the same JS value types as the `pg` backend (postgres.ts):
// int8 → number (unsafe values refused), numeric → string, timestamptz → Date, json/jsonb → parsed.
// One process at a time may open a given directory.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlDatabase, SqlExecutor, SqlResult } from '../sql.js';
import { INT8_OID, parseInt8 } from './int8.js';

function executor(q: PGlite | Transaction): SqlExecutor {
  return {
    async query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<SqlResult<R>> {
      const r = await q.query<R>(text, params);
      return { rows: r.rows };
    },
  };
}

/** Opens (creating if needed) a PGlite database in dir, or an in-memory one when dir is null. */
export async function openPglite(dir: string | null): Promise<SqlDatabase> {
  let dataDir: string | undefined;
  if (dir !== null) {
    dataDir = resolve(dir);
    mkdirSync(dataDir, { recursive: true });
  }
  const location = dataDir === undefined ? 'pglite:memory' : `pglite:${dataDir}`;
  let pg: PGlite;
  try {
    pg = await PGlite.create(dataDir, { parsers: { [INT8_OID]: parseInt8 } });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot open the embedded database at ${location}: ${why}`, { cause: err });
  }
  const base = executor(pg);
  return {
    location,
    query: base.query,
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return pg.transaction((tx) => fn(executor(tx)));
    },
    async close(): Promise<void> {
      if (!pg.closed) await pg.close();
    },
  };
}
