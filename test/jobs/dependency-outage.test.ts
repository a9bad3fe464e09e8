// The job queues while their dependencies stop and come back, on private servers this test starts
// and stops (never the machine's shared PostgreSQL or Redis): a catalog-queue worker waits out a
// stopped PostgreSQL instead of stopping, and a job posted after the restart runs; a catalog
// error during the outage is transient (the API answers it with 503); BullMQ's queue puts back a
// running job whose worker vanished (lease expired, nothing in Redis), and, when Redis restarts
// empty, the job it lost runs at once rather than at the next 30 s reconciliation.
// Needs the PostgreSQL server binaries (/usr/lib/postgresql/*/bin) and redis-server: skipped
// without them, except under CI=true, where their absence fails the run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CatalogQueue } from '../../src/jobs/catalog-queue.js';
import { type Job, JobStore } from '../../src/jobs/job-store.js';
import type { JobOutcome } from '../../src/jobs/queue.js';
import { RedisQueue } from '../../src/jobs/redis-queue.js';
import { DEFAULT_RETRY, isTransient } from '../../src/jobs/retry.js';
import { Catalog } from '../../src/store/catalog/catalog.js';
import { openPostgres } from '../../src/store/db/index.js';
import type { SqlDatabase } from '../../src/store/sql.js';
import { type PrivatePostgres, postgresBinDir, startPrivatePostgres } from '../services/private-postgres.js';
import { type PrivateRedis, redisAvailable, startPrivateRedis } from '../services/private-redis.js';

const missing = [postgresBinDir() === undefined ? 'PostgreSQL server binaries' : '', redisAvailable() ? '' : 'redis-server']
  .filter((m) => m !== '')
  .join(' and ');
const skip = missing !== '' && !process.env.CI ? `needs ${missing} (private instances are started here)` : false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | undefined>, limitMs: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() - t0 > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
    await sleep(100);
  }
}

describe('queues while a dependency is down', { skip }, () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let db: SqlDatabase;
  let jobs: JobStore;
  before(async () => {
    assert.equal(missing, '', `under CI the outage tests must run: install ${missing}`);
    pg = await startPrivatePostgres();
    redis = await startPrivateRedis();
    db = await openPostgres(pg.url);
    await Catalog.open(db);
    jobs = new JobStore(db);
  });
  after(async () => {
    await db?.close().catch(() => {});
    await redis?.destroy();
    pg?.destroy();
  });

  const succeed = async (): Promise<JobOutcome> => ({ kind: 'succeeded', model: null });

  test('a catalog-queue worker waits out a stopped PostgreSQL; a job posted after the restart runs', async () => {
    const queue = new CatalogQueue(jobs, { inProcess: false });
    const stop = new AbortController();
    const ran: number[] = [];
    const log: string[] = [];
    const consuming = queue.consume({
      worker: 'w',
      leaseMs: 5_000,
      pollMs: 200,
      concurrency: 1,
      retry: DEFAULT_RETRY,
      signal: stop.signal,
      log: (l) => log.push(l),
      work: async (job: Job) => {
        ran.push(job.id);
        return succeed();
      },
    });
    let stopped = false;
    void consuming.catch(() => {
      stopped = true;
    });
    const a = await jobs.submit('train', { dataset: 'd' });
    await until('job a ran', async () => (ran.includes(a.id) ? true : undefined), 5_000);
    pg.stop();
    const during = await db.query('SELECT 1').then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(during !== undefined && isTransient(during), `a query while PostgreSQL is down is transient: ${String(during)}`);
    await sleep(1_500); // the worker's claims fail meanwhile
    pg.start();
    assert.equal(stopped, false, 'the worker kept going');
    const b = await until('posting after the restart', () => jobs.submit('train', { dataset: 'd' }), 10_000);
    await until('job b ran', async () => (ran.includes(b.id) ? true : undefined), 15_000);
    assert.equal((await jobs.get(b.id)).status, 'succeeded');
    assert.ok(
      log.some((l) => /claiming a job: .*trying again until the catalog answers/.test(l)),
      log.join('\n'),
    );
    stop.abort();
    await consuming;
  });

  test('BullMQ: an orphaned running job is put back; a job lost with Redis’s keys runs once Redis is back', async () => {
    const queue = new RedisQueue(jobs, redis.url, `outage-${process.pid}`);
    // A job a vanished worker was running: its lease ran out and Redis holds nothing for it.
    const orphan = await jobs.submit('train', { dataset: 'orphan' });
    await jobs.take(orphan.id, 'vanished', 1);
    await sleep(50);
    const ran: number[] = [];
    let release: () => void = () => {};
    const blocker = new Promise<void>((r) => {
      release = r;
    });
    const stop = new AbortController();
    const consuming = queue.consume({
      worker: 'w2',
      leaseMs: 5_000,
      pollMs: 200,
      concurrency: 1,
      retry: DEFAULT_RETRY,
      signal: stop.signal,
      log: () => {},
      work: async (job: Job) => {
        ran.push(job.id);
        if ((job.request as { dataset: string }).dataset === 'blocker') await blocker;
        return succeed();
      },
    });
    await until('the orphan ran', async () => (ran.includes(orphan.id) ? true : undefined), 10_000);
    assert.equal((await jobs.get(orphan.id)).attempts, 2, 'taken over once');

    // The worker busy with one job while another waits in Redis; Redis dies and comes back empty.
    const busy = await jobs.submit('train', { dataset: 'blocker' });
    await queue.enqueue(busy);
    await until('the blocker started', async () => (ran.includes(busy.id) ? true : undefined), 10_000);
    const waiting = await jobs.submit('train', { dataset: 'lost-with-redis' });
    await queue.enqueue(waiting);
    await redis.stop();
    await sleep(500);
    redis.start();
    release();
    const t0 = Date.now();
    await until('the lost job ran', async () => (ran.includes(waiting.id) ? true : undefined), 20_000);
    assert.ok(Date.now() - t0 < 20_000);
    assert.equal((await jobs.get(busy.id)).status, 'succeeded');
    await until(
      'the lost job succeeded',
      async () => ((await jobs.get(waiting.id)).status === 'succeeded' ? true : undefined),
      5_000,
    );
    stop.abort();
    await consuming;
    await queue.close();
  });
});
