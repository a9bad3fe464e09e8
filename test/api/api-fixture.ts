// The API composed as `heimdall serve` composes it (src/api/compose.ts), on a fresh home folder and on the
// catalog a backend names: embedded PGlite, or PostgreSQL (DATABASE_URL) in a schema of its own,
// dropped on close. Tests that must hold on both catalogs loop over `catalogBackends`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { composeApi } from '../../src/api/compose.js';
import { openPostgres } from '../../src/store/db/postgres.js';
import { openStore, type Store } from '../../src/store/open.js';
import type { TokenStore } from '../../src/store/tokens.js';
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
  const { app, tokens } = await composeApi(store, tracker, {
    env,
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
