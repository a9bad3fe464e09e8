// Jobs in the catalog: what was asked, its state, progress and metrics. The API answers from here
// and workers record here, so any number of each can run side by side (on PostgreSQL; the
// embedded PGlite catalog belongs to one process). Which worker runs what is the queue's business
// (src/jobs/queue.ts): the catalog queue claims rows here, BullMQ hands out ids and the worker
// takes that row. A worker holds a job under a lease it renews while it works; a job whose lease
// ran out (its worker died) is taken by the next worker, which resumes the job's tracked run from
// its last checkpoint, and a worker that finds its lease gone stops.
import type { SqlDatabase, SqlExecutor } from '../store/sql.js';

export type JobKind = 'train' | 'simulate' | 'import';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const FINISHED_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface TrainJobRequest {
  kind?: 'train';
  /** NAME or NAME@VERSION. */
  dataset: string;
  /** A training configuration (src/pipeline/train-config.ts); validated when the job runs. */
  config?: Record<string, unknown>;
}

/** Simulate transmissions of a preset or scenario, import them, and make a dataset of them. */
export interface SimulateJobRequest {
  kind: 'simulate';
  /** A preset name, or a scenario object (the fields of a scenario file, docs/SIMULATOR.md). */
  preset?: string;
  scenario?: Record<string, unknown>;
  samples: number;
  seed?: number;
  /** The dataset made of them (default sim-<scenario>). */
  dataset?: string;
}

/** Import the recordings under a blob-store prefix (e.g. an upload), optionally into a dataset. */
export interface ImportJobRequest {
  kind: 'import';
  prefix: string;
  dataset?: string;
}

export type JobRequest = TrainJobRequest | SimulateJobRequest | ImportJobRequest;

/** One line saying what a job does (for logs and `heimdall jobs list`). */
export function describeJob(j: { kind: JobKind; request: JobRequest }): string {
  const r = j.request;
  if (r.kind === 'simulate')
    return `simulate ${r.samples} of ${r.preset ?? 'a scenario'}${r.dataset ? ` → dataset ${r.dataset}` : ''}`;
  if (r.kind === 'import') return `import ${r.prefix}${r.dataset ? ` → dataset ${r.dataset}` : ''}`;
  return `train ${r.dataset}`;
}

/** What a job asked for, by kind (a train request stored before kinds existed has no `kind`). */
export function requestKind(r: JobRequest): JobKind {
  return r.kind ?? 'train';
}

export interface Job {
  id: number;
  kind: JobKind;
  status: JobStatus;
  request: JobRequest;
  /** 0–1. */
  progress: number;
  epoch: number | null;
  metrics: Record<string, number> | null;
  error: string | null;
  /** The tracked run, once training has started (a takeover resumes it). */
  runId: string | null;
  model: { name: string; version: string } | null;
  /** What a simulate or import job made (sessions imported, the dataset). */
  result: Record<string, unknown> | null;
  /** How many times a worker took the job. */
  attempts: number;
  cancelRequested: boolean;
  worker: string | null;
  /** A job waiting to be retried is not taken before this. */
  availableAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A state change the job's current status does not allow (cancelling a finished job). */
export class JobConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobConflictError';
  }
}

export class JobNotFoundError extends Error {
  constructor(readonly id: number) {
    super(`no job ${id}`);
    this.name = 'JobNotFoundError';
  }
}

const COLUMNS = `id::int AS id, kind, status, request, progress, epoch, metrics, error, run_id AS "runId", model, result, attempts,
  cancel_requested AS "cancelRequested", worker, available_at AS "availableAt", created_at AS "createdAt", started_at AS "startedAt",
  finished_at AS "finishedAt"`;

export class JobStore {
  constructor(readonly db: SqlDatabase) {}

  async submit(kind: JobKind, request: JobRequest): Promise<Job> {
    const r = await this.db.query<Job>(`INSERT INTO jobs (kind, request) VALUES ($1, $2::jsonb) RETURNING ${COLUMNS}`, [
      kind,
      JSON.stringify(request),
    ]);
    return r.rows[0] as Job;
  }

  async get(id: number): Promise<Job> {
    const r = await this.db.query<Job>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
    const job = r.rows[0];
    if (job === undefined) throw new JobNotFoundError(id);
    return job;
  }

  /** Newest first; `before` is the cursor (the last id of the previous page). */
  async list(o: { status?: JobStatus; kind?: JobKind; before?: number; limit?: number } = {}): Promise<Job[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (o.status !== undefined) where.push(`status = $${params.push(o.status)}`);
    if (o.kind !== undefined) where.push(`kind = $${params.push(o.kind)}`);
    if (o.before !== undefined) where.push(`id < $${params.push(o.before)}`);
    const limit = Math.min(Math.max(1, Math.trunc(Number(o.limit ?? 50)) || 50), 500);
    // Every value is a parameter, the limit too: no caller's value is ever part of the SQL text.
    const r = await this.db.query<Job>(
      `SELECT ${COLUMNS} FROM jobs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.push(limit)}`,
      params,
    );
    return r.rows;
  }

