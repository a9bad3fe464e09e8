// Training jobs on PostgreSQL with real worker processes (`heimdall worker`), over both shared
// queues: the catalog's own jobs table, and BullMQ on a real Redis with the blobs in a real
// S3-protocol server (s3rver). The job store's claims, leases and cancel rules; a job run to a
// registered model with its per-epoch history; an invalid configuration failed without retries;
// a running job cancelled (run KILLED, nothing registered); a training process killed by the
// system, retried after the policy's delay; a worker SIGKILLed mid-training, whose job a second
// worker resumes from the run's last checkpoint — one run, one model version; a job posted over
// HTTP to `heimdall serve`, its Server-Sent Events followed to a registered model; a worker
// stopped with SIGTERM, whose job goes back to the queue.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSafetensors } from '../../src/engine/safetensors.js';
import { type Job, JobConflictError, JobNotFoundError, JobStore } from '../../src/jobs/job-store.js';
import { openQueue } from '../../src/jobs/open-queue.js';
import { type JobQueue, submitJob } from '../../src/jobs/queue.js';
import { openStore, type Store } from '../../src/store/open.js';
import { TokenStore } from '../../src/store/tokens.js';
import { openTracker } from '../../src/track/open.js';
import { type RunningS3, startS3rver } from '../store/s3rver.js';
import { simulatedDataset, smallScenario, tinyTrainConfig } from './job-fixtures.js';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const url = process.env.DATABASE_URL;
// .ci/run sets HEIMDALL_TEST_REDIS_URL; under CI a missing Redis fails the run instead of skipping.
const redisUrl = process.env.HEIMDALL_TEST_REDIS_URL;
const tiny = tinyTrainConfig;

/** A `heimdall worker` process; its stdout lines are collected. */
function startWorker(
  env: NodeJS.ProcessEnv,
  name: string,
  extra: string[] = [],
): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [main, 'worker', '--lease', '2', '--poll', '1', '--name', name, ...extra], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let err = '';
  child.stdout?.on('data', (d: Buffer) =>
    lines.push(
      ...d
        .toString()
        .split('\n')
        .filter((l) => l !== ''),
    ),
  );
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) console.error(`worker ${name} stderr:\n${err}`);
      resolve(code);
    }),
  );
  return { child, lines, exited };
}

