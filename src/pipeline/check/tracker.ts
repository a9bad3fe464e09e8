// The MLflow file store as a reader finds it after a crash: every experiment and run folder has a
// meta.yaml that parses, every metric line has its three numeric fields (MLflow's reader fails on
// a torn line), artifacts at their final names are whole, and every registered model version is
// READY with its model file: the version's source artifact and the blob-store copy predict falls
// back on, both decoding as ONNX of that version.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOnnx } from '../../export/read.js';
import type { BlobStore } from '../../store/blobs/blob-store.js';
import { readYaml, type YamlValue } from '../../track/yaml.js';
import { modelBlobKey } from '../publish-model.js';
import { fileProblem, isTemporary, walk } from './files.js';
import { type CheckReport, count } from './problems.js';

const RESERVED = new Set(['.trash', 'models']);

function dirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

function meta(path: string): Record<string, YamlValue> | string {
  if (!existsSync(path)) return 'no meta.yaml';
  try {
    return readYaml(readFileSync(path, 'utf8'), path);
  } catch (err) {
    return (err as Error).message;
  }
}

export function checkRuns(root: string, r: CheckReport): void {
  for (const exp of dirs(root)) {
    if (RESERVED.has(exp)) continue;
    const expDir = join(root, exp);
    if (exp.startsWith('.')) {
      r.leftovers.push({ area: 'tracker', where: expDir, what: 'staging folder of an interrupted write' });
      continue;
    }
    const em = meta(join(expDir, 'meta.yaml'));
    if (typeof em === 'string') r.problems.push({ area: 'tracker', where: expDir, what: `experiment: ${em}` });
    for (const run of dirs(expDir)) {
      const dir = join(expDir, run);
      if (run.startsWith('.')) {
        r.leftovers.push({ area: 'tracker', where: dir, what: 'staging folder of an interrupted write' });
        continue;
      }
      count(r, 'runs');
      const m = meta(join(dir, 'meta.yaml'));
      if (typeof m === 'string') {
        r.problems.push({ area: 'tracker', where: dir, what: `run: ${m}` });
        continue;
      }
      if (m.run_id !== run) r.problems.push({ area: 'tracker', where: dir, what: `meta.yaml names run ${String(m.run_id)}` });
      for (const f of walk(join(dir, 'metrics'))) {
        count(r, 'metric files');
        const lines = readFileSync(f, 'utf8').split('\n');
        if (lines.at(-1) !== '') r.problems.push({ area: 'tracker', where: f, what: 'last line has no newline (torn append)' });
        for (const [i, line] of lines.entries()) {
          if (line === '') continue;
          const fields = line.split(' ');
          if (fields.length !== 3 || fields.some((x) => x === '' || Number.isNaN(Number(x))))
            r.problems.push({
              area: 'tracker',
              where: `${f}:${i + 1}`,
              what: `not "<timestamp> <value> <step>": ${JSON.stringify(line)}`,
            });
        }
      }
      for (const f of [...walk(join(dir, 'params')), ...walk(join(dir, 'tags')), ...walk(join(dir, 'artifacts'))]) {
        if (isTemporary(basename(f))) {
          r.leftovers.push({ area: 'tracker', where: f, what: 'temporary file of an interrupted write' });
          continue;
        }
        count(r, 'run files');
        const p = fileProblem(f);
        if (p !== undefined) r.problems.push({ area: 'tracker', where: f, what: p });
      }
      for (const f of readdirSync(dir)) {
        if (isTemporary(f))
          r.leftovers.push({ area: 'tracker', where: join(dir, f), what: 'temporary file of an interrupted write' });
      }
    }
  }
}

export async function checkRegistry(root: string, blobs: BlobStore, r: CheckReport): Promise<Map<string, string[]>> {
  /** run id → "name vN" of the versions registered from it. */
  const byRun = new Map<string, string[]>();
  const models = join(root, 'models');
  for (const name of dirs(models)) {
    const dir = join(models, name);
    const mm = meta(join(dir, 'meta.yaml'));
    if (typeof mm === 'string') {
      r.problems.push({ area: 'registry', where: dir, what: `registered model: ${mm}` });
      continue;
    }
    for (const v of dirs(dir)) {
      if (!/^version-\d+$/.test(v)) continue;
      const vdir = join(dir, v);
      const vm = meta(join(vdir, 'meta.yaml'));
      if (typeof vm === 'string') {
        // The version number was claimed (mkdir) but its meta never written: readers skip it.
        r.leftovers.push({ area: 'registry', where: vdir, what: `claimed version without meta.yaml (${vm}); not listed` });
        continue;
      }
      const version = String(vm.version);
      const where = `${name} v${version}`;
      count(r, 'model versions');
      byRun.set(String(vm.run_id), [...(byRun.get(String(vm.run_id)) ?? []), where]);
      if (vm.status !== 'READY') r.problems.push({ area: 'registry', where, what: `status ${String(vm.status)}` });
      const source = String(vm.source);
      if (source.startsWith('file:')) {
        const path = fileURLToPath(source);
        if (!existsSync(path)) r.problems.push({ area: 'registry', where, what: `source ${path} does not exist` });
        else if (path.endsWith('.onnx')) modelProblem(readFileSync(path), path, version, where, r);
      }
      if (source.endsWith('.onnx')) {
        const key = modelBlobKey(name, version);
        if (!(await blobs.has(key))) r.problems.push({ area: 'registry', where, what: `no model blob ${key}` });
        else modelProblem(await blobs.get(key), `${blobs.location}/${key}`, version, where, r);
      }
    }
  }
  return byRun;
}

function modelProblem(bytes: Uint8Array, file: string, version: string, where: string, r: CheckReport): void {
  try {
    const got = parseOnnx(bytes, file).metadata.modelVersion;
    if (got !== version) r.problems.push({ area: 'registry', where, what: `${file} says version ${got}` });
  } catch (err) {
    r.problems.push({ area: 'registry', where, what: (err as Error).message });
  }
}
