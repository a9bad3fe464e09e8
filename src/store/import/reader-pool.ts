// Reads sets for import in worker threads, so reading, hashing and the features behind the
// catalog's scalars use every core while the calling thread writes blobs and catalog rows.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type ReadSet, readSet, type SetRef } from './read-set.js';
import type { ReadJob } from './read-worker.js';

interface Pending {
  resolve: (r: ReadSet) => void;
  reject: (e: Error) => void;
}

export class SetReaderPool {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  #next = 0;

  /** `workers`: threads (default: every core; 0 reads on the calling thread). */
  constructor(
    readonly root: string,
    readonly o: { workers?: number; featureCacheDir?: string; legacyHash?: boolean } = {},
  ) {
    const count = o.workers ?? availableParallelism();
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL('./read-worker.js', import.meta.url));
      w.on('message', (m: { id: number; read?: ReadSet; error?: string }) => {
        const p = this.#pending.get(m.id);
        if (p === undefined) return;
        this.#pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.read as ReadSet);
      });
      w.on('error', (err) => {
        for (const p of this.#pending.values()) p.reject(new Error(`import reader failed: ${err.message}`));
        this.#pending.clear();
      });
      this.#workers.push(w);
    }
  }

  read(set: SetRef): Promise<ReadSet> {
    if (this.#workers.length === 0)
      return Promise.resolve().then(() => readSet(set, this.root, this.o.featureCacheDir, this.o.legacyHash ?? false));
    const id = this.#next++;
    const worker = this.#workers[id % this.#workers.length] as Worker;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({
        id,
        set: { label: set.label, files: set.files },
        root: this.root,
        ...(this.o.featureCacheDir === undefined ? {} : { featureCacheDir: this.o.featureCacheDir }),
        legacyHash: this.o.legacyHash ?? false,
      } satisfies ReadJob);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#workers.length = 0;
  }
}
