// Job state transitions under SIGKILL: a `heimdall worker` (the catalog's jobs table as the queue,
// PostgreSQL) is killed at a random point of a training job — alone (its training process then
// notices and checkpoints) or with its whole process group (a machine lost) — and a second worker
// takes the job over after the lease. The job must end succeeded exactly once: one tracked run,
// continued, and one model version.
import { join } from 'node:path';
import { JobStore } from '../../../src/jobs/job-store.js';
import { openQueue } from '../../../src/jobs/open-queue.js';
import { type JobQueue, submitJob } from '../../../src/jobs/queue.js';
import { createDataset } from '../../../src/store/datasets.js';
import { importDirectory } from '../../../src/store/import.js';
import { openStore, type Store } from '../../../src/store/open.js';
import { tinyTrainConfig } from '../../pipeline/job-fixtures.js';
import { inspectHome, problemLines } from './check.js';
import { landedAt, runCli } from './cli.js';
import type { RoundResult } from './phases.js';
import { homeFrom, type World } from './world.js';

export interface JobsWorld {
  home: string;
  env: NodeJS.ProcessEnv;
  store: Store;
  jobs: JobStore;
  queue: JobQueue;
  epochs: number;
  /** ms from a worker's claim line to its exit, in an uninterrupted reference job. */
  spanMs: number;
  /** The reference worker's lines (what the landing steps are read from). */
  referenceLines: string[];
  close(): Promise<void>;
}

const CLAIM = /^job \d+: .*\(attempt/;
const STEPS: Array<[string, RegExp]> = [
  ['claimed', CLAIM],
  // "epoch N" of N: after training, in calibration, export or registration.
  ['epoch', /epoch (\d+\/\d+)/],
  ['done', /succeeded/],
];

/** A PostgreSQL schema of its own with the world's transmissions and dataset; undefined without PostgreSQL. */
export async function jobsWorld(w: World, o: { reference?: boolean } = {}): Promise<JobsWorld | undefined> {
  const url = process.env.DATABASE_URL;
  if (!url) return undefined;
  const schema = `heimdall_crash_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const home = homeFrom(undefined, join(w.root, 'home-jobs'));
  const env = { DATABASE_URL: url, HEIMDALL_PG_SCHEMA: schema, HEIMDALL_HOME: home, HEIMDALL_THREADS: '1', REDIS_URL: '' };
  const store = await openStore({ home, env });
  await importDirectory(w.simDir, { catalog: store.catalog, blobs: store.blobs, workers: 0 });
  await createDataset(store.catalog, { name: 'crash', split: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 });
  const jobs = new JobStore(store.catalog.db);
  const queue = openQueue(jobs, env);
  let spanMs = 0;
  let referenceLines: string[] = [];
  if (o.reference ?? true) {
    await submitJob(jobs, queue, { dataset: 'crash', config: tinyTrainConfig(w.epochs) } as never);
    const ref = await runCli(worker('reference', ['--max-jobs', '1']), { env });
    spanMs = ref.elapsedMs - (ref.lines.find((l) => CLAIM.test(l.text))?.t ?? 0);
    referenceLines = ref.lines.map((l) => `${l.t} ms ${l.text}`);
  }
  return {
    spanMs,
    referenceLines,
    home,
    env,
    store,
    jobs,
    queue,
    epochs: w.epochs,
    close: async () => {
      await queue.close();
      await store.catalog.db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await store.close();
    },
  };
}

const worker = (name: string, extra: string[] = []) => [
  'worker',
  '--lease',
  '2',
  '--poll',
  '1',
  '--retry-delay',
  '1',
  '--name',
  name,
  ...extra,
];

/** A seeded random kill point: half the rounds kill the worker alone, half its process group (its training process too). */
export const randomJobKill = (jw: JobsWorld, random: () => number, i: number) => ({
  anchor: CLAIM,
  delayMs: Math.round(random() * jw.spanMs),
  group: i % 2 === 1,
});

export async function jobsRound(
  jw: JobsWorld,
  i: number,
  point: { anchor: RegExp; delayMs: number; group: boolean },
): Promise<RoundResult> {
  const result: RoundResult = { phase: 'jobs', kills: [], problems: [], rerunCompleted: false, notes: [] };
  const job = await submitJob(jw.jobs, jw.queue, { dataset: 'crash', config: tinyTrainConfig(jw.epochs) } as never);
  const { group, delayMs } = point;
  const a = await runCli([...worker(`doomed-${i}`, ['--max-jobs', '1'])], {
    env: jw.env,
    killAfterLine: point.anchor,
    killAfterMs: delayMs,
    killGroup: group,
  });
  result.kills.push({
    delayMs,
    landed: `${landedAt(a, Number.POSITIVE_INFINITY, STEPS, 'waiting')}${group ? ' (group)' : ''}`,
    killed: a.killed,
  });
  const afterKill = await inspectHome(jw.home, jw.env);
  result.problems.push(...problemLines(afterKill.report).map((p) => `after the kill (${delayMs} ms): ${p}`));
  if ((await jw.jobs.get(job.id)).status !== 'succeeded') {
    const b = await runCli(worker(`heir-${i}`, ['--max-jobs', '1']), { env: jw.env, timeoutMs: 180_000 });
    if (b.code !== 0)
      result.problems.push(
        `heir exit ${b.code}: ${b.lines
          .slice(-3)
          .map((l) => l.text)
          .join(' | ')}`,
      );
  } else result.notes.push('the job had finished before the kill');
  const done = await jw.jobs.get(job.id);
  const state = await inspectHome(jw.home, jw.env);
  result.problems.push(...problemLines(state.report).map((p) => `after the takeover: ${p}`));
  const fail = (what: string) => result.problems.push(`job ${job.id}: ${what}`);
  if (done.status !== 'succeeded') fail(`ended ${done.status}: ${done.error}`);
  const versions = state.versions.filter((v) => v.runId === done.runId);
  if (versions.length !== 1) fail(`run ${done.runId} has ${versions.length} model versions`);
  const history = (await jw.jobs.metricHistory(job.id)).map((h) => h.epoch);
  if (history.join(',') !== Array.from({ length: jw.epochs }, (_, e) => e + 1).join(','))
    fail(`metric history epochs ${history.join(',')}`);
  const run = state.runs.find((r) => r.runId === done.runId);
  if (run?.status !== 'FINISHED') fail(`run ${done.runId} is ${run?.status}`);
  result.rerunCompleted = done.status === 'succeeded';
  return result;
}
