// `heimdall import` and `heimdall dataset …`: the data-store faces over src/store.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Store } from '../../store/open.js';
import { parseSplitSpec } from '../../store/split.js';
import { positiveInt } from '../parse.js';
import { withStore } from '../with-store.js';

const HOME_HELP = 'data folder: embedded catalog, blobs, feature cache (default $HEIMDALL_HOME or ./.heimdall)';

/** Imports a folder and prints the report; shared by `import` and `simulate --into`. */
export async function importAndReport(store: Store, dir: string): Promise<{ failed: number; imported: number }> {
  const { importDirectory } = await import('../../store/import.js');
  const { createProgress } = await import('../progress.js');
  const progress = createProgress('import');
  let r: Awaited<ReturnType<typeof importDirectory>>;
  try {
    r = await importDirectory(dir, {
      catalog: store.catalog,
      blobs: store.blobs,
      featureCacheDir: store.featureCacheDir,
      onProgress: (d, t) => progress.update(d, t),
    });
  } finally {
    progress.finish();
  }
  console.log(
    `Imported ${r.imported} transmission(s) into ${store.catalog.location}; ${r.duplicates} already catalogued; ${r.failed.length} skipped`,
  );
  console.log(`  blobs: ${store.blobs.location}`);
  for (const f of r.failed)
    console.error(
      `  skipped ${f.path}: ${f.error.startsWith(f.path) ? f.error.slice(f.path.length).replace(/^: /, '') : f.error}`,
    );
  for (const w of r.warnings) console.error(`  warning: ${w}`);
  return { failed: r.failed.length, imported: r.imported + r.duplicates };
}

function split(value: string) {
  try {
    return parseSplitSpec(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function registerStore(program: Command): void {
  program
    .command('import')
    .description(
      'register recordings (SigMF collections; loose SigMF, .npy and KiwiSDR WAV files grouped into transmissions by time; folders searched recursively) in the catalog and store their IQ; re-imports are no-ops; bad files are reported and skipped (exit code 1). With --format rss-csv|rss-json: a power-only measurement log (docs/TRAINING.md, "Power logs"), all of it or nothing',
    )
    .argument('<path>', 'folder of recordings, or with --format a power log file')
    .option('--format <format>', 'rss-csv or rss-json: the path is a power log (one row per reading or per transmission)')
    .option('--receivers <file>', 'power log: the fixed receivers (network JSON or GeoJSON); others need rx_lat/rx_lon per row')
    .option('--not-heard <value>', 'power log: a power value meaning "not heard" (besides an empty cell), e.g. -999', Number)
    .option('--columns <file>', 'power log: JSON mapping fields to column names, e.g. {"rss_dbm": "level"}')
    .option('--center-freq <hz>', "power log: the transmissions' carrier frequency (Hz), if known", Number)
    .option('--home <dir>', HOME_HELP)
    .action(
      async (
        path: string,
        o: { home?: string; format?: string; receivers?: string; notHeard?: number; columns?: string; centerFreq?: number },
      ) => {
        if (o.format === undefined) {
          for (const [flag, v] of [
            ['--receivers', o.receivers],
            ['--not-heard', o.notHeard],
            ['--columns', o.columns],
            ['--center-freq', o.centerFreq],
          ] as const)
            if (v !== undefined) throw new Error(`${flag} applies to power logs: add --format rss-csv or rss-json`);
          const r = await withStore(o.home, (s) => importAndReport(s, path));
          // Anything skipped makes the exit code 1, even when the rest was imported.
          if (r.failed > 0) process.exitCode = 1;
          return;
        }
        const { importPowerLog } = await import('./import-power-log.js');
        await withStore(o.home, (s) => importPowerLog(s, path, { ...o, format: o.format as string }));
      },
    );

  const dataset = program.command('dataset').description('named, versioned train/val/test splits of catalogued sessions');
  dataset
    .command('create')
    .description('create (a new version of) a dataset from labelled sessions, split by session')
    .argument('<name>', 'dataset name')
    .option('--split <t/v/t>', 'train/val/test fractions', split, parseSplitSpec('0.7/0.15/0.15'))
    .option('--seed <n>', 'split seed (same seed, same split)', positiveInt('--seed', true), 1)
    .option('--origin <origin>', 'only sessions of this origin: simulated, imported or live')
    .option('--scenario <name>', 'only sessions of this simulated scenario')
    .option(
      '--split-by <how>',
      'random (seeded), time (chronological: first sessions train, last test) or area (whole grid cells held out)',
      'random',
    )
    .option('--cells <n>', 'area split: an n × n grid over the transmitters (default 5)', positiveInt('--cells'))
    .option(
      '--stratify <cells>',
      'random split: stratify by transmitter position on a cells × cells grid',
      positiveInt('--stratify'),
    )
    .option('--home <dir>', HOME_HELP)
    .action(
      async (
        name: string,
        o: {
          split: ReturnType<typeof parseSplitSpec>;
          seed: number;
          origin?: string;
          scenario?: string;
          stratify?: number;
          splitBy: string;
          cells?: number;
          home?: string;
        },
      ) => {
        if (!['random', 'time', 'area'].includes(o.splitBy))
          throw new Error(`--split-by expects random, time or area, got '${o.splitBy}'`);
        if (o.cells !== undefined && o.splitBy !== 'area') throw new Error('--cells applies to --split-by area');
        if (o.origin !== undefined && !['simulated', 'imported', 'live'].includes(o.origin)) {
          throw new Error(`--origin expects simulated, imported or live, got '${o.origin}'`);
        }
        const { createDataset } = await import('../../store/datasets.js');
        const d = await withStore(o.home, (s) =>
          createDataset(s.catalog, {
            name,
            split: o.split,
            seed: o.seed,
            ...(o.origin ? { origin: o.origin as 'simulated' } : {}),
            ...(o.scenario ? { scenario: o.scenario } : {}),
            ...(o.stratify ? { stratifyCells: o.stratify } : {}),
            splitBy: o.splitBy as 'random',
            ...(o.cells !== undefined ? { areaCells: o.cells } : {}),
          }),
        );
        console.log(
          `Dataset ${d.name} v${d.version}: train ${d.counts.train}, val ${d.counts.val}, test ${d.counts.test} sessions (split by ${o.splitBy}, seed ${d.seed})`,
        );
      },
    );
  dataset
    .command('show')
    .description('print a dataset version (default: the latest)')
    .argument('<name>', 'dataset name')
    .option('--version <n>', 'version', positiveInt('--version'))
    .option('--home <dir>', HOME_HELP)
    .action(async (name: string, o: { version?: number; home?: string }) => {
      const d = await withStore(o.home, (s) => s.catalog.getDataset(name, o.version));
      console.log(JSON.stringify(d, null, 2));
    });
}
