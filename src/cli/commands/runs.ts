// `heimdall runs list|show`: the tracked training runs, on the embedded MLflow file store or on
// the MLflow server named by MLFLOW_TRACKING_URI (see docs/TRACKING.md).
import type { Command } from 'commander';
import type { Run, Tracker } from '../../track/types.js';
import { positiveInt } from '../parse.js';

export const TRACKING_HOME_HELP =
  'data folder whose mlruns/ is the embedded tracking store (default $HEIMDALL_HOME or ./.heimdall; ignored when MLFLOW_TRACKING_URI is set)';

/** Opens the tracker (loaded on first use: the MLflow REST client pulls in the S3 SDK), runs fn, closes it. */
export async function withTracker<T>(home: string | undefined, fn: (t: Tracker) => Promise<T>): Promise<T> {
  const { openTracker } = await import('../../track/open.js');
  const tracker = openTracker(home === undefined ? {} : { home });
  try {
    return await fn(tracker);
  } finally {
    await tracker.close();
  }
}

const time = (ms: number | undefined) => (ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19));

function duration(run: Run): string {
  if (run.info.endTime === undefined) return '—';
  const s = Math.round((run.info.endTime - run.info.startTime) / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${(s / 3600).toFixed(1)}h`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const fmt = (v: number) =>
  Number.isInteger(v) ? String(v) : Math.abs(v) >= 1000 || Math.abs(v) < 0.01 ? v.toExponential(3) : v.toFixed(4);

export function registerRuns(program: Command): void {
  const runs = program.command('runs').description('tracked training runs (MLflow file store or server)');
  runs
    .command('list')
    .description('list runs, newest first, with status, duration and the validation error when logged')
    .option('--experiment <name>', 'only runs of this experiment (default: every experiment)')
    .option('--limit <n>', 'at most this many runs', positiveInt('--limit'), 50)
    .option('--home <dir>', TRACKING_HOME_HELP)
    .action(async (o: { experiment?: string; limit: number; home?: string }) => {
      await withTracker(o.home, async (t) => {
        const experiments = await t.listExperiments();
        const chosen = o.experiment === undefined ? experiments : experiments.filter((e) => e.name === o.experiment);
        if (chosen.length === 0) {
          const names = experiments.map((e) => e.name).join(', ');
          throw new Error(`no experiment '${o.experiment}' in ${t.location} (experiments: ${names || 'none'})`);
        }
        const names = new Map(chosen.map((e) => [e.experimentId, e.name]));
        const found = await t.searchRuns([...names.keys()], { maxResults: o.limit });
        if (found.length === 0) {
          console.log(`No runs in ${t.location}`);
          return;
        }
        const rows = [['RUN ID', 'NAME', 'EXPERIMENT', 'STATUS', 'STARTED (UTC)', 'DURATION', 'VAL ERROR (m)']];
        for (const r of found) {
          const err = r.metrics.find((m) => m.key === 'val_error_m' || m.key === 'val_median_error_m');
          rows.push([
            r.info.runId,
            r.info.runName,
            names.get(r.info.experimentId) ?? r.info.experimentId,
            r.info.status,
            time(r.info.startTime),
            duration(r),
            err === undefined ? '—' : fmt(err.value),
          ]);
        }
        console.log(table(rows));
      });
    });

  runs
    .command('show')
    .description('print one run: status, times, params, latest metrics, tags and where its artifacts are')
    .argument('<run-id>', 'the run id (32 hex characters, as `runs list` prints it)')
    .option('--home <dir>', TRACKING_HOME_HELP)
    .action(async (runId: string, o: { home?: string }) => {
      await withTracker(o.home, async (t) => {
        const r = await t.getRun(runId);
        const lines = [
          `Run ${r.info.runId} (${r.info.runName}) in experiment ${r.info.experimentId}`,
          `  status     ${r.info.status}`,
          `  started    ${time(r.info.startTime)} UTC, ended ${time(r.info.endTime)}${r.info.endTime !== undefined ? ` (${duration(r)})` : ''}`,
          `  artifacts  ${r.info.artifactUri}`,
          'Params',
          ...Object.entries(r.params)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `  ${k} = ${v}`),
          'Metrics (latest)',
          ...[...r.metrics]
            .sort((a, b) => a.key.localeCompare(b.key))
            .map((m) => `  ${m.key} = ${fmt(m.value)} (step ${m.step})`),
          'Tags',
          ...Object.entries(r.tags)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `  ${k} = ${v}`),
        ];
        console.log(lines.join('\n'));
      });
    });
}
