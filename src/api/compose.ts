// The API composed over an opened store and tracker, as `heimdall serve` runs it (main.ts): jobs and tokens on the
// store's catalog, the queue the environment names (REDIS_URL: BullMQ; else the catalog's own), models resolved
// from the registry under the store's home, readiness probing the blob store. ONE composition: the server, the
// API tests and the API fuzz target build it here, so what they exercise is what serves.
import type { FastifyInstance } from 'fastify';
import { JobStore } from '../jobs/job-store.js';
import { openQueue } from '../jobs/open-queue.js';
import type { JobQueue } from '../jobs/queue.js';
import { registryResolver } from '../pipeline/model-resolver.js';
import type { Store } from '../store/open.js';
import { TokenStore } from '../store/tokens.js';
import type { Tracker } from '../track/types.js';
import { type ApiDeps, buildApi } from './server.js';

/** What the composition opens besides the app; the caller closes the queue (then the tracker and store). */
export interface ComposedApi {
  app: FastifyInstance;
  jobs: JobStore;
  queue: JobQueue;
  tokens: TokenStore;
}

/** Options of buildApi a caller may set; the rest comes from the store, the tracker and `env`. */
export type ApiOverrides = Partial<
  Pick<ApiDeps, 'blobsReachable' | 'logger' | 'bodyLimit' | 'eventPollMs' | 'readyProbeMs' | 'uploadLimit' | 'uploadTotalLimit'>
>;

export async function composeApi(
  store: Store,
  tracker: Tracker,
  o: ApiOverrides & { env?: NodeJS.ProcessEnv } = {},
): Promise<ComposedApi> {
  const { env = process.env, ...overrides } = o;
  const jobs = new JobStore(store.catalog.db);
  const queue = openQueue(jobs, env);
  const tokens = new TokenStore(store.catalog.db);
  const app = await buildApi({
    catalog: store.catalog,
    jobs,
    queue,
    tokens,
    tracker,
    blobs: store.blobs,
    resolveModel: registryResolver({ home: store.home, env }),
    blobsReachable: () => store.blobs.has('heimdall-health/probe').then(() => true),
    ...overrides,
  });
  return { app, jobs, queue, tokens };
}
