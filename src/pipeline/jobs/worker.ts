// `heimdall worker` (and the embedded service's own worker): takes jobs from the queue
// (src/jobs/open-queue.ts) and runs each in a child process (job-child.ts), renewing the job's
// lease while it runs and writing its run and per-epoch metrics to the catalog; the queue settles
// the outcome there (src/jobs/queue.ts). Cancelling a job (the catalog's cancel_requested, seen at
// the next renewal) and stopping the worker (SIGTERM) both stop the child at its next batch with
// the last checkpoint saved: a cancelled job ends `cancelled`, a stopped worker's job goes back to
// the queue, and a worker that dies outright leaves a job whose lease runs out — the next worker
// resumes its run. A failure from outside the job (a dependency down, the child killed) is retried
// after a delay; an invalid request fails at once.
import { type ChildProcess, fork } from 'node:child_process';
import { hostname } from 'node:os';
import { describeJob, type Job, JobStore } from '../../jobs/job-store.js';
import { openQueue } from '../../jobs/open-queue.js';
import type { JobOutcome, JobQueue } from '../../jobs/queue.js';
import { DEFAULT_RETRY, type RetryPolicy, whileTransient } from '../../jobs/retry.js';
import { isSqlRequest, serveSqlOverIpc } from '../../store/db/ipc.js';
import { openStore, type Store } from '../../store/open.js';
import type { ChildEvent, ChildJob } from './messages.js';

export interface WorkerOptions {
  home: string;
  env?: NodeJS.ProcessEnv;
  /** An open store to work in (the embedded service's); default: opened from env (PostgreSQL only). */
  store?: Store;
  /** The queue to take jobs from; default: openQueue (REDIS_URL → BullMQ, else the catalog). */
  queue?: JobQueue;
  /** This worker's name in the catalog (default host:pid). */
  name?: string;
  /** How long a job stays this worker's without a renewal (ms); renewed every third of it. */
  leaseMs?: number;
  /** How often an idle worker asks for a job where the queue cannot wake it (ms). */
  pollMs?: number;
  /** Jobs trained at once, each in its own child process (default 1). */
  concurrency?: number;
  retry?: RetryPolicy;
  /** Stop when this aborts: running jobs are stopped and given back to the queue. */
  signal?: AbortSignal;
  /** Stop after this many jobs (tests); default: run until stopped. */
  maxJobs?: number;
  log: (line: string) => void;
}

export async function runWorker(o: WorkerOptions): Promise<number> {
  const env = o.env ?? process.env;
  if (o.store === undefined && !env.DATABASE_URL)
    throw new Error(
      'heimdall worker needs PostgreSQL (DATABASE_URL): the embedded catalog (PGlite) belongs to one process, and workers share the catalog with the API and each other. Without PostgreSQL, `heimdall serve` runs its own worker.',
    );
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const leaseMs = o.leaseMs ?? 30_000;
  const store = o.store ?? (await openStore({ home: o.home, env }));
  const jobs = new JobStore(store.catalog.db);
  const queue = o.queue ?? openQueue(jobs, env);
  // The embedded catalog cannot be opened by a second process: children reach it through this one.
  const catalogOverIpc = store.catalog.db.location.startsWith('pglite:');
  try {
    o.log(`worker ${name}: waiting for jobs (${queue.location})`);
    return await queue.consume({
      worker: name,
      leaseMs,
      pollMs: o.pollMs ?? 1000,
      concurrency: o.concurrency ?? 1,
      retry: o.retry ?? DEFAULT_RETRY,
      ...(o.maxJobs !== undefined ? { maxJobs: o.maxJobs } : {}),
      ...(o.signal !== undefined ? { signal: o.signal } : {}),
      log: o.log,
      work: (job) => {
        o.log(`job ${job.id}: ${describeJob(job)} (attempt ${job.attempts}${job.runId ? `, resuming run ${job.runId}` : ''})`);
        return runJob(job, {
          jobs,
          name,
          leaseMs,
          home: store.home,
          env,
          catalogOverIpc: catalogOverIpc ? store : undefined,
          signal: o.signal,
          log: o.log,
        });
      },
    });
  } finally {
    if (o.queue === undefined) await queue.close();
    if (o.store === undefined) await store.close();
  }
}

