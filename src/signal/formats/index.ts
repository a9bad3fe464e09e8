// One entry point for every recording format, chosen by file extension, and a folder lister.
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { type Recording, RecordingError } from '../recording.js';
import { readSigmfCollectionIndex, readSigmfRecording } from '../sigmf/read.js';
import { readKiwiWav } from './kiwi-wav.js';
import { readNpyRecording } from './npy.js';

export { npySidecarPath, readNpyRecording, writeNpyRecording } from './npy.js';

const READERS: Record<string, (path: string) => Recording> = {
  '.sigmf-meta': readSigmfRecording,
  '.sigmf-data': readSigmfRecording,
  '.npy': readNpyRecording,
  '.wav': readKiwiWav,
};

/** Supported single-recording extensions, for messages. */
export const RECORDING_EXTENSIONS = Object.keys(READERS);

/** Reads one recording, choosing the reader by extension (case-insensitive). */
export function readRecording(path: string): Recording {
  const ext = extname(path).toLowerCase();
  const reader = READERS[ext];
  if (reader !== undefined) return reader(path);
  if (ext === '.sigmf-collection') {
    throw new RecordingError(path, 'is a SigMF collection (several recordings); read it with readSigmfCollection');
  }
  const what = ext === '' ? 'no file extension' : `unsupported file type '${ext}'`;
  throw new RecordingError(path, `${what}; supported: ${RECORDING_EXTENSIONS.join(', ')}`);
}

export interface RecordingSets {
  /** Each `.sigmf-collection` in the folder with the `.sigmf-meta` paths of its streams, in `core:streams` order. */
  collections: { path: string; recordings: string[] }[];
  /** Recordings not listed by any collection of the folder: `.sigmf-meta`, `.npy` and `.wav` files. */
  loose: string[];
}

const LOOSE_EXTENSIONS = new Set(['.sigmf-meta', '.npy', '.wav']);

/**
 * Lists the transmission sets in `dir` (not recursive), without reading samples: every collection with its
 * recordings, then the loose recording files. Both sorted by name. A malformed collection throws a RecordingError.
 */
export function findRecordingSets(dir: string): RecordingSets {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
  const listed = new Set<string>();
  const collections = names
    .filter((n) => n.toLowerCase().endsWith('.sigmf-collection'))
    .map((n) => {
      const path = join(dir, n);
      const recordings = readSigmfCollectionIndex(path).streams.map((s) => s.metaPath);
      for (const r of recordings) listed.add(r);
      return { path, recordings };
    });
  const loose = names
    .filter((n) => LOOSE_EXTENSIONS.has(extname(n).toLowerCase()))
    .map((n) => join(dir, n))
    .filter((p) => !listed.has(p));
  return { collections, loose };
}
