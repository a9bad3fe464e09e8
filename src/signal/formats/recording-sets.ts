// Which files make one transmission: the one discovery and grouping behind `heimdall import`, `predict` and `inspect`.
//
// - A `.sigmf-collection` is one transmission: its streams, in `core:streams` order.
// - Every other recording (a loose one: `.sigmf-meta`, `.npy` + sidecar, KiwiSDR `.wav`), whether named as an argument
//   or found in a folder (searched recursively, hidden folders skipped), is grouped with the others by what its
//   metadata says, not by the folder it sits in:
//   - KiwiSDR WAVs by their file name's `<YYYYMMDDTHHMMSSZ>_<freq Hz>` prefix: kiwirecorder names the files of one
//     recording started on several receivers with the same host time and frequency;
//   - SigMF and .npy recordings by time: those on one centre frequency whose spans [start, start + duration] overlap
//     (directly or through others) are one transmission.
// - Ambiguities are reported, never resolved silently:
//   - one receiver twice in a group: the group is skipped (which recording belongs to it cannot be told);
//   - a group whose spans overlap only in a chain (no instant common to all): kept, with a warning;
//   - groups on one frequency kept apart although their spans overlap (KiwiSDR names with different times, KiwiSDR
//     beside another format): a warning naming both;
//   - a SigMF/.npy recording without a start time, when there are other recordings: a transmission of its own, with
//     a warning.
// - A path, file or collection that cannot be read is skipped with the reason; everything else is still grouped.
//   Only metadata is read here; samples are read by a set's load().
import { readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { Recording, RecordingProbe } from '../recording.js';
import { readSigmfCollection, readSigmfCollectionIndex } from '../sigmf/read.js';
import { probeRecording, readRecording } from './index.js';

/** A transmission's recordings, read. */
export interface LoadedRecordingSet {
  /** Where the set came from, for output and error messages (see RecordingSet.label). */
  label: string;
  recordings: Recording[];
  /** Collection extras (e.g. a simulation's heimdall:truth); empty for loose recordings. */
  extra: Record<string, unknown>;
}

/** One transmission found on disk, not read yet. */
export interface RecordingSet {
  /**
   * The collection file; for loose recordings the file when there is one, the folder when they are all of its loose
   * recordings, `<folder>/<YYYYMMDDTHHMMSSZ>_<freq Hz>_*` for KiwiSDR WAVs, else `<first file> (+N more)`.
   */
  label: string;
  /** The collection file, or the recording files (`.sigmf-meta`, `.npy`, `.wav`) in name order. */
  files: string[];
  /** Reads the samples; throws a RecordingError naming the file that cannot be read. */
  load: () => LoadedRecordingSet;
}

export interface SkippedPath {
  path: string;
  reason: string;
}

export interface RecordingSetDiscovery {
  sets: RecordingSet[];
  /** Paths, files, collections and groups left out, with the reason. */
  skipped: SkippedPath[];
  /** Groupings that were decided but may not be what was meant, naming the files. */
  warnings: string[];
}

const COLLECTION = '.sigmf-collection';
const LOOSE = new Set(['.sigmf-meta', '.npy', '.wav']);
const SUPPORTED = `${COLLECTION}, .sigmf-meta, .sigmf-data, .npy, .wav`;

/** An error's message without a leading "<path>: " (the skipped entry names the path already). */
function reasonOf(err: unknown, path: string): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.startsWith(`${path}: `) ? m.slice(path.length + 2) : m;
}

/** Collections and loose recordings under the paths, each once, in the order found. */
function gather(paths: string[], skipped: SkippedPath[]): { collections: string[]; loose: string[] } {
  const seen = new Set<string>();
  const collections: string[] = [];
  const loose: string[] = [];
  const add = (p: string, list: string[]) => {
    const key = resolve(p);
    if (seen.has(key)) return;
    seen.add(key);
    list.push(p);
  };
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) walk(p);
      } else if (e.isFile()) {
        const ext = extname(e.name).toLowerCase();
        if (ext === COLLECTION) add(p, collections);
        else if (LOOSE.has(ext)) add(p, loose);
      }
    }
  };
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      skipped.push({ path: p, reason: code === 'ENOENT' ? 'not found (ENOENT)' : `cannot read (${code ?? reasonOf(err, p)})` });
      continue;
    }
    if (isDir) {
      const before = collections.length + loose.length;
      try {
        walk(p);
      } catch (err) {
        skipped.push({ path: p, reason: `cannot list the folder (${(err as NodeJS.ErrnoException).code ?? reasonOf(err, p)})` });
        continue;
      }
      if (collections.length + loose.length === before)
        skipped.push({ path: p, reason: `no recordings found (expected ${SUPPORTED} files)` });
      continue;
    }
    const ext = extname(p).toLowerCase();
    if (ext === COLLECTION) add(p, collections);
    else if (ext === '.sigmf-data') add(`${p.slice(0, -'.sigmf-data'.length)}.sigmf-meta`, loose);
    else if (LOOSE.has(ext)) add(p, loose);
    else
      skipped.push({
        path: p,
        reason: `${ext === '' ? 'no file extension' : `unsupported file type '${ext}'`}; supported: ${SUPPORTED}`,
      });
  }
  return { collections, loose };
}

