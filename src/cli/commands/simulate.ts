// `heimdall simulate`: synthetic multi-receiver IQ with ground truth and the CRLB, as SigMF.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { presetNames } from '../../sim/presets.js';
import { positiveInt } from '../parse.js';
import { importAndReport } from './store.js';

interface SimulateCliOptions {
  into?: boolean;
  home?: string;
  preset?: string;
  scenario?: string;
  network?: string;
  samples: number;
  seed: number;
  out: string;
  workers?: number;
}

const km = (m: number) => (m >= 1000 ? `${(m / 1000).toFixed(2)} km` : `${m.toFixed(0)} m`);

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('simulate transmissions heard by a receiver network: per-receiver IQ (SigMF), truth and the Cramér–Rao bound')
    .option('--preset <name>', `built-in scenario (${presetNames().join(', ')})`)
    .option('--scenario <file>', 'scenario JSON file (same fields as a preset) instead of --preset')
    .option('--network <file>', 'receiver network JSON or GeoJSON replacing the scenario’s network')
    .option('--samples <n>', 'transmissions to simulate', positiveInt('--samples'), 100)
    .option(
      '--seed <n>',
      'random seed: the same seed gives the same files, whatever the worker count',
      positiveInt('--seed', true),
      1,
    )
    .option(
      '--out <dir>',
      'output folder (one sub-folder per transmission, scenario.json, and simulation-complete.json written last)',
      'heimdall-sim',
    )
    .option('--workers <n>', 'worker threads (default: all cores; 0 = this thread)', positiveInt('--workers', true))
    .option('--into', 'also import the output into the catalog and blob store (see heimdall import)')
    .option('--home <dir>', 'data folder for --into (default $HEIMDALL_HOME or ./.heimdall)')
    .action(async (o: SimulateCliOptions) => {
      // The simulator loads here, on first use, and the store only for --into.
      const { resolveScenario } = await import('../../sim/scenario.js');
      const { simulate } = await import('../../sim/simulate.js');
      const { createProgress } = await import('../progress.js');
      const scenario = resolveScenario({
        preset: o.preset ?? (o.scenario ? undefined : 'nw-italy-2m'),
        scenarioFile: o.scenario,
        networkFile: o.network,
      });
      const out = resolve(o.out);
      console.log(
        `Simulating ${o.samples} transmissions of '${scenario.name}' (${scenario.network.receivers.length} receivers, seed ${o.seed}) into ${out}`,
      );
      const progress = createProgress('simulate');
      // Ctrl-C stops the workers; the folder is then left without simulation-complete.json.
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let r: Awaited<ReturnType<typeof simulate>>;
      try {
        r = await simulate({
          scenario,
          seed: o.seed,
          samples: o.samples,
          outDir: out,
          workers: o.workers,
          onProgress: progress.update,
          signal: controller.signal,
        });
      } catch (err) {
        if (!controller.signal.aborted) throw err;
        throw new Error(`simulate: interrupted; ${out} is incomplete (no simulation-complete.json) — run the command again`);
      } finally {
        progress.finish();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      console.log('');
      console.log('Summary');
      console.log(`  samples           ${r.samples} in ${r.seconds.toFixed(1)} s (${r.samplesPerSecond.toFixed(1)} samples/s)`);
      console.log(`  receivers heard   ${r.meanHeard.toFixed(2)} of ${scenario.network.receivers.length} on average`);
      if (r.crlbCep50M) {
        console.log(
          `  CRLB CEP50        median ${km(r.crlbCep50M.median)}, 90th percentile ${km(r.crlbCep50M.p90)} (the bound for unbiased estimators with independent shadowing, not the physical limit)`,
        );
      }
      if (r.unlocalizable > 0)
        console.log(`  unlocalizable     ${r.unlocalizable} sample(s): too few receivers heard them (no CRLB)`);
      console.log(`  output            ${out}/tx-NNNNNN/*.sigmf-meta|data + tx-NNNNNN.sigmf-collection`);
      if (o.into) {
        const { openStore } = await import('../../store/open.js');
        const store = await openStore(o.home === undefined ? {} : { home: o.home });
        try {
          await importAndReport(store, out);
        } finally {
          await store.close();
        }
      }
    });
}
