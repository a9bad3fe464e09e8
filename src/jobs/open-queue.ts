// Picks the job queue from configuration: REDIS_URL → BullMQ on Redis; otherwise the catalog's
// own jobs table — shared by processes on PostgreSQL, in-process on the embedded catalog.
import { CatalogQueue } from './catalog-queue.js';
import type { JobStore } from './job-store.js';
import type { JobQueue } from './queue.js';
import { RedisQueue } from './redis-queue.js';

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * The BullMQ queue is named after the catalog it feeds (HEIMDALL_QUEUE overrides): two catalogs
 * on one Redis (a PostgreSQL schema each, say) never see each other's jobs.
 */
export function queueName(env: NodeJS.ProcessEnv): string {
  const name = env.HEIMDALL_QUEUE ?? (env.HEIMDALL_PG_SCHEMA ? `heimdall-${env.HEIMDALL_PG_SCHEMA}` : 'heimdall');
  if (!QUEUE_NAME.test(name)) throw new RangeError(`HEIMDALL_QUEUE '${name}': use letters, digits, '-' and '_' (at most 100)`);
  return name;
}

export function openQueue(jobs: JobStore, env: NodeJS.ProcessEnv = process.env): JobQueue {
  const url = env.REDIS_URL;
  if (url !== undefined && url !== '') return new RedisQueue(jobs, url, queueName(env));
  return new CatalogQueue(jobs, { inProcess: jobs.db.location.startsWith('pglite:') });
}
