// bench/api: the training service under load, on the real PostgreSQL and Redis. `heimdall serve`
// (its own process) and two `heimdall worker` processes on BullMQ; 50 small training jobs posted
// at once; every job must end `succeeded` after exactly one attempt, with its own tracked run and
// one model version each (none lost, none run twice). Reports jobs per minute, and the latency of
// GET /api/v1/jobs/{id} under a bounded loopback load (autocannon, fixed request rate) while the
// workers train, against the same load on the same server while they are idle (the reference,
// same run, same request). Median and spread of the rounds, p50 and p95 of every request.
// Usage: npm run bench:api -- [--jobs 50] [--rounds 3] [--seconds 5] [--rate 200] [--connections 4]
//   needs DATABASE_URL and REDIS_URL (defaults: postgres://root@127.0.0.1:5432/test, redis://127.0.0.1:6379)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { JobStore } from '../../src/jobs/job-store.js';
import { openStore } from '../../src/store/open.js';
import { TokenStore } from '../../src/store/tokens.js';
import { openTracker } from '../../src/track/open.js';
import { simulatedDataset, smallScenario, tinyTrainConfig } from '../../test/pipeline/job-fixtures.js';
import { formatSpread, loadLine, ratioSpread, spread } from '../stats.js';

// autocannon ships no type declarations; this is the part of its API used here.
type Instance = NodeJS.EventEmitter & { stop(): void };
const autocannon = createRequire(import.meta.url)('autocannon') as (
  o: { url: string; connections: number; overallRate: number; duration: number; headers: Record<string, string> },
  done: (err: Error | null, result: { errors: number; non2xx: number; requests: { total: number } }) => void,
) => Instance;

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    rate: { type: 'string', default: '200' },
    connections: { type: 'string', default: '4' },
  },
});
const nJobs = Number(values.jobs);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const connections = Number(values.connections);
const main = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const tag = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const home = mkdtempSync(join(tmpdir(), 'heimdall-bench-api-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  HEIMDALL_PG_SCHEMA: `heimdall_bench_api_${tag}`,
  HEIMDALL_HOME: home,
  HEIMDALL_THREADS: '1',
};
const config = tinyTrainConfig(2);

function start(
  args: string[],
  ready?: RegExp,
): Promise<{ child: ChildProcess; out: () => string; match: RegExpExecArray | null }> {
  const child = spawn(process.execPath, [main, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  if (ready === undefined) return Promise.resolve({ child, out: () => out, match: null });
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      const m = ready.exec(out);
      if (m) {
        clearInterval(t);
        resolve({ child, out: () => out, match: m });
      }
    }, 50);
    child.on('exit', (code) => {
      clearInterval(t);
      reject(new Error(`heimdall ${args[0]} exited with ${code}: ${out}`));
    });
  });
}

/** One round of fixed-rate GETs; the response time of every request (ms). */
function load(url: string, token: string): Promise<{ times: number[]; errors: number }> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    const inst = autocannon(
      { url, connections, overallRate: rate, duration: seconds, headers: { authorization: `Bearer ${token}` } },
      (err, r) => (err ? reject(err) : resolve({ times, errors: r.errors + r.non2xx })),
    );
    inst.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => times.push(ms));
  });
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

