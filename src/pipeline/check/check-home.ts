// `heimdall check`: is a home consistent — as a reader would find it after a crash? Catalog rows
// against blobs, the tracker's runs and registry against their files, training checkpoints, and
// jobs against runs and model versions. Read-only: it reports, it repairs nothing.

import { fileURLToPath } from 'node:url';
import type { Store } from '../../store/open.js';
import { checkCatalog, checkJobs } from './catalog.js';
import { checkBlobTemps, checkCheckpoints } from './checkpoints.js';
import { type CheckReport, emptyReport } from './problems.js';
import { checkRegistry, checkRuns } from './tracker.js';

export type { CheckReport, Finding } from './problems.js';

/**
 * Checks `store` (catalog + blobs), the training folders under its home and, when `trackerLocation`
 * is a file store (file: URI), the tracker's runs and registry.
 */
export async function checkHome(store: Store, trackerLocation: string): Promise<CheckReport> {
  const r = emptyReport();
  await checkCatalog(store, r);
  if (store.blobs.location.startsWith('file:')) {
    const dir = fileURLToPath(store.blobs.location);
    checkBlobTemps(dir, new Set(await store.blobs.list('')), r);
  }
  checkCheckpoints(store.home, r);
  const succeeded = await checkJobs(store, r);
  if (trackerLocation.startsWith('file:')) {
    const root = fileURLToPath(trackerLocation);
    checkRuns(root, r);
    const byRun = await checkRegistry(root, store.blobs, r);
    // A job ran once: its run registered exactly one model version.
    for (const j of succeeded) {
      const versions = j.runId === null ? [] : (byRun.get(j.runId) ?? []);
      if (versions.length !== 1)
        r.problems.push({
          area: 'jobs',
          where: `job ${j.id}`,
          what: `run ${j.runId} registered ${versions.length} versions (${versions.join(', ')})`,
        });
    }
  }
  return r;
}

/** The report as lines: counts, then each problem and (when `verbose`) each leftover. */
export function formatCheckReport(r: CheckReport, verbose = false): string[] {
  const out = [
    `checked: ${
      Object.entries(r.checked)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || 'nothing'
    }`,
  ];
  for (const p of r.problems) out.push(`PROBLEM ${p.area}: ${p.where}: ${p.what}`);
  if (verbose) for (const l of r.leftovers) out.push(`leftover ${l.area}: ${l.where}: ${l.what}`);
  out.push(`${r.problems.length} problem(s), ${r.leftovers.length} leftover(s) of interrupted writes (harmless; never read)`);
  return out;
}
