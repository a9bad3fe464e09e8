// The queue kept in the catalog itself: a queued row is a queued job, and a worker claims the
// oldest available one with FOR UPDATE SKIP LOCKED (JobStore.claim), so workers sharing one
// PostgreSQL never take the same job. On the embedded catalog (PGlite, one process) the same
// table is the in-process queue: enqueue wakes this process's idle workers at once, and jobs
// queued before a restart are still there when it starts again.
import { EventEmitter } from 'node:events';
import type { Job, JobStore } from './job-store.js';
import { type ConsumeOptions, type JobQueue, settle } from './queue.js';
import { whileTransient } from './retry.js';

/** Resolves after ms, or earlier when the signal aborts or the emitter says 'wake'. */
function idle(ms: number, wake: EventEmitter, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      wake.off('wake', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    wake.once('wake', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class CatalogQueue implements JobQueue {
  readonly kind: 'catalog' | 'in-process';
  private readonly wake = new EventEmitter();

  constructor(
    private readonly jobs: JobStore,
    o: { inProcess: boolean },
  ) {
    this.kind = o.inProcess ? 'in-process' : 'catalog';
    this.wake.setMaxListeners(0);
  }

  get location(): string {
    return `${this.kind === 'in-process' ? 'in-process, ' : ''}jobs table of ${this.jobs.db.location}`;
  }

  async enqueue(_job: Job): Promise<void> {
    // The row is the queue entry; only this process's idle workers need telling.
    this.wake.emit('wake');
  }

  async consume(o: ConsumeOptions): Promise<number> {
    let taken = 0;
    const more = () => !o.signal?.aborted && (o.maxJobs === undefined || taken < o.maxJobs);
    const slot = async () => {
      while (more()) {
        taken++; // reserved before claiming, so that concurrent slots never exceed maxJobs
        // A catalog that stopped answering is waited for (each slot retries), not a reason for the worker to stop.
        const job = await whileTransient('claiming a job', () => this.jobs.claim(o.worker, o.leaseMs), {
          log: o.log,
          ...(o.signal !== undefined ? { signal: o.signal } : {}),
        }).catch((err) => {
          if (o.signal?.aborted) return undefined;
          throw err;
        });
        if (job === undefined) {
          taken--;
          await idle(o.pollMs, this.wake, o.signal);
          continue;
        }
        const outcome = await o.work(job);
        const { line, retryInMs } = await whileTransient(
          `job ${job.id}: settling it`,
          () => settle(this.jobs, job, o.worker, outcome, o.retry),
          { log: o.log },
        );
        o.log(`job ${job.id}: ${line}`);
        // A retry becomes available later; wake anyone idle then (PostgreSQL workers also poll).
        if (retryInMs !== undefined) setTimeout(() => this.wake.emit('wake'), retryInMs + 10).unref();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, slot));
    return taken;
  }

  async depth(): Promise<number> {
    return (await this.jobs.countByStatus()).queued;
  }

  async ping(): Promise<void> {
    await this.jobs.db.query('SELECT 1');
  }

  async close(): Promise<void> {
    this.wake.emit('wake');
  }
}
