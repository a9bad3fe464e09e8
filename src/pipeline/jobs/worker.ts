// `heimdall worker` (the CLI running jobs from the queue): takes jobs from the catalog and runs each in a child process (train-child.ts),
// renewing the job's lease while it runs and writing its run, per-epoch metrics and outcome to
// the catalog. Cancelling a job (the catalog's cancel_requested, seen at the next renewal) and
// stopping the worker (SIGTERM) both stop the child at its next batch with the last checkpoint
// saved: a cancelled job ends `cancelled`, a stopped worker's job goes back to the queue, and a
// worker that dies outright leaves a job whose lease runs out — the next worker resumes its run.
import { type ChildProcess, fork } from 'node:child_process';
import { hostname } from 'node:os';
import { type Job, JobStore } from '../../jobs/job-store.js';
import { openStore } from '../../store/open.js';
import type { ChildEvent, ChildJob } from './messages.js';

export interface WorkerOptions {
  home: string;
  env?: NodeJS.ProcessEnv;
  /** This worker's name in the catalog (default host:pid). */
  name?: string;
  /** How long a job stays this worker's without a renewal (ms); renewed every third of it. */
  leaseMs?: number;
  /** How often an idle worker asks for a job (ms). */
  pollMs?: number;
  /** Stop when this aborts: the running job is stopped and given back to the queue. */
  signal?: AbortSignal;
  /** Stop after this many jobs (tests); default: run until stopped. */
  maxJobs?: number;
  log: (line: string) => void;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

export async function runWorker(o: WorkerOptions): Promise<number> {
  const env = o.env ?? process.env;
  if (!env.DATABASE_URL)
    throw new Error(
      'heimdall worker needs PostgreSQL (DATABASE_URL): the embedded catalog (PGlite) belongs to one process, and workers share the catalog with the API and each other',
    );
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const leaseMs = o.leaseMs ?? 30_000;
  const store = await openStore({ home: o.home, env });
  const jobs = new JobStore(store.catalog.db);
  let done = 0;
  try {
    o.log(`worker ${name}: waiting for jobs in ${store.catalog.location}`);
    while (!o.signal?.aborted && (o.maxJobs === undefined || done < o.maxJobs)) {
      const job = await jobs.claim(name, leaseMs);
      if (job === undefined) {
        await sleep(o.pollMs ?? 1000, o.signal);
        continue;
      }
      o.log(
        `job ${job.id}: ${job.kind} ${job.request.dataset} (attempt ${job.attempts}${job.runId ? `, resuming run ${job.runId}` : ''})`,
      );
      const outcome = await runJob(job, { jobs, name, leaseMs, home: store.home, env, signal: o.signal, log: o.log });
      o.log(`job ${job.id}: ${outcome}`);
      done++;
    }
  } finally {
    await store.close();
  }
  return done;
}

async function runJob(
  job: Job,
  o: {
    jobs: JobStore;
    name: string;
    leaseMs: number;
    home: string;
    env: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    log: (l: string) => void;
  },
): Promise<string> {
  const { jobs, name } = o;
  const child: ChildProcess = fork(new URL('./train-child.js', import.meta.url), [], {
    env: o.env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
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
    if (e.type === 'run') write(() => jobs.setRun(job.id, name, e.runId));
    else if (e.type === 'epoch') {
      o.log(
        `job ${job.id}: epoch ${e.epoch}/${e.maxEpochs}${e.restored ? ' (restored from the checkpoint)' : `  val_nll ${e.metrics.val_nll?.toFixed(4)}`}`,
      );
      write(() => jobs.recordEpoch(job.id, name, e.epoch, Math.min(1, e.epoch / Math.max(1, e.maxEpochs)), e.metrics));
    } else if (e.type === 'log') return;
    else last = e;
  });
  const stop = () => child.kill('SIGTERM');
  const onAbort = () => stop();
  o.signal?.addEventListener('abort', onAbort, { once: true });
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
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.send({ job, home: o.home } satisfies ChildJob);
  const code = await exit;
  clearInterval(renewal);
  o.signal?.removeEventListener('abort', onAbort);
  await writes;
  if (lost) return 'taken over by another worker (lease lost); stopped here';
  const outcome = last as ChildEvent | undefined;
  if (outcome?.type === 'succeeded') {
    await jobs.finish(job.id, name, 'succeeded', outcome.model ? { model: outcome.model } : {});
    return `succeeded${outcome.model ? ` (model ${outcome.model.name} v${outcome.model.version})` : ''}`;
  }
  if (outcome?.type === 'interrupted') {
    if (cancelling) {
      await jobs.finish(job.id, name, 'cancelled');
      return `cancelled (run ${outcome.runId} KILLED, nothing registered)`;
    }
    await jobs.requeue(job.id, name);
    return `stopped with the worker; back in the queue (run ${outcome.runId} resumes from its last checkpoint)`;
  }
  const error =
    outcome?.type === 'failed'
      ? outcome.error
      : `the training process exited with code ${code}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`;
  await jobs.finish(job.id, name, 'failed', { error });
  return `failed: ${error}`;
}
