// Worker-thread entry: reads and encodes transmission sets for import (read-set.ts).
import { parentPort } from 'node:worker_threads';
import { readSet, type SetRef } from './read-set.js';

export interface ReadJob {
  id: number;
  set: SetRef;
  root: string;
  featureCacheDir?: string;
  /** Also compute the session hash an older store (.npy blobs) gave the set. */
  legacyHash?: boolean;
}

parentPort?.on('message', (job: ReadJob) => {
  try {
    const read = readSet(job.set, job.root, job.featureCacheDir, job.legacyHash ?? false);
    parentPort?.postMessage(
      { id: job.id, read },
      read.bytes.map((b) => b.buffer as ArrayBuffer),
    );
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: (err as Error).message });
  }
});
