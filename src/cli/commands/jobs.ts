// `heimdall jobs …` (submit, list, show, cancel) and `heimdall worker`: training as queued jobs in
// the catalog, run by any number of workers (PostgreSQL: docs/TRAINING.md#jobs-and-workers).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describeJob } from '../../jobs/job-store.js';
import { positiveInt } from '../parse.js';
import { withStore } from '../with-store.js';

const home = (h?: string) => resolve(h ?? process.env.HEIMDALL_HOME ?? '.heimdall');

async function withJobs<T>(
  h: string | undefined,
  fn: (jobs: import('../../jobs/job-store.js').JobStore) => Promise<T>,
): Promise<T> {
  const { JobStore } = await import('../../jobs/job-store.js');
  return withStore(home(h), (store) => fn(new JobStore(store.catalog.db)));
}

function jobLine(j: import('../../jobs/job-store.js').Job): string {
  const m = j.metrics?.val_error_m;
  return `${String(j.id).padStart(5)}  ${j.status.padEnd(9)}  ${describeJob(j)}  ${(100 * j.progress).toFixed(0)} %${j.epoch !== null ? `  epoch ${j.epoch}` : ''}${typeof m === 'number' ? `  val_error ${m.toFixed(0)} m` : ''}${j.model ? `  model ${j.model.name} v${j.model.version}` : ''}${j.error ? `  error: ${j.error}` : ''}`;
}

export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('training jobs in the catalog: submit, list, show, cancel');
  jobs
    .command('submit')
    .description('queue a training job (what `heimdall train` does, run by a worker)')
    .requiredOption('--dataset <name[@version]>', 'the dataset')
    .option('--config <file>', 'training configuration, JSON or YAML (as heimdall train --config)')
    .option(
      '--set <key=value>',
      'override one configuration field (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .action(async (o: { dataset: string; config?: string; set: string[]; home?: string }) => {
      const { applySets, readConfigFile, resolveTrainConfig } = await import('../../pipeline/train-config.js');
      const { parseDatasetRef } = await import('../../pipeline/train-dataset.js');
      parseDatasetRef(o.dataset);
      const config = applySets(o.config === undefined ? {} : readConfigFile(o.config), o.set);
      resolveTrainConfig(config, o.config ?? '--set'); // refused now, not when a worker runs it
      const { openQueue } = await import('../../jobs/open-queue.js');
      const { submitJob } = await import('../../jobs/queue.js');
      const job = await withJobs(o.home, async (j) => {
        const queue = openQueue(j);
        try {
          return await submitJob(j, queue, { dataset: o.dataset, config });
        } finally {
          await queue.close();
        }
      });
      console.log(`job ${job.id} queued (heimdall jobs show ${job.id})`);
    });
  jobs
    .command('list')
    .description('jobs, newest first')
    .option('--status <status>', 'queued, running, succeeded, failed or cancelled')
    .option('--limit <n>', 'at most this many', positiveInt('--limit'), 50)
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .action(async (o: { status?: string; limit: number; home?: string }) => {
      const statuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
      const status = o.status as (typeof statuses)[number] | undefined;
      if (status !== undefined && !statuses.includes(status))
        throw new Error(`--status ${o.status}: expected one of ${statuses.join(', ')}`);
      const list = await withJobs(o.home, (j) => j.list({ ...(status ? { status } : {}), limit: o.limit }));
      if (list.length === 0) console.log('no jobs');
      for (const job of list) console.log(jobLine(job));
    });
  jobs
    .command('show')
    .description('one job: state, progress, latest metrics, run, model, and its per-epoch history')
    .argument('<id>', 'job id', positiveInt('id'))
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .action(async (id: number, o: { home?: string }) => {
      await withJobs(o.home, async (j) => {
        const job = await j.get(id);
        console.log(jobLine(job));
        if (job.runId) console.log(`  tracked run ${job.runId} (heimdall runs show ${job.runId})`);
        console.log(`  attempts ${job.attempts}${job.worker ? `, worker ${job.worker}` : ''}`);
        if (job.result) console.log(`  result ${JSON.stringify(job.result)}`);
        for (const h of await j.metricHistory(id))
          console.log(
            `  epoch ${String(h.epoch).padStart(3)}  ${Object.entries(h.metrics)
              .filter(([k]) => k !== 'epoch')
              .map(([k, v]) => `${k} ${v === null ? 'nan' : Number(v).toPrecision(5)}`)
              .join('  ')}`,
          );
      });
    });
  jobs
    .command('cancel')
    .description('cancel a job: a queued one at once, a running one at its next batch (checkpointed; nothing registered)')
    .argument('<id>', 'job id', positiveInt('id'))
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .action(async (id: number, o: { home?: string }) => {
      const job = await withJobs(o.home, (j) => j.cancel(id));
      console.log(
        job.status === 'cancelled' ? `job ${id} cancelled` : `job ${id}: cancel requested; its worker stops it at the next batch`,
      );
    });

  program
    .command('worker')
    .description(
      'run queued training jobs, each in a child process, until stopped (SIGTERM: running jobs are checkpointed and re-queued); needs PostgreSQL (DATABASE_URL), and takes jobs from BullMQ when REDIS_URL is set',
    )
    .option(
      '--lease <seconds>',
      'a job stays this worker’s this long without a renewal; a dead worker’s job is taken over after it',
      positiveInt('--lease'),
      30,
    )
    .option('--poll <seconds>', 'how often an idle worker looks for a job (catalog queue)', positiveInt('--poll'), 2)
    .option('--concurrency <n>', 'jobs trained at once, each in its own process', positiveInt('--concurrency'), 1)
    .option(
      '--max-attempts <n>',
      'attempts per job when failures come from outside it (a dependency down, the process killed); never retried: invalid requests',
      positiveInt('--max-attempts'),
      3,
    )
    .option(
      '--retry-delay <seconds>',
      'delay before the second attempt, doubled for each one after',
      positiveInt('--retry-delay'),
      5,
    )
    .option('--max-jobs <n>', 'stop after this many jobs (default: run until stopped)', positiveInt('--max-jobs'))
    .option('--name <name>', 'this worker’s name in the catalog (default host:pid)')
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .action(
      async (o: {
        lease: number;
        poll: number;
        concurrency: number;
        maxAttempts: number;
        retryDelay: number;
        maxJobs?: number;
        name?: string;
        home?: string;
      }) => {
        const { runWorker } = await import('../../pipeline/jobs/worker.js');
        const controller = new AbortController();
        const stop = () => {
          console.error('worker: stopping (running jobs are checkpointed and go back to the queue) …');
          controller.abort();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await runWorker({
          home: home(o.home),
          leaseMs: o.lease * 1000,
          pollMs: o.poll * 1000,
          concurrency: o.concurrency,
          retry: { maxAttempts: o.maxAttempts, baseDelayMs: o.retryDelay * 1000, maxDelayMs: 300_000 },
          ...(o.maxJobs !== undefined ? { maxJobs: o.maxJobs } : {}),
          ...(o.name !== undefined ? { name: o.name } : {}),
          signal: controller.signal,
          log: (line) => console.log(line),
        });
      },
    );
}