const endNs = (p: RecordingProbe): bigint => (p.startUnixNs as bigint) + BigInt(Math.max(1, Math.round(p.durationS * 1e9)));
const names = (ps: RecordingProbe[]): string => ps.map((p) => p.path).join(', ');
const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

function addTo<K>(map: Map<K, RecordingProbe[]>, key: K, p: RecordingProbe): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [p]);
  else list.push(p);
}

/** KiwiSDR WAVs by file-name prefix; SigMF/.npy by overlapping spans per frequency; untimed ones alone. */
function group(probes: RecordingProbe[], warnings: string[]): RecordingProbe[][] {
  const groups: RecordingProbe[][] = [];
  const kiwi = new Map<string, RecordingProbe[]>();
  const timed = new Map<number, RecordingProbe[]>();
  for (const p of probes) {
    if (p.nameKey !== undefined) addTo(kiwi, p.nameKey, p);
    else if (p.startUnixNs !== null) addTo(timed, p.centerFreqHz, p);
    else {
      if (probes.length > 1) {
        warnings.push(
          `${p.path}: its metadata gives no start time, so it cannot be matched to other recordings; taken as a transmission of its own`,
        );
      }
      groups.push([p]);
    }
  }
  groups.push(...kiwi.values());
  for (const list of timed.values()) {
    list.sort((a, b) => ((a.startUnixNs as bigint) < (b.startUnixNs as bigint) ? -1 : 1));
    let current: RecordingProbe[] = [];
    let currentEnd = 0n;
    for (const p of list) {
      if (current.length > 0 && (p.startUnixNs as bigint) < currentEnd) {
        current.push(p);
        if (endNs(p) > currentEnd) currentEnd = endNs(p);
      } else {
        if (current.length > 0) groups.push(current);
        current = [p];
        currentEnd = endNs(p);
      }
    }
    if (current.length > 0) groups.push(current);
  }
  return groups.map((g) => g.sort(byPath));
}

/** The time span of a group of timed recordings, or null when one has no start. */
function spanOf(g: RecordingProbe[]): { start: bigint; end: bigint } | null {
  if (g.some((p) => p.startUnixNs === null)) return null;
  let start = g[0]?.startUnixNs as bigint;
  let end = endNs(g[0] as RecordingProbe);
  for (const p of g) {
    if ((p.startUnixNs as bigint) < start) start = p.startUnixNs as bigint;
    if (endNs(p) > end) end = endNs(p);
  }
  return { start, end };
}

/** Warnings for groups whose spans overlap though they were kept apart, and for chains inside a group. */
function checkOverlaps(groups: RecordingProbe[][], warnings: string[]): void {
  for (const g of groups) {
    if (g.length < 2 || g[0]?.nameKey !== undefined) continue;
    const latestStart = g.reduce(
      (m, p) => ((p.startUnixNs as bigint) > m ? (p.startUnixNs as bigint) : m),
      g[0]?.startUnixNs as bigint,
    );
    const earliestEnd = g.reduce((m, p) => (endNs(p) < m ? endNs(p) : m), endNs(g[0] as RecordingProbe));
    if (latestStart >= earliestEnd) {
      warnings.push(
        `${names(g)}: their time spans overlap only one after another, with no instant common to all; taken as one transmission`,
      );
    }
  }
  const spans = groups
    .map((g) => ({ g, span: spanOf(g) }))
    .filter((x): x is { g: RecordingProbe[]; span: { start: bigint; end: bigint } } => x.span !== null)
    .sort((a, b) => (a.span.start < b.span.start ? -1 : a.span.start > b.span.start ? 1 : 0));
  for (let i = 0; i < spans.length; i++) {
    const a = spans[i] as (typeof spans)[number];
    for (let j = i + 1; j < spans.length && (spans[j]?.span.start as bigint) < a.span.end; j++) {
      const b = spans[j] as (typeof spans)[number];
      const [pa, pb] = [a.g[0] as RecordingProbe, b.g[0] as RecordingProbe];
      // Different frequencies are different transmissions: nothing ambiguous.
      if (pa.centerFreqHz !== pb.centerFreqHz) continue;
      const why =
        pa.nameKey !== undefined && pb.nameKey !== undefined
          ? `their KiwiSDR file names give different start times (${pa.nameKey.slice(0, 16)}, ${pb.nameKey.slice(0, 16)})`
          : 'KiwiSDR WAVs are grouped by their file names only, apart from other formats';
      warnings.push(`${names(a.g)} and ${names(b.g)} overlap in time but are kept as separate transmissions: ${why}`);
    }
  }
}

