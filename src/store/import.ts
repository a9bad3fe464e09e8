// `heimdall import`: registers recordings in the catalog and stores their IQ in the blob store.
//
// Transmission sets are found by signal/formats/recording-sets.ts (a SigMF collection, or loose
// recordings grouped by time: the same grouping predict and inspect use). Each set becomes one session:
// its IQ goes to heimdall-raw-iq/sessions/<session hash>/<receiver>.<ci16_le|cf32_le> (int16 when
// lossless, else float32: iq-blob.ts; content-addressed, so blobs are written before the catalog
// row without ever orphaning a reference), then the session and its measurements are inserted in
// ONE transaction. A SigMF dataset file that already holds a blob's exact bytes (the simulator's
// ci16_le output) is handed to BlobStore.putFile, which a local store on the same file system
// satisfies with a hard link: the IQ is on disk once. Re-importing the same content is a no-op
// (session content hash, or the hash an older store's .npy blobs gave it); a corrupt file or collection, or an ambiguous group, is reported by name and
// skipped, the rest imported.
//
// Sets are read in worker threads (import/read-set.ts) while this thread writes blobs and rows;
// rows are inserted one set at a time in listing order, so session ids do not depend on timing.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { discoverRecordingSets, type RecordingSet } from '../signal/formats/recording-sets.js';
import type { BlobStore } from './blobs/blob-store.js';
import { type Catalog, DuplicateSessionError } from './catalog/catalog.js';
import type { ReadSet } from './import/read-set.js';
import { SetReaderPool } from './import/reader-pool.js';

export { RAW_IQ_BUCKET } from './import/read-set.js';

export interface ImportReport {
  imported: number;
  /** Sets whose content is already in the catalog. */
  duplicates: number;
  /** Files, collections and sets that were skipped, with the reason. */
  failed: { path: string; error: string }[];
  /** Groupings that may not be what was meant (see recording-sets.ts), naming the files. */
  warnings: string[];
  /** The sessions imported now. */
  sessionIds: number[];
  /** Every set of the folder that is in the catalog now (imported or a duplicate), in listing order. */
  sets: { path: string; sessionId: number }[];
}

export interface ImportOptions {
  catalog: Catalog;
  blobs: BlobStore;
  onProgress?: (done: number, total: number, path: string) => void;
  /**
   * The store's feature cache: the features behind the catalog's scalars are kept there under
   * each blob's content key, so training on the default features does not extract them again.
   */
  featureCacheDir?: string;
  /** Threads reading sets (default: every core; 0 reads on this thread). */
  workers?: number;
}

/**
 * Sets read ahead of the one being catalogued: the workers' reading and the disk flushes of the
 * blob writes (one fsync per blob and per folder) overlap the catalog inserts.
 */
const SETS_IN_FLIGHT = 8;

/**
 * A set's blobs written, or the id of the session that already holds its content (then nothing
 * is written).
 */
async function storeBlobs(read: ReadSet, catalog: Catalog, blobs: BlobStore): Promise<ReadSet | number> {
  const existing = await existingSession(read, catalog);
  if (existing !== null) return existing;
  await Promise.all(read.measurements.map((m, i) => storeBlob(blobs, m.blobKey as string, read, i)));
  return read;
}

/** The session already holding a set's content: by its hash, or by the hash an older store gave it. */
async function existingSession(read: ReadSet, catalog: Catalog): Promise<number | null> {
  const current = await catalog.findSessionByHash(read.session.contentHash);
  if (current !== null) return current.id;
  if (read.legacyContentHash === null) return null;
  return (await catalog.findSessionByHash(read.legacyContentHash))?.id ?? null;
}

/**
 * One blob: taken in place from its source file when the reader found one, else written from the
 * bytes read. Any failure of the in-place path (the file changed since it was read, a store that
 * cannot link or read it) falls back to the bytes, which are what the catalog's hash describes.
 */
async function storeBlob(blobs: BlobStore, key: string, read: ReadSet, i: number): Promise<void> {
  const source = read.inPlace[i];
  const contentHash = read.measurements[i]?.contentHash as string;
  if (source !== null && source !== undefined) {
    try {
      await blobs.putFile(key, source, { expectedSha256: contentHash });
      return;
    } catch {
      // fall through: write the bytes
    }
  }
  await blobs.put(key, read.bytes[i] as Uint8Array);
}