  /**
   * Running jobs whose lease ran out: their worker died or lost the catalog, and nothing renews
   * them. The catalog queue's claim takes these over itself; BullMQ's queue re-queues them
   * (RedisQueue.reconcile) when Redis no longer holds them as active.
   */
  async expired(limit = 500): Promise<Job[]> {
    const r = await this.db.query<Job>(
      `SELECT ${COLUMNS} FROM jobs WHERE status = 'running' AND lease_until < now() AND NOT cancel_requested ORDER BY id LIMIT $1`,
      [Math.min(Math.max(1, limit), 500)],
    );
    return r.rows;
  }

  /**
   * Takes the oldest queued job, or a running one whose lease ran out (its worker died), for
   * `worker` until now + leaseMs. Concurrent workers never take the same job (row locks).
   */
  async claim(worker: string, leaseMs: number): Promise<Job | undefined> {
    return this.db.transaction(async (tx) => {
      const pick = await tx.query<{ id: number }>(
        `SELECT id::int AS id FROM jobs
         WHERE ((status = 'queued' AND (available_at IS NULL OR available_at <= now()))
                OR (status = 'running' AND lease_until < now())) AND NOT cancel_requested
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      const id = pick.rows[0]?.id;
      if (id === undefined) return undefined;
      const r = await tx.query<Job>(
        `UPDATE jobs SET status = 'running', worker = $2, lease_until = now() + $3 * interval '1 millisecond',
           attempts = attempts + 1, started_at = COALESCE(started_at, now()), updated_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, worker, leaseMs],
      );
      return r.rows[0];
    });
  }

  /**
   * Takes the given job (the queue chose it: BullMQ hands out ids) for `worker` until now +
   * leaseMs, unless it is finished or cancelled; a running job is taken over (its worker's lock
   * ran out, so the queue gave it to this one). undefined when there is nothing to run.
   */
  async take(id: number, worker: string, leaseMs: number): Promise<Job | undefined> {
    const r = await this.db.query<Job>(
      `UPDATE jobs SET status = 'running', worker = $2, lease_until = now() + $3 * interval '1 millisecond',
         attempts = attempts + 1, available_at = NULL, started_at = COALESCE(started_at, now()), updated_at = now()
       WHERE id = $1 AND status IN ('queued', 'running') AND NOT cancel_requested RETURNING ${COLUMNS}`,
      [id, worker, leaseMs],
    );
    return r.rows[0];
  }

  /**
   * Renews the lease; false when the job is no longer this worker's (taken over, or finished
   * elsewhere) — the worker must then stop working on it.
   */
  async renew(id: number, worker: string, leaseMs: number): Promise<{ held: boolean; cancelRequested: boolean }> {
    const r = await this.db.query<{ cancelRequested: boolean }>(
      `UPDATE jobs SET lease_until = now() + $3 * interval '1 millisecond', updated_at = now()
       WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING cancel_requested AS "cancelRequested"`,
      [id, worker, leaseMs],
    );
    const row = r.rows[0];
    return { held: row !== undefined, cancelRequested: row?.cancelRequested ?? false };
  }

  /** The tracked run a job trains in (recorded as soon as it exists, so a takeover can resume it). */
  async setRun(id: number, worker: string, runId: string): Promise<void> {
    await this.db.query(`UPDATE jobs SET run_id = $3, updated_at = now() WHERE id = $1 AND worker = $2`, [id, worker, runId]);
  }

  /** An epoch's metrics: the job's latest, and one row each in its history. */
  async recordEpoch(id: number, worker: string, epoch: number, progress: number, metrics: Record<string, number>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const r = await tx.query(
        `UPDATE jobs SET epoch = $3, progress = $4, metrics = $5::jsonb, updated_at = now()
         WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING id`,
        [id, worker, epoch, progress, JSON.stringify(finite(metrics))],
      );
      if (r.rows.length === 0) return;
      await insertMetrics(tx, id, epoch, metrics);
    });
  }

  /** Per-epoch metrics in epoch order; with `after`, only the epochs after that one. */
  async metricHistory(id: number, after = 0): Promise<{ epoch: number; metrics: Record<string, number | null> }[]> {
    await this.get(id); // 404 for an unknown job, not an empty history
    const r = await this.db.query<{ epoch: number; name: string; value: number | null }>(
      'SELECT epoch, name, value FROM job_metrics WHERE job_id = $1 AND epoch > $2 ORDER BY epoch, name',
      [id, after],
    );
    const byEpoch = new Map<number, Record<string, number | null>>();
    for (const row of r.rows) {
      const m = byEpoch.get(row.epoch) ?? {};
      m[row.name] = row.value;
      byEpoch.set(row.epoch, m);
    }
    return [...byEpoch].map(([epoch, metrics]) => ({ epoch, metrics }));
  }

  /** Ends a job this worker holds. */
  async finish(
    id: number,
    worker: string,
    status: Exclude<JobStatus, 'queued' | 'running'>,
    o: { error?: string; model?: { name: string; version: string }; result?: Record<string, unknown> } = {},
  ): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE jobs SET status = $3, error = $4, model = $5::jsonb, result = $6::jsonb,
         progress = CASE WHEN $3 = 'succeeded' THEN 1 ELSE progress END,
         finished_at = now(), lease_until = NULL, updated_at = now()
       WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING id`,
      [
        id,
        worker,
        status,
        o.error ?? null,
        o.model === undefined ? null : JSON.stringify(o.model),
        o.result === undefined ? null : JSON.stringify(o.result),
      ],
    );
    return r.rows.length > 0;
  }

  /**
   * A job that failed for a reason outside itself goes back to the queue, not to be taken before
   * now + delayMs; `error` says what happened and when it will be retried.
   */
  async retryLater(id: number, worker: string, delayMs: number, error: string): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE jobs SET status = 'queued', worker = NULL, lease_until = NULL, error = $4,
         available_at = now() + $3 * interval '1 millisecond', updated_at = now()
       WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING id`,
      [id, worker, delayMs, error],
    );
    return r.rows.length > 0;
  }

  /** Removes a job that was never queued (the queue refused it): nothing ran, nothing refers to it. */
  async discard(id: number): Promise<void> {
    await this.db.query(`DELETE FROM jobs WHERE id = $1 AND status = 'queued' AND attempts = 0`, [id]);
  }

  /** Gives a job back to the queue (a worker shutting down): the next worker resumes its run. */
  async requeue(id: number, worker: string): Promise<void> {
    await this.db.query(
      `UPDATE jobs SET status = 'queued', worker = NULL, lease_until = NULL, updated_at = now()
       WHERE id = $1 AND worker = $2 AND status = 'running'`,
      [id, worker],
    );
  }

  /**
   * Cancels a job: a queued one at once; a running one when its worker next renews its lease
   * (the trainer then stops at the next batch). A finished job cannot be cancelled.
   */
  async cancel(id: number): Promise<Job> {
    return this.db.transaction(async (tx) => {
      const r = await tx.query<{ status: JobStatus }>('SELECT status FROM jobs WHERE id = $1 FOR UPDATE', [id]);
      const status = r.rows[0]?.status;
      if (status === undefined) throw new JobNotFoundError(id);
      if (FINISHED_STATUSES.includes(status))
        throw new JobConflictError(`job ${id} is ${status} already; it cannot be cancelled`);
      await tx.query(
        status === 'queued'
          ? `UPDATE jobs SET status = 'cancelled', cancel_requested = true, finished_at = now(), updated_at = now() WHERE id = $1`
          : `UPDATE jobs SET cancel_requested = true, updated_at = now() WHERE id = $1`,
        [id],
      );
      const after = await tx.query<Job>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
      return after.rows[0] as Job;
    });
  }

  /** Jobs per status (for /metrics and the queue depth). */
  async countByStatus(): Promise<Record<JobStatus, number>> {
    const r = await this.db.query<{ status: JobStatus; n: number }>(
      'SELECT status, count(*)::int AS n FROM jobs GROUP BY status',
    );
    const out: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const row of r.rows) out[row.status] = row.n;
    return out;
  }
}

/** JSON cannot hold NaN or ±Infinity: they are stored as null. */
function finite(metrics: Record<string, number>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));
}

async function insertMetrics(tx: SqlExecutor, id: number, epoch: number, metrics: Record<string, number>): Promise<void> {
  const entries = Object.entries(metrics);
  if (entries.length === 0) return;
  const params: unknown[] = [id, epoch];
  const rows = entries.map(
    ([name, value]) => `($1, $2, $${params.push(name)}, $${params.push(Number.isFinite(value) ? value : null)})`,
  );
  // A resumed epoch replaces what the interrupted attempt recorded for it.
  await tx.query(
    `INSERT INTO job_metrics (job_id, epoch, name, value) VALUES ${rows.join(', ')}
     ON CONFLICT (job_id, epoch, name) DO UPDATE SET value = EXCLUDED.value`,
    params,
  );
}
