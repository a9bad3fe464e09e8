// The state after a crash, as the next process finds it: opens the home the killed command used
// (recovering its catalog as any next command would) and runs `heimdall check`'s checker, plus
// the facts one phase promises (sessions imported once, one model version per run).
import { type CheckReport, checkHome } from '../../../src/pipeline/check/check-home.js';
import { openStore } from '../../../src/store/open.js';
import { openTracker } from '../../../src/track/open.js';
import type { ModelVersion, RunInfo } from '../../../src/track/types.js';

export interface HomeState {
  report: CheckReport;
  sessions: number;
  measurements: number;
  datasets: Array<{ version: number; sessions: number }>;
  runs: RunInfo[];
  versions: ModelVersion[];
}

export async function inspectHome(home: string, env: NodeJS.ProcessEnv = {}): Promise<HomeState> {
  const store = await openStore({ home, env });
  const tracker = openTracker({ home, env });
  try {
    const report = await checkHome(store, tracker.location);
    const n = async (sql: string) => Number((await store.catalog.db.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
    const datasets = (
      await store.catalog.db.query<{ version: number; n: string }>(
        `SELECT d.version, (SELECT count(*) FROM dataset_sessions x WHERE x.dataset_id = d.id)::text AS n
           FROM datasets d WHERE d.name = 'crash' ORDER BY d.version`,
      )
    ).rows.map((d) => ({ version: d.version, sessions: Number(d.n) }));
    const runs: RunInfo[] = [];
    for (const e of await tracker.listExperiments())
      for (const r of await tracker.searchRuns([e.experimentId])) runs.push(r.info);
    const versions = (await tracker.getRegisteredModel('localization')) ? await tracker.listModelVersions('localization') : [];
    return {
      report,
      sessions: await n('SELECT count(*)::text AS n FROM sessions'),
      measurements: await n('SELECT count(*)::text AS n FROM measurements'),
      datasets,
      runs,
      versions,
    };
  } finally {
    await tracker.close();
    await store.close();
  }
}

/** Problems as one-line strings, for a round's record. */
export const problemLines = (r: CheckReport) => r.problems.map((p) => `${p.area}: ${p.where}: ${p.what}`);
