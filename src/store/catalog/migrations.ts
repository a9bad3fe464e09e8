// The catalog schema as an ordered list of migrations, applied by migrate() at every start.
// Applied versions are recorded in schema_migrations; each pending migration runs in its own
// transaction under an advisory lock, so concurrent starts apply it once. Never edit a released
// migration: append a new one.
//
// The tables follow the original project (PostgreSQL catalog + MinIO blobs): receivers, sessions
// (one transmission heard by several receivers), measurements (one receiver's recording of it,
// the IQ itself in the blob store) and versioned datasets with train/val/test assignments.
// Runs, metrics and registered models live in the tracker (MLflow layout), not here: migration 2
// drops the tables migration 1 created for them (and for known sources), which nothing used.
import type { SqlDatabase, SqlExecutor } from '../sql.js';

export interface Migration {
  version: number;
  name: string;
  /** Statements separated by ';' at the end of a line; '--' comments allowed. */
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'catalog',
    sql: `
CREATE TABLE receivers (
  id text PRIMARY KEY,
  name text,
  lat double precision,
  lon double precision,
  alt_m double precision,
  url text,
  bands jsonb,                       -- [[lowHz, highHz], …]
  gps_disciplined boolean,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE known_sources (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  lat double precision NOT NULL,
  lon double precision NOT NULL,
  alt_m double precision,
  notes text
);

CREATE TABLE sessions (
  id bigserial PRIMARY KEY,
  origin text NOT NULL CHECK (origin IN ('simulated', 'imported', 'live')),
  scenario text,
  started_at timestamptz NOT NULL,
  center_freq_hz double precision NOT NULL,
  truth_lat double precision,
  truth_lon double precision,
  truth_alt_m double precision,
  truth_power_dbm double precision,
  truth jsonb,                       -- everything the simulator knows, CRLB included
  source text NOT NULL,              -- where it was imported from
  content_hash text NOT NULL UNIQUE, -- over the measurements' hashes: re-imports are detected
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_origin_scenario_idx ON sessions (origin, scenario);

CREATE TABLE measurements (
  id bigserial PRIMARY KEY,
  session_id bigint NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  receiver_id text NOT NULL REFERENCES receivers (id),
  start_unix_ns numeric(20, 0),      -- exact nanoseconds (read as text, parsed as bigint)
  timestamp_sigma_s double precision,
  center_freq_hz double precision NOT NULL,
  sample_rate_hz double precision NOT NULL,
  sample_count integer NOT NULL CHECK (sample_count >= 0),
  snr_db double precision,
  rssi_dbfs double precision,
  rssi_dbm double precision,
  blob_key text NOT NULL,
  format text NOT NULL,
  content_hash text NOT NULL,
  meta jsonb NOT NULL DEFAULT '{}'::jsonb,
  UNIQUE (session_id, receiver_id)
);
CREATE INDEX measurements_receiver_idx ON measurements (receiver_id);

CREATE TABLE datasets (
  id serial PRIMARY KEY,
  name text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  seed integer NOT NULL,
  split_spec jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, version)
);

CREATE TABLE dataset_sessions (
  dataset_id integer NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  session_id bigint NOT NULL REFERENCES sessions (id),
  split text NOT NULL CHECK (split IN ('train', 'val', 'test')),
  PRIMARY KEY (dataset_id, session_id)
);
CREATE INDEX dataset_sessions_split_idx ON dataset_sessions (dataset_id, split, session_id);

CREATE TABLE training_jobs (
  id serial PRIMARY KEY,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  config jsonb NOT NULL,
  dataset_id integer REFERENCES datasets (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  error text
);

CREATE TABLE models (
  id serial PRIMARY KEY,
  name text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  run_id integer REFERENCES training_jobs (id),
  blob_key text NOT NULL,
  metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, version)
);

CREATE TABLE training_metrics (
  job_id integer NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
  epoch integer NOT NULL,
  name text NOT NULL,
  value double precision NOT NULL,
  PRIMARY KEY (job_id, epoch, name)
);
`,
  },
  {
    version: 2,
    name: 'drop-unused-tables',
    // models references training_jobs, and training_metrics references it too: drop them first.
    sql: `
DROP TABLE IF EXISTS training_metrics;
DROP TABLE IF EXISTS models;
DROP TABLE IF EXISTS training_jobs;
DROP TABLE IF EXISTS known_sources;
`,
  },
  {
    version: 3,
    name: 'scenarios',
    // The simulator's scenario of simulated sessions (sessions.scenario names it): what the
    // evaluation's references assume (path-loss model, σ, power range, receivers' noise).
    sql: `
CREATE TABLE scenarios (
  name text PRIMARY KEY,
  config jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 4,
    name: 'jobs-and-api-tokens',
    // Queued work (training first) and its state, in the catalog: the API answers from here, any
    // number of workers take jobs from here, and a job whose worker died is taken over when its
    // lease runs out (src/jobs/job-store.ts). The API's bearer tokens: only their SHA-256 is kept.
    sql: `
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('train')),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  request jsonb NOT NULL,
  progress double precision NOT NULL DEFAULT 0,
  epoch integer,
  metrics jsonb,
  error text,
  run_id text,
  model jsonb,
  attempts integer NOT NULL DEFAULT 0,
  cancel_requested boolean NOT NULL DEFAULT false,
  worker text,
  lease_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_status_idx ON jobs (status, id);
