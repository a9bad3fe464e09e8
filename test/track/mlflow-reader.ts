// An independent reader of MLflow's file-store layout, written for the tests from MLflow's
// format (mlflow/store/tracking/file_store.py, mlflow/store/model_registry/file_store.py) and
// deliberately sharing no code with src/track: if the writer drifts from the format, these
// reads fail instead of agreeing with the writer's own parser.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

/** A PyYAML-style block mapping reader, enough for meta.yaml: scalars, [], {}, one nested level. */
export function parseMetaYaml(text: string): Record<string, Value> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const out: Record<string, Value> = {};
  let i = 0;
  const scalar = (raw: string): Value => {
    const t = raw.trim();
    if (t === 'null' || t === '~' || t === '') return null;
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === '[]') return [];
    if (t === '{}') return {};
    if (/^'.*'$/.test(t)) return t.slice(1, -1).split("''").join("'");
    if (/^".*"$/.test(t)) return JSON.parse(t) as string;
    if (/^-?\d+$/.test(t)) return Number.parseInt(t, 10);
    if (/^-?\d*\.\d+(e[-+]?\d+)?$/i.test(t)) return Number.parseFloat(t);
    return t;
  };
  while (i < lines.length) {
    const line = lines[i] as string;
    const colon = line.indexOf(': ');
    const bare = line.endsWith(':') && colon < 0;
    const key = bare ? line.slice(0, -1) : line.slice(0, colon);
    if (line.startsWith(' ') || (!bare && colon < 0)) throw new Error(`unexpected line '${line}'`);
    i++;
    if (bare) {
      const nested: string[] = [];
      while (i < lines.length && (lines[i]?.startsWith(' ') || lines[i]?.startsWith('- ')))
        nested.push((lines[i++] as string).trim());
      out[key] = nested.every((l) => l.startsWith('- '))
        ? nested.map((l) => scalar(l.slice(2)))
        : Object.fromEntries(nested.map((l) => [l.slice(0, l.indexOf(': ')), scalar(l.slice(l.indexOf(': ') + 2))]));
    } else {
      out[key] = scalar(line.slice(colon + 2));
    }
  }
  return out;
}

function meta(dir: string): Record<string, Value> {
  return parseMetaYaml(readFileSync(join(dir, 'meta.yaml'), 'utf8'));
}

function files(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) =>
    statSync(join(dir, name)).isDirectory() ? files(join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`],
  );
}

function keyValues(dir: string): Record<string, string> {
  return Object.fromEntries(files(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

export interface MetricLine {
  timestamp: number;
  value: number;
  step: number;
}

/** "<timestamp_ms> <value> <step>" (step optional, 0, in files of MLflow < 1.0). */
export function parseMetricLine(line: string): MetricLine {
  const parts = line.split(' ');
  if (parts.length !== 2 && parts.length !== 3) throw new Error(`malformed metric line '${line}'`);
  const [ts, value, step] = parts as [string, string, string | undefined];
  if (!/^\d+$/.test(ts)) throw new Error(`bad timestamp in '${line}'`);
  const v = value === 'nan' ? Number.NaN : value === 'inf' ? Infinity : value === '-inf' ? -Infinity : Number(value);
  if (Number.isNaN(v) && value !== 'nan') throw new Error(`bad value in '${line}'`);
  return { timestamp: Number(ts), value: v, step: step === undefined ? 0 : Number.parseInt(step, 10) };
}

export interface ReadRun {
  meta: Record<string, Value>;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, MetricLine[]>;
  artifacts: string[];
}

export interface ReadStore {
  experiments: Record<string, { meta: Record<string, Value>; runs: Record<string, ReadRun> }>;
  models: Record<
    string,
    { meta: Record<string, Value>; aliases: Record<string, string>; versions: Record<string, Record<string, Value>> }
  >;
}

export function readStore(root: string): ReadStore {
  const store: ReadStore = { experiments: {}, models: {} };
  for (const id of readdirSync(root)) {
    const dir = join(root, id);
    // .trash holds deleted experiments; other dot-folders are writes in flight (MLflow skips them as malformed).
    if (!statSync(dir).isDirectory() || id.startsWith('.') || id === 'models') continue;
    const runs: Record<string, ReadRun> = {};
    for (const runId of readdirSync(dir)) {
      const rdir = join(dir, runId);
      // MLflow skips a run folder without meta.yaml as malformed (a run being created, say).
      if (!statSync(rdir).isDirectory() || !existsSync(join(rdir, 'meta.yaml'))) continue;
      const metrics: Record<string, MetricLine[]> = {};
      for (const f of files(join(rdir, 'metrics'))) {
        const text = readFileSync(join(rdir, 'metrics', f), 'utf8');
        if (!text.endsWith('\n')) throw new Error(`${f}: last metric line not terminated`);
        metrics[f] = text.slice(0, -1).split('\n').map(parseMetricLine);
      }
      runs[runId] = {
        meta: meta(rdir),
        params: keyValues(join(rdir, 'params')),
        tags: keyValues(join(rdir, 'tags')),
        metrics,
        artifacts: files(join(rdir, 'artifacts')).sort(),
      };
    }
    store.experiments[id] = { meta: meta(dir), runs };
  }
  const modelsDir = join(root, 'models');
  for (const name of existsSync(modelsDir) ? readdirSync(modelsDir) : []) {
    const mdir = join(modelsDir, name);
    const versions: Record<string, Record<string, Value>> = {};
    for (const v of readdirSync(mdir).filter((d) => d.startsWith('version-')))
      versions[v.slice('version-'.length)] = meta(join(mdir, v));
    store.models[name] = { meta: meta(mdir), aliases: keyValues(join(mdir, 'aliases')), versions };
  }
  return store;
}
