// The training-data catalog: receivers, sessions and their measurements (the IQ itself lives in
// the blob store under measurements.blob_key), and versioned train/val/test datasets. Works on
// any SqlDatabase (PGlite or PostgreSQL); every multi-row write is one transaction.
import { createHash } from 'node:crypto';
import type { SqlDatabase, SqlExecutor } from '../sql.js';
import { migrate } from './migrations.js';
import { checkDatasetName } from './names.js';
import {
  type DatasetAssignment,
  type DatasetRow,
  type MeasurementRow,
  type NewMeasurement,
  type NewReceiver,
  type NewSession,
  type ReceiverRow,
  type SessionFilter,
  type SessionRow,
  type SessionWithMeasurements,
  SPLITS,
  type Split,
} from './types.js';

/** insertSession found a session with the same content hash (the same recordings imported again). */
export class DuplicateSessionError extends Error {
  constructor(
    readonly location: string,
    readonly contentHash: string,
    readonly existingSessionId: number,
  ) {
    super(
      `${location}: session ${existingSessionId} already has content hash ${contentHash.slice(0, 16)}… (the same recordings were already imported)`,
    );
    this.name = 'DuplicateSessionError';
  }
}

/**
 * A session's content hash, the one `heimdall import` stores: SHA-256 (hex) of its measurements'
 * `<receiver id>:<content hash>` lines, sorted and joined by newlines — so the order in which
 * receivers are listed does not matter, but which receiver recorded which samples does.
 */