CREATE TABLE job_metrics (
  job_id bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  epoch integer NOT NULL,
  name text NOT NULL,
  value double precision,
  PRIMARY KEY (job_id, epoch, name)
);
CREATE TABLE api_tokens (
  name text PRIMARY KEY,
  token_sha256 text NOT NULL UNIQUE,
  scope text NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
`,
  },
  {
    version: 5,
    name: 'job-retries-results-and-kinds',
    // A job that failed for a reason outside itself (a dependency down, its process killed) waits
    // before its next attempt: workers do not take it before available_at (src/jobs/retry.ts).
    // Jobs that make data (simulate, import) report what they made in result.
    sql: `
ALTER TABLE jobs ADD COLUMN available_at timestamptz;
ALTER TABLE jobs ADD COLUMN result jsonb;
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('train', 'simulate', 'import'));
`,
  },
  {
    version: 6,
    name: 'power-only-measurements',
    // Logs that carry only the received power per receiver (rtl_power / KrakenSDR-style logs,
    // testbeds, survey drives): a measurement without IQ has no blob and format 'rss'. Whether the
    // receiver heard (null: not stated, as for IQ recordings, whose features decide) and whether it
    // was running at all are kept apart — a receiver that was on and heard nothing is evidence, one
    // that was off is none. A mobile receiver's position at the time is rx_lat/rx_lon.
    sql: `
ALTER TABLE measurements ALTER COLUMN blob_key DROP NOT NULL;
ALTER TABLE measurements ADD COLUMN heard boolean;
ALTER TABLE measurements ADD COLUMN running boolean NOT NULL DEFAULT true;
ALTER TABLE measurements ADD COLUMN rx_lat double precision CHECK (rx_lat BETWEEN -90 AND 90);
ALTER TABLE measurements ADD COLUMN rx_lon double precision CHECK (rx_lon BETWEEN -180 AND 180);
ALTER TABLE measurements ADD CONSTRAINT measurements_blob_or_power_check CHECK (blob_key IS NOT NULL OR format = 'rss');
`,
  },
  {
    version: 7,
    name: 'api-token-expiry',
    // A token may carry an end of validity (heimdall tokens create --expires): past it, the API
    // refuses the token with 401 saying it expired. NULL: valid until revoked, as before.
    sql: `
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz NULL;
`,
  },
];

/** The schema version this program expects (the last migration's). */
export const SCHEMA_VERSION = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);

/** Splits migration text into statements: ';' ends a statement at the end of a line. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .map((line) => line.replace(/--.*$/, ''))
    .join('\n');
  return withoutComments
    .split(/;[ \t]*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Serializes migrate() across processes, per schema. */
async function lock(tx: SqlExecutor): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('heimdall.migrate:' || current_schema()))`);
}

async function appliedVersions(q: SqlExecutor): Promise<Map<number, string>> {
  const r = await q.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
  return new Map(r.rows.map((row) => [row.version, row.name]));
}

function checkList(migrations: readonly Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    const a = migrations[i - 1] as Migration;
    const b = migrations[i] as Migration;
    if (b.version <= a.version)
      throw new Error(`migrations out of order: version ${b.version} (${b.name}) after ${a.version} (${a.name})`);
  }
}

/**
 * Brings the database to the latest schema: applies the pending migrations in order, each in one
 * transaction. Idempotent; safe to call at every start and from concurrent processes. Refuses a
 * database migrated by a newer program, or one whose recorded migrations differ from these.
 * Returns the versions applied now (empty when already up to date).
 */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  checkList(migrations);
  const known = new Map(migrations.map((m) => [m.version, m.name]));
  const latest = migrations.reduce((v, m) => Math.max(v, m.version), 0);
  const applied: number[] = [];
  // The first transaction creates the bookkeeping table and checks what is recorded there.
  let done = await db.transaction(async (tx) => {
    await lock(tx);
    await tx.query(CREATE_MIGRATIONS_TABLE);
    return appliedVersions(tx);
  });
  for (const [version, name] of done) {
    if (version > latest) {
      throw new Error(
        `${db.location}: the catalog is at schema version ${Math.max(...done.keys())}, newer than this program's ${latest}; upgrade heimdall`,
      );
    }
    if (known.get(version) !== name) {
      throw new Error(
        `${db.location}: applied migration ${version} is '${name}' but this program's is '${known.get(version) ?? '(none)'}'`,
      );
    }
  }
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    const ran = await db.transaction(async (tx) => {
      await lock(tx);
      done = await appliedVersions(tx);
      if (done.has(m.version)) return false; // another process applied it meanwhile
      for (const statement of splitStatements(m.sql)) {
        try {
          await tx.query(statement);
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          throw new Error(`${db.location}: migration ${m.version} (${m.name}) failed: ${why}\n  in: ${statement.slice(0, 200)}`, {
            cause: err,
          });
        }
      }
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (ran) applied.push(m.version);
  }
  return applied;
}

/** The highest applied migration version (0 for a fresh database without schema_migrations). */
export async function schemaVersion(db: SqlExecutor): Promise<number> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (exists.rows[0]?.t === null || exists.rows[0] === undefined) return 0;
  const r = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}
