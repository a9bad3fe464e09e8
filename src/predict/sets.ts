// The transmissions named on a command line or by a library caller: a SigMF collection is one
// transmission; a folder holds its collections plus, taken together, its loose recordings
// (.npy + sidecar, KiwiSDR WAVs, single SigMF files), and its sub-folders are searched too
// (the simulator writes one folder per transmission); a single recording file is a set of one.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findRecordingSets, readRecording } from '../signal/formats/index.js';
import type { Recording } from '../signal/recording.js';
import { readSigmfCollection } from '../signal/sigmf/read.js';

export interface RecordingSet {
  /** Where the set came from (collection file or folder), for output and error messages. */
  label: string;
  recordings: Recording[];
  /** Collection extras (e.g. a simulation's heimdall:truth), when the set is a collection. */
  extra?: Record<string, unknown>;
}

/** Lists the sets under `path` without reading samples; `load` reads one. */
export function listRecordingSets(path: string): { label: string; load: () => RecordingSet }[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new Error(`${path}: not found`);
  }
  const collection = (p: string) => () => {
    const c = readSigmfCollection(p);
    return { label: p, recordings: c.recordings, extra: c.extra };
  };
  if (!isDir) {
    if (path.toLowerCase().endsWith('.sigmf-collection')) return [{ label: path, load: collection(path) }];
    return [{ label: path, load: () => ({ label: path, recordings: [readRecording(path)] }) }];
  }
  const out: { label: string; load: () => RecordingSet }[] = [];
  const walk = (dir: string) => {
    const found = findRecordingSets(dir);
    for (const c of found.collections) out.push({ label: c.path, load: collection(c.path) });
    if (found.loose.length > 0) {
      out.push({ label: dir, load: () => ({ label: dir, recordings: found.loose.map((f) => readRecording(f)) }) });
    }
    const subdirs = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    for (const d of subdirs) walk(join(dir, d));
  };
  walk(path);
  if (out.length === 0)
    throw new Error(`${path}: no recordings found (expected .sigmf-collection, .sigmf-meta, .npy or .wav files)`);
  return out;
}

/** Reads every set named by `paths`, in order. */
export function loadRecordingSets(paths: string[]): RecordingSet[] {
  return paths.flatMap((p) => listRecordingSets(p).map((s) => s.load()));
}