export function sessionContentHash(measurements: readonly { receiverId: string; contentHash: string }[]): string {
  const lines = measurements.map((m) => `${m.receiverId}:${m.contentHash}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

const RECEIVER_COLUMNS = `id, name, lat, lon, alt_m AS "altM", url, bands AS "bandsHz", gps_disciplined AS "gpsDisciplined",
  created_at AS "createdAt"`;

const SESSION_COLUMNS = `s.id, s.origin, s.scenario, s.started_at AS "startedAt", s.center_freq_hz AS "centerFreqHz",
  s.truth_lat AS "truthLat", s.truth_lon AS "truthLon", s.truth_alt_m AS "truthAltM", s.truth_power_dbm AS "truthPowerDbm",
  s.truth, s.source, s.content_hash AS "contentHash", s.created_at AS "createdAt"`;

const MEASUREMENT_COLUMNS = `id, session_id AS "sessionId", receiver_id AS "receiverId", start_unix_ns::text AS "startUnixNs",
  timestamp_sigma_s AS "timestampSigmaS", center_freq_hz AS "centerFreqHz", sample_rate_hz AS "sampleRateHz",
  sample_count AS "sampleCount", snr_db AS "snrDb", rssi_dbfs AS "rssiDbfs", rssi_dbm AS "rssiDbm", blob_key AS "blobKey",
  format, content_hash AS "contentHash", meta, heard, running, rx_lat AS "rxLat", rx_lon AS "rxLon"`;

const DATASET_COLUMNS = `id, name, version, seed, split_spec AS "splitSpec", created_at AS "createdAt"`;

type RawMeasurement = Omit<MeasurementRow, 'startUnixNs'> & { startUnixNs: string | null };

function toMeasurement(r: RawMeasurement): MeasurementRow {
  return { ...r, startUnixNs: r.startUnixNs === null ? null : BigInt(r.startUnixNs) };
}

/** JSON text for a jsonb parameter (always stringified: `pg` would turn a JS array into a SQL array). */
function json(value: unknown, what: string): string | null {
  if (value === null || value === undefined) return null;
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`${what} is not JSON-serializable: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const INT32_MAX = 2 ** 31 - 1;

const RECEIVER_FIELDS = ['name', 'lat', 'lon', 'altM', 'url', 'bandsHz', 'gpsDisciplined'] as const;

/**
 * Inserts receivers or fills in what they did not know (given fields win; missing ones are kept),
 * in one statement. A receiver listed twice is merged first, later fields winning, as if upserted
 * one after the other.
 */
async function upsertReceiversIn(q: SqlExecutor, receivers: readonly NewReceiver[]): Promise<ReceiverRow[]> {
  const merged = new Map<string, NewReceiver>();
  for (const r of receivers) {
    const known = merged.get(r.id);
    if (known === undefined) {
      merged.set(r.id, { ...r });
      continue;
    }
    const into = known as unknown as Record<string, unknown>;
    for (const f of RECEIVER_FIELDS) if (r[f] !== undefined && r[f] !== null) into[f] = r[f];
  }
  const list = [...merged.values()];
  const params = list.flatMap((r) => [
    r.id,
    r.name ?? null,
    r.lat ?? null,
    r.lon ?? null,
    r.altM ?? null,
    r.url ?? null,
    json(r.bandsHz, `receiver ${r.id} bandsHz`),
    r.gpsDisciplined ?? null,
  ]);
  const rows = list.map((_, i) => {
    const p = (k: number) => `$${i * 8 + k}`;
    return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}::jsonb, ${p(8)})`;
  });
  const res = await q.query<ReceiverRow>(
    `INSERT INTO receivers (id, name, lat, lon, alt_m, url, bands, gps_disciplined)
     VALUES ${rows.join(', ')}
     ON CONFLICT (id) DO UPDATE SET
       name = COALESCE(EXCLUDED.name, receivers.name),
       lat = COALESCE(EXCLUDED.lat, receivers.lat),
       lon = COALESCE(EXCLUDED.lon, receivers.lon),
       alt_m = COALESCE(EXCLUDED.alt_m, receivers.alt_m),
       url = COALESCE(EXCLUDED.url, receivers.url),
       bands = COALESCE(EXCLUDED.bands, receivers.bands),
       gps_disciplined = COALESCE(EXCLUDED.gps_disciplined, receivers.gps_disciplined)
     RETURNING ${RECEIVER_COLUMNS}`,
    params,
  );
  return res.rows;
}

export class Catalog {
  private constructor(readonly db: SqlDatabase) {}

  /** Opens the catalog on db, bringing its schema up to date first. */
  static async open(db: SqlDatabase): Promise<Catalog> {
    await migrate(db);
    return new Catalog(db);
  }

  get location(): string {
    return this.db.location;
  }

  // ---- receivers ----

  /** Inserts a receiver or fills in what it did not know (given fields win; missing ones are kept). */
  upsertReceiver(r: NewReceiver): Promise<ReceiverRow> {
    if (r.id === '') throw new RangeError('upsertReceiver: empty receiver id');
    return upsertReceiversIn(this.db, [r]).then((rows) => rows[0] as ReceiverRow);
  }

  async getReceiver(id: string): Promise<ReceiverRow | null> {
    const r = await this.db.query<ReceiverRow>(`SELECT ${RECEIVER_COLUMNS} FROM receivers WHERE id = $1`, [id]);
    return r.rows[0] ?? null;
  }

  async listReceivers(): Promise<ReceiverRow[]> {
    return (await this.db.query<ReceiverRow>(`SELECT ${RECEIVER_COLUMNS} FROM receivers ORDER BY id`)).rows;
  }

  // ---- scenarios ----

  /** Stores (or replaces) the simulator scenario of that name: the references of an evaluation read it. */
  async putScenario(name: string, config: Record<string, unknown>): Promise<void> {
    if (name === '') throw new RangeError('putScenario: empty scenario name');
    await this.db.query(
      `INSERT INTO scenarios (name, config) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET config = EXCLUDED.config, updated_at = now()`,
      [name, json(config, `scenario '${name}'`)],
    );
  }

  /** The stored scenario of that name, or null. */
  async getScenario(name: string): Promise<Record<string, unknown> | null> {
    const r = await this.db.query<{ config: Record<string, unknown> }>('SELECT config FROM scenarios WHERE name = $1', [name]);
    return r.rows[0]?.config ?? null;
  }

  /** Whether any measurement's blob is stored in `format` (e.g. 'npy-cf32': a store older than int16 blobs). */
  async hasBlobFormat(format: string): Promise<boolean> {
    const r = await this.db.query('SELECT 1 FROM measurements WHERE format = $1 LIMIT 1', [format]);
    return r.rows.length > 0;
  }

  // ---- sessions ----

  async findSessionByHash(contentHash: string): Promise<SessionRow | null> {
    const r = await this.db.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.content_hash = $1`, [
      contentHash,
    ]);
    return r.rows[0] ?? null;
  }

  /**
   * Inserts a session with its measurements, upserting their receivers, in ONE transaction: on any
   * failure nothing is left behind. A session whose content hash is already catalogued throws
   * DuplicateSessionError (check findSessionByHash first to skip re-imports quietly).
   */
  async insertSession(
    s: NewSession,
    measurements: readonly NewMeasurement[],
  ): Promise<{ sessionId: number; measurementIds: number[] }> {
    return this.db.transaction(async (tx) => {
      const r = await this.#insertIn(tx, s, measurements);
      if (r === null) {
        const existing = await tx.query<{ id: number }>('SELECT id FROM sessions WHERE content_hash = $1', [s.contentHash]);
        throw new DuplicateSessionError(this.location, s.contentHash, existing.rows[0]?.id ?? -1);
      }
      return r;
    });
  }

  /**
   * Inserts many sessions in ONE transaction (a power log: all of it or nothing). Sessions whose
   * content is already catalogued are skipped (a re-import writes nothing), not an error.
   */
  async insertSessions(
    items: readonly { session: NewSession; measurements: readonly NewMeasurement[] }[],
  ): Promise<{ sessionIds: number[]; duplicates: number }> {
    return this.db.transaction(async (tx) => {
      const sessionIds: number[] = [];
      let duplicates = 0;
      for (const it of items) {
        const r = await this.#insertIn(tx, it.session, it.measurements);
        if (r === null) duplicates++;
        else sessionIds.push(r.sessionId);
      }
      return { sessionIds, duplicates };
    });
  }

  /** One session and its measurements inside the caller's transaction; null when its content hash is taken. */
  async #insertIn(
    tx: SqlExecutor,
    s: NewSession,
    measurements: readonly NewMeasurement[],
  ): Promise<{ sessionId: number; measurementIds: number[] } | null> {
    if (measurements.length === 0) throw new RangeError(`insertSession: session from ${s.source} has no measurements`);
    const inserted = await tx.query<{ id: number }>(
      `INSERT INTO sessions (origin, scenario, started_at, center_freq_hz, truth_lat, truth_lon, truth_alt_m, truth_power_dbm,
           truth, source, content_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11)
         ON CONFLICT (content_hash) DO NOTHING
         RETURNING id`,
      [
        s.origin,
        s.scenario,
        s.startedAt,
        s.centerFreqHz,
        s.truthLat ?? null,
        s.truthLon ?? null,
        s.truthAltM ?? null,
        s.truthPowerDbm ?? null,
        json(s.truth, `session ${s.source} truth`),
        s.source,
        s.contentHash,
      ],
    );
    const sessionId = inserted.rows[0]?.id;
    if (sessionId === undefined) return null;
    // Two statements for all the measurements (not two per measurement): the import of a
    // 16-receiver set spent most of its catalog time in per-row round trips.
    await upsertReceiversIn(
      tx,
      measurements.map((m) => m.receiver),
    );
    const columns = 18;
    const params = measurements.flatMap((m) => [
      sessionId,
      m.receiver.id,
      m.startUnixNs === null ? null : m.startUnixNs.toString(),
      m.timestampSigmaS,
      m.centerFreqHz,
      m.sampleRateHz,
      m.sampleCount,
      m.snrDb ?? null,
      m.rssiDbfs ?? null,
      m.rssiDbm ?? null,
      m.blobKey,
      m.format,
      m.contentHash,
      json(m.meta ?? {}, `measurement ${m.receiver.id} meta`),
      m.heard ?? null,
      m.running ?? true,
      m.rxLat ?? null,
      m.rxLon ?? null,
    ]);
    const rows = measurements.map((_, i) => {
      const p = (k: number) => `$${i * columns + k}`;
      return `(${p(1)}, ${p(2)}, ${p(3)}::numeric, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)}, ${p(13)}, ${p(14)}::jsonb, ${p(15)}, ${p(16)}, ${p(17)}, ${p(18)})`;
    });
    const r = await tx.query<{ id: number; receiver_id: string }>(
      `INSERT INTO measurements (session_id, receiver_id, start_unix_ns, timestamp_sigma_s, center_freq_hz, sample_rate_hz,
           sample_count, snr_db, rssi_dbfs, rssi_dbm, blob_key, format, content_hash, meta, heard, running, rx_lat, rx_lon)
         VALUES ${rows.join(',\n')}
         RETURNING id, receiver_id`,
      params,
    );
    // One measurement per receiver in a session (a unique key), so ids are matched by receiver.
    const idOf = new Map(r.rows.map((row) => [row.receiver_id, row.id]));
    const measurementIds = measurements.map((m) => idOf.get(m.receiver.id) as number);
    return { sessionId, measurementIds };
  }

  /** Sessions in id order, optionally only one origin and/or scenario. */
  async listSessions(filter: SessionFilter = {}): Promise<SessionRow[]> {
    const { where, params } = sessionWhere(filter);
    return (await this.db.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions s ${where} ORDER BY s.id`, params)).rows;
  }

  async countSessions(filter: SessionFilter = {}): Promise<number> {
    const { where, params } = sessionWhere(filter);
    const r = await this.db.query<{ n: number }>(`SELECT count(*) AS n FROM sessions s ${where}`, params);
    return r.rows[0]?.n ?? 0;
  }

  /** A session with its measurements (in insertion order), or null when there is no such id. */
  async getSession(id: number): Promise<SessionWithMeasurements | null> {
    const s = await this.db.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = $1`, [id]);
    const row = s.rows[0];
    if (row === undefined) return null;
    const m = await this.db.query<RawMeasurement>(
      `SELECT ${MEASUREMENT_COLUMNS} FROM measurements WHERE session_id = $1 ORDER BY id`,
      [id],
    );
    return { ...row, measurements: m.rows.map(toMeasurement) };
  }

  // ---- datasets ----

  /**
   * Records a new version (previous max + 1, starting at 1) of dataset `name`, with its sessions'
   * split assignments, in ONE transaction.
   */
  async createDataset(
    name: string,
    seed: number,
    splitSpec: Record<string, unknown>,
    assignments: readonly DatasetAssignment[],
  ): Promise<DatasetRow> {
    checkDatasetName(name); // it becomes a folder name (runs/<name>-v<version>): refused here, before anything is stored
    if (!Number.isInteger(seed) || seed < -INT32_MAX - 1 || seed > INT32_MAX) {
      throw new RangeError(`createDataset: seed must be a 32-bit integer, got ${seed}`);
    }
    for (const a of assignments) {
      if (!(SPLITS as readonly string[]).includes(a.split)) {
        throw new RangeError(
          `createDataset: session ${a.sessionId} has split '${a.split}'; expected one of ${SPLITS.join(', ')}`,
        );
      }
    }
    const id = await this.db.transaction(async (tx) => {
      // Concurrent creators of the same name take turns, so versions stay max + 1.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('heimdall.dataset:' || $1::text))`, [name]);
      const next = await tx.query<{ v: number }>('SELECT COALESCE(max(version), 0) + 1 AS v FROM datasets WHERE name = $1', [
        name,
      ]);
      const inserted = await tx.query<{ id: number }>(
        'INSERT INTO datasets (name, version, seed, split_spec) VALUES ($1, $2, $3, $4::jsonb) RETURNING id',
        [name, next.rows[0]?.v ?? 1, seed, json(splitSpec, `dataset ${name} splitSpec`)],
      );
      const datasetId = (inserted.rows[0] as { id: number }).id;
      if (assignments.length > 0) {
        await tx.query(
          `INSERT INTO dataset_sessions (dataset_id, session_id, split)
           SELECT $1::integer, a.session_id, a.split FROM jsonb_to_recordset($2::jsonb) AS a(session_id bigint, split text)`,
          [datasetId, JSON.stringify(assignments.map((a) => ({ session_id: a.sessionId, split: a.split })))],
        );
      }
      return datasetId;
    });
    return this.datasetById(id);
  }

  /**
   * Dataset `name` at `version` (the latest when omitted). A missing name throws an Error listing
   * the existing names; a missing version one listing that name's versions.
   */
  async getDataset(name: string, version?: number): Promise<DatasetRow> {
    const r =
      version === undefined
        ? await this.db.query<{ id: number }>('SELECT id FROM datasets WHERE name = $1 ORDER BY version DESC LIMIT 1', [name])
        : await this.db.query<{ id: number }>('SELECT id FROM datasets WHERE name = $1 AND version = $2', [name, version]);
    const id = r.rows[0]?.id;
    if (id !== undefined) return this.datasetById(id);
    const versions = await this.db.query<{ version: number }>('SELECT version FROM datasets WHERE name = $1 ORDER BY version', [
      name,
    ]);
    if (versions.rows.length > 0) {
      throw new Error(
        `${this.location}: dataset '${name}' has no version ${version}; versions: ${versions.rows.map((v) => v.version).join(', ')}`,
      );
    }
    const names = await this.db.query<{ name: string }>('SELECT DISTINCT name FROM datasets ORDER BY name');
    const existing =
      names.rows.length === 0 ? 'there are none yet' : `existing datasets: ${names.rows.map((n) => n.name).join(', ')}`;
    throw new Error(`${this.location}: no dataset named '${name}'; ${existing}`);
  }

  /** All datasets, by name then version. */
  async listDatasets(): Promise<DatasetRow[]> {
    const r = await this.db.query<{ id: number }>('SELECT id FROM datasets ORDER BY name, version');
    const out: DatasetRow[] = [];
    for (const { id } of r.rows) out.push(await this.datasetById(id));
    return out;
  }

  /** The sessions of one split of a dataset, in session id order. */
  async datasetSessions(datasetId: number, split: Split): Promise<SessionRow[]> {
    const r = await this.db.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM dataset_sessions d JOIN sessions s ON s.id = d.session_id
       WHERE d.dataset_id = $1 AND d.split = $2 ORDER BY s.id`,
      [datasetId, split],
    );
    return r.rows;
  }

  /**
   * The measurements of every session in one split of a dataset, grouped by session id (one query:
   * a loader reads this once instead of one catalog round trip per session per epoch).
   */
  async datasetMeasurements(datasetId: number, split: Split): Promise<Map<number, MeasurementRow[]>> {
    const r = await this.db.query<RawMeasurement>(
      `SELECT ${MEASUREMENT_COLUMNS} FROM measurements
       WHERE session_id IN (SELECT session_id FROM dataset_sessions WHERE dataset_id = $1 AND split = $2)
       ORDER BY session_id, id`,
      [datasetId, split],
    );
    const bySession = new Map<number, MeasurementRow[]>();
    for (const raw of r.rows) {
      const m = toMeasurement(raw);
      const list = bySession.get(m.sessionId);
      if (list) list.push(m);
      else bySession.set(m.sessionId, [m]);
    }
    return bySession;
  }

  private async datasetById(id: number): Promise<DatasetRow> {
    const d = await this.db.query<Omit<DatasetRow, 'counts'>>(`SELECT ${DATASET_COLUMNS} FROM datasets WHERE id = $1`, [id]);
    const row = d.rows[0];
    if (row === undefined) throw new Error(`${this.location}: no dataset with id ${id}`);
    const c = await this.db.query<{ split: Split; n: number }>(
      'SELECT split, count(*) AS n FROM dataset_sessions WHERE dataset_id = $1 GROUP BY split',
      [id],
    );
    const counts: Record<Split, number> = { train: 0, val: 0, test: 0 };
    for (const { split, n } of c.rows) counts[split] = n;
    return { ...row, counts };
  }
}

function sessionWhere(filter: SessionFilter): { where: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (filter.origin !== undefined) {
    params.push(filter.origin);
    conditions.push(`s.origin = $${params.length}`);
  }
  if (filter.scenario !== undefined) {
    params.push(filter.scenario);
    conditions.push(`s.scenario = $${params.length}`);
  }
  return { where: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, params };
}