const children: ChildProcess[] = [];
const store = await openStore({ home, env });
try {
  const jobs = new JobStore(store.catalog.db);
  await simulatedDataset(store, { name: 'bench', scenario: smallScenario('bench-api'), seed: 2, samples: 30 });
  const token = await new TokenStore(store.catalog.db).create('bench', 'write');

  const serve = await start(['serve', '--port', '0', '--workers', '0'], /heimdall API on (http:\/\/\S+) /);
  children.push(serve.child);
  const base = serve.match?.[1] as string;
  for (const name of ['w1', 'w2']) children.push((await start(['worker', '--name', name, '--poll', '1'])).child);
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = async () => {
    const r = await fetch(`${base}/api/v1/jobs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ kind: 'train', dataset: 'bench', config }),
    });
    if (r.status !== 201) throw new Error(`POST /api/v1/jobs: ${r.status} ${await r.text()}`);
    return ((await r.json()) as { id: number }).id;
  };
  const finished = async (ids: number[]) => {
    const all = await Promise.all(ids.map((id) => jobs.get(id)));
    return all.every((j) => ['succeeded', 'failed', 'cancelled'].includes(j.status));
  };
  const waitFor = async (ids: number[]) => {
    while (!(await finished(ids))) await new Promise((r) => setTimeout(r, 250));
  };

  // Warm-up: one job through the whole path (both workers have connected by its end).
  const warm = await post();
  await waitFor([warm]);
  const tracker = openTracker({ home, env });
  const versionsBefore = (await tracker.listModelVersions('localization')).length;
  console.log(
    `bench/api: ${nJobs} jobs (${config.trainer.maxEpochs} epochs on 18 transmissions each), 2 workers on BullMQ, ${rounds} rounds of ${seconds} s at ${rate} req/s over ${connections} connections; ${loadLine(loadavg(), availableParallelism())}`,
  );

  const idle: { p50: number[]; p95: number[] } = { p50: [], p95: [] };
  const busy: { p50: number[]; p95: number[] } = { p50: [], p95: [] };
  let errors = 0;
  const target = `${base}/api/v1/jobs/${warm}`;
  for (let r = 0; r < rounds; r++) {
    const x = await load(target, token);
    errors += x.errors;
    idle.p50.push(percentile(x.times, 50));
    idle.p95.push(percentile(x.times, 95));
  }

  const t0 = performance.now();
  const ids = await Promise.all(Array.from({ length: nJobs }, post));
  const submitS = (performance.now() - t0) / 1000;
  for (let r = 0; r < rounds; r++) {
    const x = await load(target, token);
    errors += x.errors;
    busy.p50.push(percentile(x.times, 50));
    busy.p95.push(percentile(x.times, 95));
  }
  const busyAtEnd = !(await finished(ids));
  await waitFor(ids);
  const makespanS = (performance.now() - t0) / 1000;

  // Accounting: every job succeeded once, each with its own run and model version.
  const done = await Promise.all(ids.map((id) => jobs.get(id)));
  const problems: string[] = [];
  for (const j of done) {
    if (j.status !== 'succeeded') problems.push(`job ${j.id} ${j.status}: ${j.error}`);
    if (j.attempts !== 1) problems.push(`job ${j.id} took ${j.attempts} attempts`);
  }
  const runs = new Set(done.map((j) => j.runId));
  if (runs.size !== nJobs) problems.push(`${runs.size} distinct runs for ${nJobs} jobs`);
  const versions = (await tracker.listModelVersions('localization')).length - versionsBefore;
  if (versions !== nJobs) problems.push(`${versions} model versions for ${nJobs} jobs`);
  const byWorker = new Map<string, number>();
  for (const j of done) byWorker.set(j.worker ?? '?', (byWorker.get(j.worker ?? '?') ?? 0) + 1);
  await tracker.close();

  const f = (xs: number[]) => formatSpread(spread(xs), 1);
  console.log(
    `jobs: ${nJobs} posted in ${submitS.toFixed(2)} s, all finished in ${makespanS.toFixed(1)} s = ${((60 * nJobs) / makespanS).toFixed(1)} jobs/min; by worker ${[...byWorker].map(([w, n]) => `${w} ${n}`).join(', ')}`,
  );
  console.log(
    `accounting: ${problems.length === 0 ? `all ${nJobs} succeeded after 1 attempt, ${runs.size} distinct runs, ${versions} model versions (none lost, none run twice)` : problems.join('; ')}`,
  );
  console.log(
    `GET /api/v1/jobs/{id} idle   p50 ${f(idle.p50)} ms  p95 ${f(idle.p95)} ms\nGET /api/v1/jobs/{id} busy   p50 ${f(busy.p50)} ms  p95 ${f(busy.p95)} ms${busyAtEnd ? '' : '  (note: the jobs ended before the last round)'}\nbusy/idle    p50 ${formatSpread(ratioSpread(busy.p50, idle.p50))}×  p95 ${formatSpread(ratioSpread(busy.p95, idle.p95))}×   request errors ${errors}`,
  );
  if (problems.length > 0) process.exitCode = 1;
} finally {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))));
  await store.catalog.db.query(`DROP SCHEMA IF EXISTS ${env.HEIMDALL_PG_SCHEMA} CASCADE`).catch(() => {});
  await store.close();
  rmSync(home, { recursive: true, force: true });
}
