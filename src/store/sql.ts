// The SQL surface the catalog needs, satisfied by both backends: PGlite (PostgreSQL in WASM,
// embedded, on disk) and PostgreSQL through `pg`. Same SQL dialect for both.

export interface SqlResult<R> {
  rows: R[];
}

export interface SqlExecutor {
  /** A parameterized query ($1, $2, … placeholders). */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<SqlResult<R>>;
}

export interface SqlDatabase extends SqlExecutor {
  /** Runs fn in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** 'pglite:<dir>' or 'postgres://…' (password hidden), for messages. */
  readonly location: string;
}
