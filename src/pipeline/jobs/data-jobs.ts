// The jobs that make data: `simulate` (a preset or scenario → transmissions → the catalog and a
// dataset) and `import` (the recordings under a blob-store prefix, e.g. an upload → the catalog,
// optionally a dataset). Both work in a folder of the job's own under <home>/jobs and remove it
// when done; both are safe to run again after an interruption: the simulation is deterministic by
// seed and import skips content the catalog already has, so a retried job makes the same sessions.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ImportJobRequest, SimulateJobRequest } from '../../jobs/job-store.js';
import { resolveScenario } from '../../sim/scenario.js';
import { simulate } from '../../sim/simulate.js';
import { checkBlobKey } from '../../store/blobs/index.js';
import { checkDatasetName } from '../../store/catalog/names.js';
import { createDataset } from '../../store/datasets.js';
import { importDirectory } from '../../store/import.js';
import type { Store } from '../../store/open.js';

const SPLIT = { train: 0.7, val: 0.15, test: 0.15 };

export interface DataJobContext {
  store: Store;
  /** This job's id: names its working folder. */
  jobId: number;
  signal?: AbortSignal;
  log: (line: string) => void;
}

function workDir(c: DataJobContext, what: string): string {
  const dir = join(c.store.home, 'jobs', `job-${c.jobId}`, what);
  rmSync(dir, { recursive: true, force: true }); // what an interrupted attempt left
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function importAndDataset(
  dir: string,
  c: DataJobContext,
  o: { dataset?: string; seed: number; scenario?: string },
): Promise<Record<string, unknown>> {
  const imported = await importDirectory(dir, {
    catalog: c.store.catalog,
    blobs: c.store.blobs,
    featureCacheDir: c.store.featureCacheDir,
    onProgress: () => {
      if (c.signal?.aborted) throw new Error('interrupted while importing');
    },
  });
  c.log(`imported ${imported.imported}, already in the catalog ${imported.duplicates}, skipped ${imported.failed.length}`);
  const result: Record<string, unknown> = {
    imported: imported.imported,
    duplicates: imported.duplicates,
    skipped: imported.failed.map((f) => ({ path: f.path.slice(dir.length + 1), error: f.error.split(`${dir}/`).join('') })),
  };
  if (o.dataset !== undefined) {
    const sessionIds = imported.sets.map((x) => x.sessionId);
    if (sessionIds.length === 0) throw new Error(`dataset '${o.dataset}': nothing importable was found`);
    const d = await createDataset(c.store.catalog, {
      name: o.dataset,
      split: SPLIT,
      seed: o.seed,
      sessionIds,
      ...(o.scenario !== undefined ? { scenario: o.scenario } : {}),
    });
    result.dataset = { name: d.name, version: d.version, counts: d.counts };
    c.log(`dataset ${d.name} v${d.version}: ${d.counts.train} train / ${d.counts.val} val / ${d.counts.test} test`);
  }
  return result;
}

export async function runSimulateJob(r: SimulateJobRequest, c: DataJobContext): Promise<Record<string, unknown>> {
  if ((r.preset === undefined) === (r.scenario === undefined))
    throw new RangeError('a simulate job takes exactly one of `preset` and `scenario`');
  const scenario = resolveScenario(r.preset !== undefined ? { preset: r.preset } : { scenario: r.scenario });
  const base = workDir(c, 'simulate');
  const dataset = r.dataset ?? `sim-${scenario.name}`;
  checkDatasetName(dataset);
  const seed = r.seed ?? 1;
  const out = join(base, 'sim');
  c.log(`simulating ${r.samples} transmissions of ${scenario.name} (seed ${seed})`);
  await simulate({ scenario, seed, samples: r.samples, outDir: out, ...(c.signal ? { signal: c.signal } : {}) });
  try {
    return { scenario: scenario.name, seed, ...(await importAndDataset(out, c, { dataset, seed, scenario: scenario.name })) };
  } finally {
    rmSync(dirname(base), { recursive: true, force: true });
  }
}

export async function runImportJob(r: ImportJobRequest, c: DataJobContext): Promise<Record<string, unknown>> {
  const prefix = r.prefix.replace(/\/+$/, '');
  checkBlobKey(prefix);
  if (r.dataset !== undefined) checkDatasetName(r.dataset);
  const keys = await c.store.blobs.list(`${prefix}/`);
  if (keys.length === 0) throw new Error(`import: nothing under '${prefix}/' in ${c.store.blobs.location}`);
  const base = workDir(c, 'import');
  try {
    for (const key of keys) {
      if (c.signal?.aborted) throw new Error('interrupted while downloading');
      checkBlobKey(key); // a key is a relative path without '..': it stays inside the folder
      const path = join(base, key.slice(prefix.length + 1));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, await c.store.blobs.get(key));
    }
    c.log(`downloaded ${keys.length} file(s) from ${prefix}/`);
    return {
      prefix,
      files: keys.length,
      ...(await importAndDataset(base, c, { seed: 1, ...(r.dataset ? { dataset: r.dataset } : {}) })),
    };
  } finally {
    rmSync(dirname(base), { recursive: true, force: true });
  }
}
