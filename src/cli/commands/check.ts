// `heimdall check`: verifies a home after a crash or a copy (src/pipeline/check): catalog rows
// against their blobs, tracker runs and registered models against their files, checkpoints. Exit
// code 1 when anything a reader could take as valid is not.
import type { Command } from 'commander';
import { withStore } from '../with-store.js';
import { withTracker } from './runs.js';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description(
      'verify a home is consistent: every measurement’s blob exists and hashes to the catalog’s SHA-256, datasets and jobs point at what exists, tracker runs and metric files parse, every registered model version has its ONNX file (artifact and blob), checkpoints are whole; exit code 1 on any problem (read-only)',
    )
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .option('--verbose', 'also list leftovers of interrupted writes (temporary files, never read)')
    .action(async (o: { home?: string; verbose?: boolean }) => {
      const { checkHome, formatCheckReport } = await import('../../pipeline/check/check-home.js');
      const report = await withStore(o.home, (store) => withTracker(o.home, (t) => checkHome(store, t.location)));
      for (const line of formatCheckReport(report, o.verbose === true)) console.log(line);
      if (report.problems.length > 0) process.exitCode = 1;
    });
}
