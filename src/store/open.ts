// The composition root of the data store: builds the catalog, the blob store and the feature
// cache from configuration (environment and a home folder). The CLI and the pipelines call this
// once and pass the parts down; nothing else reads the environment.
import { join, resolve } from 'node:path';
import type { BlobStore } from './blobs/blob-store.js';
import { blobStoreFromEnv } from './blobs/index.js';
import { Catalog } from './catalog/catalog.js';
import { openDatabase } from './db/index.js';
import { openIpcDatabase } from './db/ipc.js';

export interface Store {
  home: string;
  catalog: Catalog;
  blobs: BlobStore;
  /** Folder of the feature cache. */
  featureCacheDir: string;
  close(): Promise<void>;
}

/**
 * HEIMDALL_HOME (default ./.heimdall) holds the embedded catalog (PGlite, `catalog/`), the local
 * blob store (`blobs/`) and the feature cache (`features/`). DATABASE_URL switches the catalog to
 * PostgreSQL (HEIMDALL_CATALOG_IPC=1: the parent process's catalog, for a job's child process); HEIMDALL_BLOBS / HEIMDALL_S3_* switch the blobs to S3 (see blobs/index.ts).
 */
export async function openStore(o: { home?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Store> {
  const env = o.env ?? process.env;
  const home = resolve(o.home ?? env.HEIMDALL_HOME ?? '.heimdall');
  // HEIMDALL_PG_SCHEMA keeps several catalogs in one PostgreSQL database (tests, staging).
  const schema = env.HEIMDALL_PG_SCHEMA;
  // A job's child process of the embedded service reaches the catalog through its parent (db/ipc.ts).
  const db =
    env.HEIMDALL_CATALOG_IPC === '1'
      ? openIpcDatabase()
      : await openDatabase({ url: env.DATABASE_URL, dir: join(home, 'catalog'), ...(schema ? { schema } : {}) });
  const catalog = await Catalog.open(db);
  const blobs = blobStoreFromEnv(env, join(home, 'blobs'));
  return { home, catalog, blobs, featureCacheDir: join(home, 'features'), close: () => db.close() };
}