/** Runs one job this worker holds in a child process; the outcome is for the queue to settle. */
async function runJob(
  job: Job,
  o: {
    jobs: JobStore;
    name: string;
    leaseMs: number;
    home: string;
    env: NodeJS.ProcessEnv;
    catalogOverIpc: Store | undefined;
    signal: AbortSignal | undefined;
    log: (l: string) => void;
  },
): Promise<JobOutcome> {
  const { jobs, name } = o;
  const child: ChildProcess = fork(new URL('./job-child.js', import.meta.url), [], {
    env: o.catalogOverIpc ? { ...o.env, HEIMDALL_CATALOG_IPC: '1' } : o.env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  if (o.catalogOverIpc) serveSqlOverIpc(child, o.catalogOverIpc.catalog.db);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let last: ChildEvent | undefined;
  let cancelling = false;
  let lost = false;
  // Catalog writes in the order the events came.
  let writes = Promise.resolve();
  const write = (f: () => Promise<unknown>) => {
    writes = writes.then(f).then(
      () => undefined,
      (err) => o.log(`job ${job.id}: catalog write failed: ${(err as Error).message}`),
    );
  };
  child.on('message', (e: ChildEvent) => {
    if (isSqlRequest(e)) return;
    // The run id must reach the catalog even through an outage: a retry without it would start
    // a new run instead of resuming this one (an orphaned run, the job's work done twice).
    if (e.type === 'run')
      write(() => whileTransient(`job ${job.id}: recording its run`, () => jobs.setRun(job.id, name, e.runId), { log: o.log }));
    else if (e.type === 'epoch') {
      o.log(
        `job ${job.id}: epoch ${e.epoch}/${e.maxEpochs}${e.restored ? ' (restored from the checkpoint)' : `  val_nll ${e.metrics.val_nll?.toFixed(4)}`}`,
      );
      write(() => jobs.recordEpoch(job.id, name, e.epoch, Math.min(1, e.epoch / Math.max(1, e.maxEpochs)), e.metrics));
    } else if (e.type === 'log') return;
    else last = e;
  });
  const stop = () => child.kill('SIGTERM');
  o.signal?.addEventListener('abort', stop, { once: true });
  const renewal = setInterval(
    () => {
      void jobs.renew(job.id, name, o.leaseMs).then(
        (r) => {
          if (!r.held) {
            lost = true;
            stop();
          } else if (r.cancelRequested && !cancelling) {
            cancelling = true;
            stop();
          }
        },
        (err) => o.log(`job ${job.id}: lease renewal failed: ${(err as Error).message}`),
      );
    },
    Math.max(100, Math.floor(o.leaseMs / 3)),
  );
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  child.send({ job, home: o.home } satisfies ChildJob);
  const { code, signal } = await exit;
  clearInterval(renewal);
  o.signal?.removeEventListener('abort', stop);
  await writes;
  if (lost) return { kind: 'lost' };
  const outcome = last as ChildEvent | undefined;
  if (outcome?.type === 'succeeded')
    return { kind: 'succeeded', model: outcome.model, ...(outcome.result ? { result: outcome.result } : {}) };
  if (outcome?.type === 'interrupted') return { kind: cancelling ? 'cancelled' : 'interrupted', runId: outcome.runId };
  if (outcome?.type === 'failed') return { kind: 'failed', error: outcome.error, transient: outcome.transient };
  // No outcome: the process died (killed by the system, out of memory, a crash) — not the job's fault.
  if (signal !== null) return { kind: 'failed', error: `the training process was killed (${signal})`, transient: true };
  const why = stderr.trim().split('\n').slice(-3).join(' ');
  return { kind: 'failed', error: `the training process exited with code ${code}${why ? `: ${why}` : ''}`, transient: true };
}
