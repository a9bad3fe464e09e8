// `heimdall quickstart`: simulation → import → dataset → training → evaluation, on embedded defaults.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { quickstartDefaults } from '../../pipeline/quickstart-defaults.js';
import { presetNames } from '../../sim/presets.js';
import { untilInterrupted } from '../interrupt.js';
import { positiveInt, positiveNumber } from '../parse.js';
import { printTrainingSummary } from './training-summary.js';

export function registerQuickstart(program: Command): void {
  const d = quickstartDefaults;
  program
    .command('quickstart')
    .description(
      'simulate a preset, import it, build a dataset, train LocalizationNet, evaluate it against the Cramér–Rao bound, export it to ONNX and register it',
    )
    .option('--preset <name>', `scenario (${presetNames().join(', ')})`, d.preset)
    .option('--scenario <file>', 'scenario JSON file (same fields as a preset) instead of --preset (docs/SIMULATOR.md)')
    .option(
      '--network <file>',
      'your receiver network, JSON or GeoJSON, replacing the scenario’s network (with a preset, transmitters are drawn around it)',
    )
    .option(
      '--samples <n>',
      'transmissions to simulate (70/15/15 split; a count that leaves a split empty is refused)',
      positiveInt('--samples'),
      d.samples,
    )
    .option(
      '--epochs <n>',
      'maximum epochs (early stopping on validation NLL); 0 with --init-from evaluates those weights untrained',
      positiveInt('--epochs', true),
      d.maxEpochs,
    )
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'), d.batchSize)
    .option('--lr <x>', 'peak learning rate (AdamW, cosine schedule with warm-up)', positiveNumber('--lr'), d.lr)
    .option('--patience <n>', 'early-stopping patience (epochs)', positiveInt('--patience'), d.patience)
    .option('--seed <n>', 'seed for simulation, split, initialization and batch order', positiveInt('--seed', true), d.seed)
    .option(
      '--no-prior',
      'learn the position from scratch instead of a correction of the physics prior (the posterior mean under the scenario’s power model; docs/TRAINING.md)',
    )
    .option(
      '--init-from <checkpoint>',
      'start from another run’s weights (.safetensors, same receiver count); this network’s positions and prior are kept — for transfer and fine-tuning studies',
    )
    .option('--home <dir>', 'data folder (default $HEIMDALL_HOME or ./.heimdall)')
    .action(
      async (o: {
        preset: string;
        scenario?: string;
        network?: string;
        samples: number;
        epochs: number;
        batchSize: number;
        lr: number;
        patience: number;
        seed: number;
        prior: boolean;
        initFrom?: string;
        home?: string;
      }) => {
        // The pipeline (engine, store, tracker, onnxruntime) loads here, on first use.
        const { quickstart } = await import('../../pipeline/quickstart.js');
        await untilInterrupted('stopping', async (signal) => {
          const r = await quickstart({
            ...d,
            preset: o.preset,
            ...(o.scenario ? { scenarioFile: resolve(o.scenario) } : {}),
            ...(o.network ? { networkFile: resolve(o.network) } : {}),
            samples: o.samples,
            maxEpochs: o.epochs,
            batchSize: o.batchSize,
            lr: o.lr,
            patience: o.patience,
            seed: o.seed,
            prior: o.prior,
            ...(o.initFrom ? { initFrom: resolve(o.initFrom) } : {}),
            home: resolve(o.home ?? process.env.HEIMDALL_HOME ?? '.heimdall'),
            signal,
            log: (line) => console.log(line),
          });
          printTrainingSummary(`Quickstart summary: ${r.preset}, test split of ${r.dataset.name} v${r.dataset.version}`, r);
          if (r.model) {
            if (r.exampleRecording) {
              console.log('');
              console.log('Predict a transmission of the test split with the exported model:');
              console.log(`  ./heimdall predict --model ${r.model.onnxPath} ${r.exampleRecording}`);
              console.log(
                `  (or promote it: ./heimdall models promote ${r.model.name} ${r.model.version} --alias champion, then --model ${r.model.name}@champion)`,
              );
            }
          }
        });
      },
    );
}