/** The pids of a process's children (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // stat: "pid (comm) state ppid …" — comm may hold spaces, so parse after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function suite(queueKind: 'catalog' | 'redis'): void {
  const tag = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const schema = `heimdall_jobs_${queueKind}_${tag}`;
  const home = mkdtempSync(join(tmpdir(), 'heimdall-jobs-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url ?? '',
    HEIMDALL_PG_SCHEMA: schema,
    HEIMDALL_HOME: home,
    HEIMDALL_THREADS: '1',
    REDIS_URL: queueKind === 'redis' ? (redisUrl ?? '') : '',
  };
  let store: Store;
  let jobs: JobStore;
  let queue: JobQueue;
  let s3: RunningS3 | undefined;
  const submit = (request: Job['request']) => submitJob(jobs, queue, request);
  const worker = (name: string, extra: string[] = []) => startWorker(env, name, extra);
  const skip = !url
    ? 'DATABASE_URL is not set'
    : queueKind === 'redis' && !redisUrl
      ? process.env.CI
        ? false // fails in before(): CI must test the production queue
        : 'HEIMDALL_TEST_REDIS_URL is not set'
      : false;

  describe(
    `jobs on PostgreSQL with worker processes, ${queueKind === 'redis' ? 'BullMQ on Redis and blobs in S3' : 'the catalog as the queue'}`,
    { skip },
    () => {
      before(async () => {
        assert.ok(queueKind === 'catalog' || redisUrl, 'HEIMDALL_TEST_REDIS_URL must be set under CI (.ci/run sets it)');
        if (queueKind === 'redis') {
          s3 = await startS3rver();
          Object.assign(env, {
            HEIMDALL_S3_ENDPOINT: s3.endpoint,
            HEIMDALL_S3_BUCKET_PREFIX: `jobs-${tag.replace('_', '-')}-`,
            AWS_ACCESS_KEY_ID: 'S3RVER',
            AWS_SECRET_ACCESS_KEY: 'S3RVER',
            HEIMDALL_QUEUE: `heimdall-test-${tag}`,
          });
        }
        store = await openStore({ home, env });
        jobs = new JobStore(store.catalog.db);
        queue = openQueue(jobs, env);
        assert.equal(queue.kind, queueKind);
        await simulatedDataset(store, { name: 'jobs', scenario: smallScenario('jobs-test'), seed: 2, samples: 30 });
      });
      after(async () => {
        await queue?.close();
        if (store !== undefined) {
          await store.catalog.db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await store.close();
        }
        await s3?.close();
        rmSync(home, { recursive: true, force: true });
      });

      test(
        'the job store: claims never overlap, a lost lease is taken over, cancel rules, pages newest first',
        { skip: queueKind !== 'catalog' && 'the store is the same over any queue' },
        async () => {
          const a = await jobs.submit('train', { dataset: 'nope' });
          const b = await jobs.submit('train', { dataset: 'nope' });
          const [x, y, z] = await Promise.all([jobs.claim('w1', 60_000), jobs.claim('w2', 60_000), jobs.claim('w3', 60_000)]);
          const claimed = [x, y, z].filter((j): j is Job => j !== undefined).map((j) => j.id);
          assert.deepEqual(claimed.sort(), [a.id, b.id].sort());
          const holder = [x, y, z].find((j) => j?.id === a.id)?.worker as string;
          assert.deepEqual(await jobs.renew(a.id, holder, 60_000), { held: true, cancelRequested: false });
          assert.deepEqual(await jobs.renew(a.id, 'someone-else', 60_000), { held: false, cancelRequested: false });
          // A lease that ran out: the next claim takes the job over (attempt 2).
          await store.catalog.db.query(`UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1`, [a.id]);
          const taken = await jobs.claim('w4', 60_000);
          assert.deepEqual([taken?.id, taken?.attempts, taken?.worker], [a.id, 2, 'w4']);
          assert.equal((await jobs.renew(a.id, holder, 60_000)).held, false); // the old holder must stop
          assert.equal(await jobs.finish(a.id, holder, 'succeeded'), false); // and cannot finish it
          assert.equal(await jobs.finish(a.id, 'w4', 'failed', { error: 'boom' }), true);
          await assert.rejects(
            jobs.cancel(a.id),
            (e: Error) => e instanceof JobConflictError && /failed already/.test(e.message),
          );
          await assert.rejects(jobs.cancel(999_999), JobNotFoundError);
          const c = await jobs.submit('train', { dataset: 'nope' });
          assert.equal((await jobs.cancel(c.id)).status, 'cancelled'); // queued: at once
          const bHolder = [x, y, z].find((j) => j?.id === b.id)?.worker as string;
          assert.equal((await jobs.cancel(b.id)).status, 'running'); // running: requested
          assert.deepEqual(await jobs.renew(b.id, bHolder, 60_000), { held: true, cancelRequested: true });
          await jobs.finish(b.id, bHolder, 'cancelled');
          const page1 = await jobs.list({ limit: 2 });
          assert.deepEqual(
            page1.map((j) => j.id),
            [c.id, b.id],
          );
          assert.deepEqual(
            (await jobs.list({ limit: 2, before: b.id })).map((j) => j.id),
            [a.id],
          );
          assert.deepEqual(
            (await jobs.list({ status: 'cancelled' })).map((j) => j.id),
            [c.id, b.id],
          );
          assert.deepEqual(await jobs.countByStatus(), { queued: 0, running: 0, succeeded: 0, failed: 1, cancelled: 2 });
        },
      );

      test('a worker runs a job to a registered model, with its run and per-epoch history in the catalog', async () => {
        const job = await submit({ dataset: 'jobs@1', config: tiny(2) });
        const w = worker('one', ['--max-jobs', '1']);
        assert.equal(await w.exited, 0);
        const done = await jobs.get(job.id);
        assert.equal(done.status, 'succeeded', JSON.stringify(done));
        assert.equal(done.progress, 1);
        assert.equal(done.epoch, 2);
        assert.ok(done.runId !== null && done.model !== null);
        assert.deepEqual(
          (await jobs.metricHistory(job.id)).map((h) => h.epoch),
          [1, 2],
        );
        const tracker = openTracker({ home, env });
        assert.equal((await tracker.getRun(done.runId as string)).info.status, 'FINISHED');
        const versions = await tracker.listModelVersions(done.model?.name as string);
        await tracker.close();
        assert.ok(versions.some((v) => v.version === done.model?.version && v.runId === done.runId));
        // A job with an invalid configuration fails with the field named, without retries.
        const bad = await submit({ dataset: 'jobs', config: { optimizer: { lr: -1 } } });
        const w2 = worker('two', ['--max-jobs', '1']);
        assert.equal(await w2.exited, 0);
        const failed = await jobs.get(bad.id);
        assert.equal(failed.status, 'failed');
        assert.match(failed.error ?? '', /optimizer\.lr/);
        assert.equal(failed.attempts, 1);
      });

      test('cancelling a running job stops it at the next batch: cancelled, run KILLED, nothing registered', async () => {
        const tracker = openTracker({ home, env });
        const before = (await tracker.listModelVersions('localization').catch(() => [])).length;
        const job = await submit({ dataset: 'jobs', config: tiny(200) });
        const w = worker('canceller', ['--max-jobs', '1']);
        await until('epoch 1', async () => ((await jobs.get(job.id)).epoch ?? 0) >= 1);
        await jobs.cancel(job.id);
        assert.equal(await w.exited, 0);
        const done = await jobs.get(job.id);
        assert.equal(done.status, 'cancelled', JSON.stringify(done));
        assert.ok((done.epoch ?? 0) < 200);
        assert.equal((await tracker.getRun(done.runId as string)).info.status, 'KILLED');
        assert.equal((await tracker.listModelVersions('localization')).length, before);
        await tracker.close();
      });

      test('a training process killed by the system is retried after the delay and resumes its run; the job succeeds', async () => {
        const job = await submit({ dataset: 'jobs', config: tiny(30) });
        const w = worker('retrier', ['--max-jobs', '2', '--retry-delay', '1']);
        await until('epoch 2', async () => ((await jobs.get(job.id)).epoch ?? 0) >= 2);
        const runId = (await jobs.get(job.id)).runId;
        const children = childrenOf(w.child.pid as number);
        assert.equal(children.length, 1, `the worker has one training process (found ${children.length})`);
        process.kill(children[0] as number, 'SIGKILL');
        await until('the retry to be scheduled', async () => (await jobs.get(job.id)).status === 'queued');
        const waiting = await jobs.get(job.id);
        assert.match(
          waiting.error ?? '',
          /^attempt 1 of 3 failed: the training process was killed \(SIGKILL\); retrying in 1\.0 s$/,
        );
        assert.ok(waiting.availableAt !== null);
        assert.equal(await w.exited, 0);
        const done = await jobs.get(job.id);
        assert.deepEqual([done.status, done.attempts, done.runId, done.error], ['succeeded', 2, runId, null]);
        assert.ok(w.lines.some((l) => l.includes(`resuming run ${runId}`)));
      });

      test('a worker SIGKILLed mid-training: another takes the job over and resumes the run from its last checkpoint', async () => {
        const tracker = openTracker({ home, env });
        const before = (await tracker.listModelVersions('localization')).length;
        const job = await submit({ dataset: 'jobs', config: tiny(40) });
        const a = worker('doomed');
        await until('epoch 2', async () => ((await jobs.get(job.id)).epoch ?? 0) >= 2);
        a.child.kill('SIGKILL');
        await a.exited;
        const lastByA = Math.max(
          ...a.lines.filter((l) => / epoch \d+\//.test(l)).map((l) => Number(/ epoch (\d+)\//.exec(l)?.[1])),
        );
        const runId = (await jobs.get(job.id)).runId as string;
        // A's training process notices its worker is gone at the next batch: it saves the last
        // checkpoint and ends the run KILLED. Where that checkpoint is, is where the heir must restart.
        await until(
          'the orphaned training process to checkpoint',
          async () => (await tracker.getRun(runId)).info.status === 'KILLED',
        );
        const last = loadSafetensors(join(home, 'runs', 'jobs-v1', `run-${runId}`, 'last.safetensors'));
        for (const t of last.tensors.values()) t.dispose();
        const saved = JSON.parse(last.metadata.trainer as string) as { epoch: number };
        const b = worker('heir', ['--max-jobs', '1']);
        assert.equal(await b.exited, 0);
        const done = await jobs.get(job.id);
        assert.equal(done.status, 'succeeded', JSON.stringify(done));
        assert.equal(done.attempts, 2);
        assert.equal(done.runId, runId); // the same tracked run, continued
        assert.ok(b.lines.some((l) => l.includes(`resuming run ${runId}`)));
        // The heir restarted where the checkpoint was (at or after A's last reported epoch), not at 1.
        const trained = / epoch (\d+)\/\d+ {2}val_nll/;
        const firstByB = Number(trained.exec(b.lines.find((l) => trained.test(l)) ?? '')?.[1]);
        assert.ok(b.lines.some((l) => l.includes(`epoch ${saved.epoch}/40 (restored from the checkpoint)`)));
        assert.equal(firstByB, saved.epoch + 1);
        assert.ok(lastByA >= 2 && firstByB > lastByA, `A reported epoch ${lastByA}, B started at ${firstByB}`);
        assert.deepEqual(
          (await jobs.metricHistory(job.id)).map((h) => h.epoch),
          Array.from({ length: 40 }, (_, i) => i + 1),
        );
        assert.equal((await tracker.getRun(runId as string)).info.status, 'FINISHED');
        assert.equal((await tracker.listModelVersions('localization')).length, before + 1); // one model version
        await tracker.close();
      });

      test('over HTTP: a job posted to `heimdall serve` is run by a worker, its events streamed to a registered model', async () => {
        const token = await new TokenStore(store.catalog.db).create(`http-${queueKind}`, 'write');
        const serve = spawn(process.execPath, [main, 'serve', '--port', '0', '--workers', '0'], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        serve.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
        });
        serve.stderr?.on('data', (d: Buffer) => {
          out += d.toString();
        });
        const serveExited = new Promise((resolve) => serve.on('exit', resolve));
        const w = worker('http', ['--max-jobs', '1']);
        try {
          await until('serve to listen', async () => /heimdall API on http:\/\/\S+ /.test(out), 30_000);
          const base = /heimdall API on (http:\/\/\S+) /.exec(out)?.[1] as string;
          const auth = { authorization: `Bearer ${token}` };
          const ready = (await (await fetch(`${base}/readyz`)).json()) as { checks: Record<string, string> };
          assert.deepEqual(ready.checks, { catalog: 'ok', queue: 'ok', blobs: 'ok' });
          const created = await fetch(`${base}/api/v1/jobs`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({ kind: 'train', dataset: 'jobs', config: tiny(3) }),
          });
          assert.equal(created.status, 201);
          const { id } = (await created.json()) as { id: number };
          const text = await (await fetch(`${base}/api/v1/jobs/${id}/events`, { headers: auth })).text();
          const events = text
            .split('\n\n')
            .filter((e) => e.startsWith('event: '))
            .map((e) => ({ event: e.split('\n')[0]?.slice(7), data: JSON.parse(e.split('\n')[1]?.slice(6) ?? 'null') }));
          assert.deepEqual(
            events.filter((e) => e.event === 'metrics').map((e) => e.data.epoch),
            [1, 2, 3],
          );
          const last = events.at(-1)?.data as { status: string; model: { name: string; version: string } | null };
          assert.equal(last.status, 'succeeded', JSON.stringify(last));
          assert.equal(await w.exited, 0);
          const tracker = openTracker({ home, env });
          const version = await tracker.getModelVersion(last.model?.name as string, last.model?.version as string);
          await tracker.close();
          assert.equal(version.runId, (await jobs.get(id)).runId);
          const metrics = await (await fetch(`${base}/metrics`, { headers: auth })).text();
          assert.match(metrics, new RegExp(`^heimdall_queue_depth\\{queue="${queueKind}"\\} 0$`, 'm'));
        } finally {
          serve.kill('SIGTERM');
          await serveExited;
        }
      });

      test('a worker stopped with SIGTERM puts its job back in the queue; the next worker resumes the same run', async () => {
        const job = await submit({ dataset: 'jobs', config: tiny(40) });
        const a = worker('stopping');
        await until('epoch 1', async () => ((await jobs.get(job.id)).epoch ?? 0) >= 1);
        a.child.kill('SIGTERM');
        assert.equal(await a.exited, 0);
        const queued = await jobs.get(job.id);
        assert.equal(queued.status, 'queued');
        assert.ok(queued.runId !== null);
        assert.ok(a.lines.some((l) => l.includes('back in the queue')));
        const b = worker('next', ['--max-jobs', '1']);
        assert.equal(await b.exited, 0);
        const done = await jobs.get(job.id);
        assert.deepEqual([done.status, done.runId, done.attempts], ['succeeded', queued.runId, 2]);
      });
    },
  );
}

suite('catalog');
suite('redis');
