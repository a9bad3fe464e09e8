// A blob store that counts its reads: tests that claim "no IQ was read" assert on the count.
import type { BlobStore } from '../../src/store/blobs/blob-store.js';

export function countingReads(blobs: BlobStore): { store: BlobStore; reads: () => number } {
  let n = 0;
  const store: BlobStore = new Proxy(blobs, {
    get(target, prop, receiver) {
      if (prop === 'get') {
        return (key: string, sha?: string) => {
          n++;
          return target.get(key, sha);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { store, reads: () => n };
}
