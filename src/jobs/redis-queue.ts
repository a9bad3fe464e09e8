// The production queue: BullMQ on Redis (REDIS_URL). Redis holds only which job is waiting,
// delayed or being worked on, under a lock that the worker's event loop renews (training runs in
// a child process, so the loop is always free to renew it). A worker that dies loses its lock;
// BullMQ's stalled-job check puts the job back in the queue and the next worker takes it over in
// the catalog (JobStore.take) and resumes its run. Attempts, retry delays and every state a
// person sees are kept in the catalog and settled by the same code as the catalog queue: a retry
// is the job moved to BullMQ's delayed set for the policy's delay, and a stopping worker's job is
// moved back to waiting — neither counts against BullMQ's own attempts.
import { type Job as BullJob, DelayedError, Queue, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { redactUrl } from '../store/db/index.js';
import type { Job, JobStore } from './job-store.js';
import { type ConsumeOptions, type JobQueue, settle } from './queue.js';
import { whileTransient } from './retry.js';

interface Payload {
  id: number;
}

/** BullMQ's job id for a catalog job (BullMQ refuses bare integers as custom ids). */
const bullId = (id: number) => `job-${id}`;

/** How often a worker re-queues catalog jobs that Redis does not know (Redis restarted empty). */
const RECONCILE_MS = 30_000;

export class RedisQueue implements JobQueue {
  readonly kind = 'redis';
  readonly location: string;
  private readonly queue: Queue<Payload>;
  private readonly connection: Redis;

  /** name: the BullMQ queue (one per catalog: see openQueue). */
  constructor(
    private readonly jobs: JobStore,
    private readonly url: string,
    private readonly name: string,
  ) {
    this.location = `BullMQ queue '${name}' on ${redactUrl(url)}`;
    // A producer fails at once while Redis is down (the API answers 503) rather than waiting.
    const connection = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    connection.on('error', () => {}); // reported by the calls that fail; reconnects on its own
    this.connection = connection;
    this.queue = new Queue<Payload>(name, { connection });
    this.queue.on('error', () => {});
  }

  async enqueue(job: Job): Promise<void> {
    // The same id twice is one BullMQ job: re-queuing what Redis already holds changes nothing.
    await this.queue.add('job', { id: job.id }, { jobId: bullId(job.id), removeOnComplete: true, removeOnFail: 10_000 });
  }

  /**
   * Queues every job the catalog has queued, and every running job whose lease ran out (its
   * worker died, or lost the catalog, and Redis no longer holds it as active): nothing is lost if
   * Redis lost its data or BullMQ failed its entry while the catalog was down. Idempotent: a job
   * BullMQ holds as waiting, delayed or active is left alone; one it holds as failed or completed
   * while the catalog says otherwise is an orphan, removed and queued again (BullMQ ignores an add
   * whose id it still holds).
   */
  private async reconcile(log: (line: string) => void): Promise<void> {
    const candidates = [...(await this.jobs.list({ status: 'queued', limit: 500 })), ...(await this.jobs.expired())];
    let requeued = 0;
    for (const job of candidates) {
      const existing = await this.queue.getJob(bullId(job.id));
      if (existing !== undefined) {
        const state = await existing.getState();
        if (state !== 'failed' && state !== 'completed' && state !== 'unknown') continue;
        await existing.remove().catch(() => {}); // a worker may hold its lock; then the add is a no-op and the next round retries
      }
      const delay = job.availableAt === null ? 0 : Math.max(0, job.availableAt.getTime() - Date.now());
      await this.queue.add('job', { id: job.id }, { jobId: bullId(job.id), delay, removeOnComplete: true, removeOnFail: 10_000 });
      requeued++;
    }
    if (requeued > 0) log(`queue: ${requeued} job(s) the catalog has queued or orphaned put back in ${this.location}`);
  }

  async consume(o: ConsumeOptions): Promise<number> {
    let done = 0;
    let closing: Promise<void> | undefined;
    const connection = new Redis(this.url, { maxRetriesPerRequest: null });
    connection.on('error', () => {});
    const worker = new Worker<Payload>(
      this.name,
      async (bj: BullJob<Payload>, token?: string) => {
        // The catalog may be down for a while: wait for it rather than let BullMQ fail its entry.
        const catalog = <T>(what: string, f: () => Promise<T>) => whileTransient(`job ${bj.data.id}: ${what}`, f, { log: o.log });
        const job = await catalog('taking it', () => this.jobs.take(bj.data.id, o.worker, o.leaseMs));
        if (job === undefined) return 'not runnable (cancelled or finished)';
        const outcome = await o.work(job);
        const { line, retryInMs } = await catalog('settling it', () => settle(this.jobs, job, o.worker, outcome, o.retry));
        o.log(`job ${job.id}: ${line}`);
        done++;
        if (o.maxJobs !== undefined && done >= o.maxJobs) closing ??= worker.close();
        if (retryInMs !== undefined) {
          await bj.moveToDelayed(Date.now() + retryInMs, token);
          throw new DelayedError();
        }
        if (outcome.kind === 'interrupted') {
          await bj.moveToWait(token);
          throw new WaitingError();
        }
        if (outcome.kind === 'failed') throw new UnrecoverableError(line);
        return outcome.kind;
      },
      {
        connection,
        autorun: false,
        concurrency: Math.max(1, o.concurrency),
        lockDuration: o.leaseMs,
        stalledInterval: o.leaseMs,
        // Retries are the catalog's business (settle): BullMQ must never fail a job on its own.
        maxStalledCount: 1_000_000,
        drainDelay: Math.max(1, Math.round(o.pollMs / 1000)),
      },
    );
    worker.on('error', (err) => o.log(`queue: ${err.message}`));
    const onAbort = () => {
      closing ??= worker.close();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    await whileTransient('queue: reconciling with the catalog', () => this.reconcile(o.log), { log: o.log, signal: o.signal });
    // Redis restarted (maybe empty, without AOF): put back what it lost now rather than at the next round.
    connection.on('ready', () => void this.reconcile(o.log).catch((err) => o.log(`queue: ${err.message}`)));
    const reconciling = setInterval(
      () => void this.reconcile(o.log).catch((err) => o.log(`queue: ${err.message}`)),
      RECONCILE_MS,
    );
    try {
      if (!o.signal?.aborted) await worker.run();
      await closing;
    } finally {
      clearInterval(reconciling);
      o.signal?.removeEventListener('abort', onAbort);
      await worker.close();
      await connection.quit().catch(() => connection.disconnect());
    }
    return done;
  }

  async depth(): Promise<number> {
    const c = await this.queue.getJobCounts('waiting', 'delayed', 'prioritized', 'paused');
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  async ping(): Promise<void> {
    await this.connection.ping();
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
