// Opens the data store for one command and closes it after. The store's modules (PGlite, pg, the
// S3 client) load on first use, not when the command tree is built (start-up time).
import type { Store } from '../store/open.js';

export async function withStore<T>(home: string | undefined, fn: (s: Store) => Promise<T>): Promise<T> {
  const { openStore } = await import('../store/open.js');
  const store = await openStore(home === undefined ? {} : { home });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
