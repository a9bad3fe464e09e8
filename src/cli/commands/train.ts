// `heimdall train`: LocalizationNet on any catalog dataset, with a validated configuration.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { untilInterrupted } from '../interrupt.js';
import { printTrainingSummary } from './training-summary.js';

interface TrainCliOptions {
  dataset?: string;
  config?: string;
  set: string[];
  resume?: string;
  initFrom?: string;
  home?: string;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      'train LocalizationNet on a catalog dataset (simulated, imported or both): statistics from its training split, σ calibration on validation, evaluation on test, ONNX export, tracking and registration — as quickstart does',
    )
    .option('--dataset <name[@version]>', 'the dataset (default version: the newest)')
    .option(
      '--config <file>',
      'training configuration, JSON or YAML: model, optimizer, schedule, trainer, features (docs/TRAINING.md)',
    )
    .option(
      '--set <key=value>',
      'override one configuration field, e.g. optimizer.lr=0.001 or model.widths=[8,16,32,64] (repeatable; applied after --config)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--resume <run-id>', 'continue an interrupted run from its last checkpoint, with the configuration it started with')
    .option('--init-from <checkpoint>', 'start from another run’s weights (.safetensors, same receiver count)')
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .action(async (o: TrainCliOptions) => {
      const { applySets, readConfigFile } = await import('../../pipeline/train-config.js');
      const { trainDataset } = await import('../../pipeline/train-dataset.js');
      const raw =
        o.config === undefined && o.set.length === 0
          ? undefined
          : applySets(o.config === undefined ? {} : readConfigFile(o.config), o.set);
      await untilInterrupted('stopping at the next batch and saving a checkpoint', async (signal) => {
        const r = await trainDataset({
          home: resolve(o.home ?? process.env.HEIMDALL_HOME ?? '.heimdall'),
          ...(o.dataset !== undefined ? { dataset: o.dataset } : {}),
          ...(raw !== undefined ? { config: raw } : {}),
          ...(o.resume !== undefined ? { resume: o.resume } : {}),
          ...(o.initFrom !== undefined ? { initFrom: resolve(o.initFrom) } : {}),
          signal,
          log: (line) => console.log(line),
        });
        if (r.kind === 'power') {
          const { powerComparisonLines } = await import('../../pipeline/power/compare.js');
          console.log(
            `\nPower-log models on the test split of ${r.dataset.name} v${r.dataset.version} (${r.counts.test} transmissions), beside the baselines:`,
          );
          for (const line of powerComparisonLines(r)) console.log(line);
          console.log(
            `  model: ${r.model.name} v${r.model.version} (${r.model.path}); run ${r.run.id}; ${r.seconds.toFixed(1)} s`,
          );
          console.log(`  report: ${r.report.htmlPath}`);
          console.log(
            `  localize new logs: ./heimdall predict --model ${r.model.name}@v${r.model.version} --input-format rss-csv <log.csv>`,
          );
          return;
        }
        printTrainingSummary(`Training summary: test split of ${r.dataset.name} v${r.dataset.version}`, r);
        if (r.fit.stoppedBecause === 'aborted') console.log(`\nInterrupted: continue with ./heimdall train --resume ${r.run.id}`);
      });
    });
}