/** The set's label: see RecordingSet.label. */
function labelOf(g: RecordingProbe[], looseByDir: Map<string, number>): string {
  const first = g[0]?.path as string;
  if (g.length === 1) return first;
  const dir = dirname(first);
  const oneDir = g.every((p) => dirname(p.path) === dir);
  if (oneDir && looseByDir.get(resolve(dir)) === g.length) return dir;
  if (oneDir && g[0]?.nameKey !== undefined) return join(dir, `${g[0].nameKey}_*`);
  return `${first} (+${g.length - 1} more)`;
}

function looseSet(label: string, files: string[]): RecordingSet {
  return { label, files, load: () => ({ label, recordings: files.map((f) => readRecording(f)), extra: {} }) };
}

function collectionSet(path: string): RecordingSet {
  return {
    label: path,
    files: [path],
    load: () => {
      const c = readSigmfCollection(path);
      return { label: path, recordings: c.recordings, extra: c.extra };
    },
  };
}

/**
 * The set discovery found, rebuilt from its label and files (e.g. in a worker thread, which cannot
 * receive the load closure): a lone collection file is a collection, anything else loose recordings.
 */
export function recordingSetOf(label: string, files: string[]): RecordingSet {
  const only = files[0];
  return files.length === 1 && only !== undefined && only.endsWith(COLLECTION) ? collectionSet(only) : looseSet(label, files);
}

/**
 * The transmissions named by `paths` (files and/or folders): see the file comment for the rules. Sets are in the
 * order of their first file's path.
 */
export function discoverRecordingSets(paths: string[]): RecordingSetDiscovery {
  const skipped: SkippedPath[] = [];
  const warnings: string[] = [];
  const { collections, loose } = gather(paths, skipped);
  const sets: RecordingSet[] = [];
  const claimed = new Set<string>();
  const badCollections: string[] = [];
  for (const c of collections) {
    try {
      for (const s of readSigmfCollectionIndex(c).streams) claimed.add(resolve(s.metaPath));
      sets.push(collectionSet(c));
    } catch (err) {
      skipped.push({ path: c, reason: reasonOf(err, c) });
      badCollections.push(c);
    }
  }
  const unclaimed = loose.filter((f) => !claimed.has(resolve(f)));
  for (const c of badCollections) {
    const beside = unclaimed.filter(
      (f) => dirname(resolve(f)) === dirname(resolve(c)) && f.toLowerCase().endsWith('.sigmf-meta'),
    );
    if (beside.length > 0) {
      warnings.push(
        `${c} was skipped, so the SigMF recordings beside it (${beside.join(', ')}) are grouped by their times instead`,
      );
    }
  }
  const looseByDir = new Map<string, number>();
  for (const f of unclaimed) looseByDir.set(dirname(resolve(f)), (looseByDir.get(dirname(resolve(f))) ?? 0) + 1);
  const probes: RecordingProbe[] = [];
  for (const f of unclaimed) {
    try {
      probes.push({ ...probeRecording(f), path: f });
    } catch (err) {
      skipped.push({ path: f, reason: reasonOf(err, f) });
    }
  }
  const groups = group(probes, warnings);
  checkOverlaps(groups, warnings);
  for (const g of groups) {
    const files = g.map((p) => p.path);
    const label = labelOf(g, looseByDir);
    const twice = [...new Set(g.map((p) => p.receiverId))].filter((id) => g.filter((p) => p.receiverId === id).length > 1);
    if (twice.length > 0) {
      const which = twice.map((id) => `'${id}' in ${names(g.filter((p) => p.receiverId === id))}`).join('; ');
      skipped.push({
        path: label,
        reason: `one receiver appears more than once among recordings of one time (${which}); which belongs to the transmission cannot be told, so its ${files.length} files (${files.join(', ')}) are skipped`,
      });
      continue;
    }
    sets.push(looseSet(label, files));
  }
  sets.sort((a, b) => byPath({ path: a.files[0] as string }, { path: b.files[0] as string }));
  return { sets, skipped, warnings };
}
