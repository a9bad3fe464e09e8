// The job queue: which worker runs which job, and when. Three implementations behind one
// interface (docs/DEPLOY.md): BullMQ on Redis (REDIS_URL, the production queue), the catalog
// itself on PostgreSQL (rows claimed with FOR UPDATE SKIP LOCKED), and the embedded catalog
// (PGlite) in the one process that owns it. Whatever the queue, a job's state, progress and
// metrics live in the catalog (JobStore) and a worker's outcome is settled there by `settle`, so
// the API answers the same way over any of them.
import { type Job, type JobStore, requestKind } from './job-store.js';
import { type RetryPolicy, retryDelayMs } from './retry.js';

/** How a worker's attempt at a job ended. */
export type JobOutcome =
  | { kind: 'succeeded'; model: { name: string; version: string } | null; result?: Record<string, unknown> }
  /** Stopped because the job was cancelled: the run is KILLED, nothing registered. */
  | { kind: 'cancelled'; runId: string | null }
  /** Stopped because the worker is stopping: the job goes back to the queue and resumes later. */
  | { kind: 'interrupted'; runId: string | null }
  /** The job is no longer this worker's (its lease ran out and another worker took it). */
  | { kind: 'lost' }
  /** transient: the cause lies outside the job (a dependency down, the process killed) — retried. */
  | { kind: 'failed'; error: string; transient: boolean };

export interface ConsumeOptions {
  /** This worker's name in the catalog. */
  worker: string;
  /** A job stays this worker's this long without a renewal (ms). */
  leaseMs: number;
  /** How often an idle worker looks for work where the queue cannot wake it (ms). */
  pollMs: number;
  /** Jobs run at once by this worker. */
  concurrency: number;
  /** Stop after this many jobs (tests); default: until the signal aborts. */
  maxJobs?: number;
  /** Stop taking jobs; running ones are stopped by `work`'s own handling of the same signal. */
  signal?: AbortSignal;
  retry: RetryPolicy;
  /** Runs one job this worker holds (status running, lease renewed by `work`). */
  work: (job: Job) => Promise<JobOutcome>;
  log: (line: string) => void;
}

export interface JobQueue {
  /** 'redis' (BullMQ), 'catalog' (PostgreSQL rows) or 'in-process' (the embedded catalog). */
  readonly kind: 'redis' | 'catalog' | 'in-process';
  /** Where the queue is, for messages (passwords hidden). */
  readonly location: string;
  /** Makes a job just written to the catalog available to workers. */
  enqueue(job: Job): Promise<void>;
  /** Takes jobs and runs them until options.signal aborts or maxJobs are done; the number done. */
  consume(o: ConsumeOptions): Promise<number>;
  /** Jobs waiting for a worker (including those waiting to be retried). */
  depth(): Promise<number>;
  /** Throws when the queue cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Writes a worker's outcome to the catalog: succeeded, cancelled, back in the queue (a stopping
 * worker), retried after a delay (a transient failure with attempts left) or failed. Returns a line
 * for the worker's log, and for a retry its delay.
 */
export async function settle(
  jobs: JobStore,
  job: Job,
  worker: string,
  outcome: JobOutcome,
  retry: RetryPolicy,
): Promise<{ line: string; retryInMs?: number }> {
  switch (outcome.kind) {
    case 'succeeded': {
      await jobs.finish(job.id, worker, 'succeeded', {
        ...(outcome.model ? { model: outcome.model } : {}),
        ...(outcome.result ? { result: outcome.result } : {}),
      });
      return { line: `succeeded${outcome.model ? ` (model ${outcome.model.name} v${outcome.model.version})` : ''}` };
    }
    case 'cancelled':
      await jobs.finish(job.id, worker, 'cancelled');
      return { line: `cancelled (run ${outcome.runId ?? '-'} KILLED, nothing registered)` };
    case 'interrupted':
      await jobs.requeue(job.id, worker);
      return {
        line: `stopped with the worker; back in the queue${outcome.runId ? ` (run ${outcome.runId} resumes from its last checkpoint)` : ''}`,
      };
    case 'lost':
      return { line: 'taken over by another worker (lease lost); stopped here' };
    case 'failed': {
      if (outcome.transient && job.attempts < retry.maxAttempts) {
        const delay = retryDelayMs(retry, job.attempts);
        const error = `attempt ${job.attempts} of ${retry.maxAttempts} failed: ${outcome.error}; retrying in ${(delay / 1000).toFixed(1)} s`;
        await jobs.retryLater(job.id, worker, delay, error);
        return { line: error, retryInMs: delay };
      }
      const error =
        outcome.transient && retry.maxAttempts > 1 ? `${outcome.error} (gave up after ${job.attempts} attempts)` : outcome.error;
      await jobs.finish(job.id, worker, 'failed', { error });
      return { line: `failed: ${error}` };
    }
  }
}

/** Writes a job to the catalog and queues it; a job the queue refuses is removed again. */
export async function submitJob(jobs: JobStore, queue: JobQueue, request: Job['request']): Promise<Job> {
  const job = await jobs.submit(requestKind(request), request);
  try {
    await queue.enqueue(job);
  } catch (err) {
    await jobs.discard(job.id);
    throw new QueueUnavailableError(`the job queue (${queue.location}) refused the job: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return job;
}

/** The queue cannot be reached (the API answers 503 with Retry-After). */
export class QueueUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueueUnavailableError';
  }
}
