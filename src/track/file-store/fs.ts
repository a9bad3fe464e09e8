// Small file helpers for the MLflow file store: atomic whole-file writes (meta.yaml, params,
// tags, aliases), single-write appends (metric lines) and an exclusive lock file.
import { appendFileSync, closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commitTemps, writeTemp } from '../../util/atomic-file.js';
import { readYaml, writeYaml, type YamlMap, type YamlValue } from '../yaml.js';

/**
 * Writes a whole file atomically: a temporary file in stagingDir renamed over the target. The
 * staging folder must be one MLflow does not list as key-value files: for a tag or param file
 * (<run>/tags/<key>) that is the run folder, where MLflow ignores loose files, so its UI never
 * sees a half-written value nor a temporary name. Not fsynced: a tracking store favours speed;
 * the rename still makes every write all-or-nothing.
 */
export function writeText(path: string, text: string, stagingDir = dirname(path)): void {
  const tmp = writeTemp(join(stagingDir, '.heimdall-write'), Buffer.from(text, 'utf8'), false);
  commitTemps([{ tmp, path }], false);
}

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function writeMeta(path: string, map: YamlMap): void {
  writeText(path, writeYaml(map));
}

export function readMeta(path: string): Record<string, YamlValue> | undefined {
  const text = readText(path);
  return text === undefined ? undefined : readYaml(text, path);
}

/**
 * Appends lines with one write(2) on an O_APPEND descriptor: the kernel places each write at the
 * end of the file atomically, so lines from concurrent writers (other runs, other processes)
 * never interleave inside a line on a local file system.
 */
export function appendLines(path: string, text: string): void {
  appendFileSync(path, text, { encoding: 'utf8', flag: 'a' });
}

export function subdirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Files under dir, as '/'-joined paths relative to it (metric, param and tag names may contain '/'). */
export function filesUnder(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...filesUnder(`${dir}/${e.name}`, rel));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * Runs fn holding an exclusive lock file (created with O_EXCL, which is atomic). A lock older
 * than staleMs belongs to a crashed holder and is broken. A file, not a folder: MLflow takes
 * every folder at the store's root for an experiment.
 */
export async function withLockFile<T>(path: string, fn: () => T | Promise<T>, staleMs = 30_000, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(path).mtimeMs > staleMs) rmSync(path, { force: true });
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`${path}: lock held for more than ${timeoutMs} ms`);
      await sleep(wait);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}