/**
 * Catalogues a set whose blobs are stored (blobs first, so no row ever points at a missing blob).
 * The same content read twice in one import is a duplicate the second time.
 */
async function catalogue(stored: ReadSet | number, catalog: Catalog): Promise<{ sessionId: number; duplicate: boolean }> {
  if (typeof stored === 'number') return { sessionId: stored, duplicate: true };
  // Checked again here, where sets are catalogued one at a time in listing order: a copy read
  // while the original was in flight is found now, before an insert whose conflict would still
  // use up a session id (ids must not depend on timing).
  const existing = await existingSession(stored, catalog);
  if (existing !== null) return { sessionId: existing, duplicate: true };
  try {
    const { sessionId } = await catalog.insertSession(stored.session, stored.measurements);
    return { sessionId, duplicate: false };
  } catch (err) {
    if (err instanceof DuplicateSessionError) return { sessionId: err.existingSessionId, duplicate: true };
    throw err;
  }
}

/** Imports every transmission under `dir` (recursively); sources are recorded relative to it. */
export async function importDirectory(dir: string, o: ImportOptions): Promise<ImportReport> {
  if (!statSync(dir).isDirectory()) throw new Error(`import: ${dir} is not a folder`);
  const found = discoverRecordingSets([dir]);
  const sets = found.sets;
  const report: ImportReport = {
    imported: 0,
    duplicates: 0,
    failed: found.skipped.map((s) => ({ path: s.path, error: s.reason })),
    warnings: found.warnings,
    sessionIds: [],
    sets: [],
  };
  // Only a store holding .npy blobs (written before int16) needs the hash those would have had.
  const legacyHash = await o.catalog.hasBlobFormat('npy-cf32');
  const readers = new SetReaderPool(dir, {
    legacyHash,
    ...(o.workers === undefined ? {} : { workers: Math.min(o.workers, sets.length) }),
    ...(o.featureCacheDir === undefined ? {} : { featureCacheDir: o.featureCacheDir }),
  });
  const pending: { set: RecordingSet; stored: Promise<ReadSet | number> }[] = [];
  let done = 0;
  const commitOldest = async () => {
    const { set, stored } = pending.shift() as (typeof pending)[number];
    try {
      const { sessionId, duplicate } = await catalogue(await stored, o.catalog);
      report.sets.push({ path: set.label, sessionId });
      if (duplicate) report.duplicates++;
      else {
        report.imported++;
        report.sessionIds.push(sessionId);
      }
    } catch (err) {
      report.failed.push({ path: set.label, error: (err as Error).message });
    }
    o.onProgress?.(++done, sets.length, set.label);
  };
  try {
    for (const set of sets) {
      const stored = readers.read(set).then((read) => storeBlobs(read, o.catalog, o.blobs));
      stored.catch(() => {}); // its error is reported when the set is catalogued
      pending.push({ set, stored });
      if (pending.length >= SETS_IN_FLIGHT) await commitOldest();
    }
    while (pending.length > 0) await commitOldest();
  } finally {
    // Interrupted (onProgress threw): the writes already started finish before import returns,
    // so nothing writes into the blob store after it has given up.
    await Promise.all(pending.map((p) => p.stored.catch(() => {})));
    await readers.close();
  }
  await importScenario(dir, o.catalog, report);
  return report;
}

/**
 * A simulation folder's scenario.json (written by the simulator) goes to the catalog under the
 * scenario's name, so an evaluation of its sessions knows the model they were drawn from. A
 * folder without one is fine; an unreadable one is a warning, not a failed import.
 */
async function importScenario(dir: string, catalog: Catalog, report: ImportReport): Promise<void> {
  const path = join(dir, 'scenario.json');
  if (!existsSync(path)) return;
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { scenario?: { name?: unknown } };
    const scenario = doc.scenario;
    if (scenario === undefined || scenario === null || typeof scenario.name !== 'string')
      throw new Error('no scenario object with a name');
    await catalog.putScenario(scenario.name, scenario as Record<string, unknown>);
  } catch (err) {
    report.warnings.push(`${path}: scenario not recorded (${(err as Error).message})`);
  }
}
