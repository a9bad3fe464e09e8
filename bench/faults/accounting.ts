// bench/faults' catalog side: the dataset and token it starts from, and the final accounting of
// every accepted job against the catalog and the tracker (runs and model versions).
import { JobStore } from '../../src/jobs/job-store.js';
import { openStore } from '../../src/store/open.js';
import { TokenStore } from '../../src/store/tokens.js';
import { openTracker } from '../../src/track/open.js';
import type { Tracker } from '../../src/track/types.js';
import { simulatedDataset, smallScenario, tinyTrainConfig } from '../../test/pipeline/job-fixtures.js';

export async function prepareCatalog(home: string, env: NodeJS.ProcessEnv) {
  const store = await openStore({ home, env });
  await simulatedDataset(store, { name: 'bench', scenario: smallScenario('bench-faults'), seed: 2, samples: 30 });
  const token = await new TokenStore(store.catalog.db).create('bench', 'write');
  const tracker = openTracker({ home, env });
  return {
    token,
    jobs: new JobStore(store.catalog.db),
    tracker,
    config: tinyTrainConfig(2),
    closeCatalog: async () => {
      await tracker.close();
      await store.close();
    },
  };
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Waits for every accepted job to finish (giving up when none has finished for limitS), then counts: succeeded, failed, lost
 * (never finished), retried (more than one attempt), run twice (a job with more than one model
 * version, or more tracked runs than jobs with a run: a job that started over in a new run).
 * Jobs in the catalog that no client saw accepted are counted too.
 */
export async function accountJobs(o: { jobs: JobStore; tracker: Tracker; accepted: number[]; limitS: number }) {
  // Until every accepted job has finished, or none has for limitS (the rest are then lost).
  let all = await o.jobs.list({ limit: 500 });
  let finishedBefore = -1;
  let progressAt = Date.now();
  while (Date.now() - progressAt < o.limitS * 1000) {
    all = await o.jobs.list({ limit: 500 }).catch(() => all);
    const finished = o.accepted.filter((id) => FINISHED.has(all.find((j) => j.id === id)?.status ?? '')).length;
    if (finished === o.accepted.length) break;
    if (finished !== finishedBefore) progressAt = Date.now();
    finishedBefore = finished;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const byId = new Map(all.map((j) => [j.id, j]));
  const acceptedJobs = o.accepted.map((id) => byId.get(id));
  const missing = acceptedJobs.filter((j) => j === undefined).length;
  const done = acceptedJobs.filter((j) => j !== undefined);
  const succeeded = done.filter((j) => j.status === 'succeeded').length;
  const failed = done.filter((j) => j.status === 'failed');
  const unfinished = done.filter((j) => !FINISHED.has(j.status));
  const retried = done.filter((j) => j.attempts > 1).length;
  const unacknowledged = all.filter((j) => !o.accepted.includes(j.id)).length;

  const versions = await o.tracker.listModelVersions('localization');
  const versionsPerRun = new Map<string, number>();
  for (const v of versions) versionsPerRun.set(v.runId, (versionsPerRun.get(v.runId) ?? 0) + 1);
  const experiments = await o.tracker.listExperiments();
  const runs = await o.tracker.searchRuns(
    experiments.map((e) => e.experimentId),
    { maxResults: 10_000 },
  );
  const jobRuns = new Set(done.map((j) => j.runId).filter((r) => r !== null));
  const twice = done.filter((j) => j.runId !== null && (versionsPerRun.get(j.runId) ?? 0) > 1).length;
  const orphanRuns = runs.filter((r) => !jobRuns.has(r.info.runId)).length;
  const runTwice = twice + orphanRuns;
  const lost = missing + unfinished.length;
  const line =
    `jobs: ${o.accepted.length} accepted (201), ${succeeded} succeeded, ${failed.length} failed, ${lost} lost (never finished${missing > 0 ? `, ${missing} missing from the catalog` : ''}), ` +
    `${runTwice} run twice (${twice} with more than one model version, ${orphanRuns} tracked runs belonging to no job); ` +
    `${retried} retried after an infrastructure failure (same run resumed); ${versions.length} model versions, ${runs.length} runs; ` +
    `${unacknowledged} jobs in the catalog no client saw accepted` +
    (failed.length > 0 ? `\n  failed: ${failed.map((j) => `job ${j.id}: ${j.error}`).join('\n  failed: ')}` : '') +
    (unfinished.length > 0
      ? `\n  unfinished: ${unfinished.map((j) => `job ${j.id} ${j.status} (attempts ${j.attempts})`).join(', ')}`
      : '');
  return { succeeded, failed: failed.length, lost, runTwice, line };
}
