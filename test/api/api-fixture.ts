// The API built as `heimdall serve` builds it (src/api/main.ts), on a fresh home folder and on the
// catalog a backend names: embedded PGlite, or PostgreSQL (DATABASE_URL) in a schema of its own,
// dropped on close. Tests that must hold on both catalogs loop over `catalogBackends`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { JobStore } from '../../src/jobs/job-store.js';
import { openQueue } from '../../src/jobs/open-queue.js';
import { registryResolver } from '../../src/pipeline/model-resolver.js';
import { openPostgres } from '../../src/store/db/postgres.js';
import { openStore, type Store } from '../../src/store/open.js';
import { TokenStore } from '../../src/store/tokens.js';
import { openTracker } from '../../src/track/open.js';
import type { Tracker } from '../../src/track/types.js';

const { DATABASE_URL, REDIS_URL: _redis, ...baseEnv } = process.env;
delete baseEnv.HEIMDALL_PG_SCHEMA;

export interface CatalogBackend {
  name: string;
  /** Why the backend's tests are skipped (an unset DATABASE_URL), or false. */
  skip: string | false;
  /** The environment openStore reads for this backend, in a fresh schema where it has one. */
  env(): NodeJS.ProcessEnv;
}

export const catalogBackends: CatalogBackend[] = [
  { name: 'PGlite', skip: false, env: () => ({ ...baseEnv }) },
  {
    name: 'PostgreSQL',
    skip: DATABASE_URL ? false : 'DATABASE_URL is not set',
    env: () => ({
      ...baseEnv,
      DATABASE_URL,
      HEIMDALL_PG_SCHEMA: `heimdall_api_${process.pid}_${randomBytes(4).toString('hex')}`,
    }),
  },
];

export interface ApiFixture {
  app: FastifyInstance;
  store: Store;
  tracker: Tracker;
  tokens: TokenStore;
  home: string;
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startApi(
  backend: CatalogBackend,
  o: { uploadLimit?: number; uploadTotalLimit?: number; bodyLimit?: number; home?: string } = {},
): Promise<ApiFixture> {
  const home = o.home ?? mkdtempSync(join(tmpdir(), 'heimdall-api-'));
  const env = backend.env();
  const store = await openStore({ home, env });
  const tracker = openTracker({ home, env });
  const tokens = new TokenStore(store.catalog.db);
  const jobs = new JobStore(store.catalog.db);
  const app = await buildApi({
    catalog: store.catalog,
    jobs,
    queue: openQueue(jobs, env),
    tokens,
    tracker,
    blobs: store.blobs,
    resolveModel: registryResolver({ home, env }),
    ...(o.uploadLimit !== undefined ? { uploadLimit: o.uploadLimit } : {}),
    ...(o.uploadTotalLimit !== undefined ? { uploadTotalLimit: o.uploadTotalLimit } : {}),
    ...(o.bodyLimit !== undefined ? { bodyLimit: o.bodyLimit } : {}),
    blobsReachable: async () => true,
    logger: false,
    eventPollMs: 20,
  });
  return {
    app,
    store,
    tracker,
    tokens,
    home,
    env,
    close: async () => {
      await app.close();
      await tracker.close();
      await store.close();
      if (env.HEIMDALL_PG_SCHEMA) {
        const admin = await openPostgres(env.DATABASE_URL as string);
        try {
          await admin.query(`DROP SCHEMA IF EXISTS "${env.HEIMDALL_PG_SCHEMA}" CASCADE`);
        } finally {
          await admin.close();
        }
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
