// Crash-safe file writing, shared by every writer (safetensors, SigMF, .npy): write a temporary
// file in the target's folder, fsync it, rename it over the target, fsync the folder. A reader
// sees the old file or the whole new one; a failure removes the temporary and leaves the old
// file untouched. Writers of several related files (SigMF data + meta) stage all temporaries
// first and rename them last.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes chunks to a temporary file next to `path` and returns its name (removed on failure).
 * `durable` fsyncs it; bulk writers that make a whole folder visible by one rename skip that.
 */
export function writeTemp(path: string, chunks: Uint8Array | Uint8Array[], durable = true): string {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const bytes of Array.isArray(chunks) ? chunks : [chunks]) {
      let off = 0;
      while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    }
    if (durable) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  return tmp;
}

/** fsyncs a folder so a rename in it survives a crash (best effort: some filesystems refuse). */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // The rename itself is still atomic.
  }
}

/** Renames staged temporaries over their targets, then syncs their folders; removes them on failure. */
export function commitTemps(pairs: { tmp: string; path: string }[], durable = true): void {
  try {
    for (const p of pairs) renameSync(p.tmp, p.path);
  } catch (err) {
    for (const p of pairs) rmSync(p.tmp, { force: true });
    throw err;
  }
  if (durable) for (const dir of new Set(pairs.map((p) => dirname(p.path)))) syncDir(dir);
}

/** writeTemp + commitTemps for a single file. */
export function writeFileAtomic(path: string, chunks: Uint8Array | Uint8Array[], durable = true): void {
  commitTemps([{ tmp: writeTemp(path, chunks, durable), path }], durable);
}
