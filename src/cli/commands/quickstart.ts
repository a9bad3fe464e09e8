// `heimdall quickstart`: simulation → import → dataset → training → evaluation, on embedded defaults.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describeChecker } from '../../export/checker.js';
import { quickstartDefaults } from '../../pipeline/quickstart-defaults.js';
import { presetNames } from '../../sim/presets.js';
import { positiveInt, positiveNumber } from '../parse.js';
import { summaryLines } from './evaluate.js';

const m = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} km` : `${v.toFixed(0)} m`;
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

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
        const controller = new AbortController();
        const stop = () => {
          console.error('\ninterrupted: stopping (Ctrl-C again to quit at once) …');
          controller.abort();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
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
            signal: controller.signal,
            log: (line) => console.log(line),
          });
          const e = r.evaluation.metrics;
          console.log('');
          console.log(
            `Quickstart summary: ${r.preset}, test split of ${r.dataset.name} v${r.dataset.version} (${e.count} transmissions)`,
          );
          console.log(`  median error              ${m(e.medianErrorM)}`);
          console.log(`  90th percentile error     ${m(e.p90ErrorM)}`);
          console.log(`  mean error                ${m(e.meanErrorM)}`);
          console.log(`  CEP50 (empirical)         ${m(e.cep50EmpiricalM)}`);
          const b = r.evaluation.crlb;
          if (b) {
            // Like with like: both medians over the sessions that have a bound. The CRLB binds
            // unbiased estimators under its own model; a Bayesian estimator can beat it.
            console.log(
              `  vs Cramér–Rao bound       median error ${m(b.medianErrorM)} vs CRLB CEP50 ${m(b.boundMedianM)} on the ${b.compared} transmissions with a bound${b.leftOut > 0 ? ` (${b.leftOut} without one left out)` : ''}; the bound holds for unbiased estimators under the simulator's model, not for every method`,
            );
          } else console.log('  vs Cramér–Rao bound       no transmission of the test split has a bound');
          console.log(`  1σ ellipse coverage       ${pct(e.coverage1Sigma)}  (target 39.35 %)`);
          console.log(`  2σ ellipse coverage       ${pct(e.coverage2Sigma)}  (target 86.47 %)`);
          console.log(`  mean NLL                  ${e.meanNll.toFixed(2)}`);
          const unlearned = r.correction !== undefined && r.correction.position === 0 && r.correction.uncertainty === 0;
          console.log(
            `  σ calibration factor      ${r.evaluation.sigmaScale.toFixed(2)} (fitted on the ${unlearned ? 'training and validation splits' : 'validation split'}; 1 where the ellipses were calibrated within sampling error)`,
          );
          if (r.correction) {
            const c = r.correction;
            console.log(
              `  learned correction kept   position ×${c.position.toFixed(2)}, uncertainty ×${c.uncertainty.toFixed(2)} of the network's correction to the posterior mean${c.position === 0 && c.uncertainty === 0 ? ' — none improved validation significantly, so the model answers with the posterior mean' : ''} (docs/TRAINING.md)`,
            );
          }
          console.log(
            `  training                  ${r.fit.epochs} epochs, stopped by ${r.fit.stoppedBecause}, best epoch ${r.fit.bestEpoch}`,
          );
          if (r.report) {
            console.log('  on the same test transmissions (median [95 % interval], p90, coverage):');
            for (const line of summaryLines(r.report.document)) console.log(`  ${line}`);
            for (const note of r.report.document.notes) console.log(`  ${note}`);
            console.log(`  evaluation report         ${r.report.htmlPath}`);
          }
          console.log(`  time                      ${(r.seconds / 60).toFixed(1)} min`);
          console.log(`  best checkpoint           ${r.checkpoint ?? '—'}`);
          console.log(
            `  tracked run               ${r.run.id} (experiment ${r.run.experiment}; ./heimdall runs show ${r.run.id})`,
          );
          if (r.model) {
            const x = r.model.export;
            console.log(
              `  ONNX model                ${r.model.onnxPath} (${(x.bytes / 1e6).toFixed(1)} MB, onnxruntime matches the engine to ${x.maxRelDiff.toExponential(1)} of output scale, ${describeChecker(x.checker)})`,
            );
            if (r.model.int8) {
              const q = r.model.int8.export.int8;
              console.log(
                `  int8 variant              ${r.model.int8.onnxPath} (${(r.model.int8.export.bytes / 1e6).toFixed(1)} MB; vs the engine: positions within ${q?.positionSigmas.toFixed(3)} σ, σ within ${(100 * (q?.sigmaRelative ?? 0)).toFixed(1)} %)`,
              );
            } else if (r.model.int8Error) console.log(`  int8 variant              not kept: ${r.model.int8Error}`);
            console.log(`  registered                ${r.model.name} v${r.model.version} (./heimdall models list)`);
            if (r.exampleRecording) {
              console.log('');
              console.log('Predict a transmission of the test split with the exported model:');
              console.log(`  ./heimdall predict --model ${r.model.onnxPath} ${r.exampleRecording}`);
              console.log(
                `  (or promote it: ./heimdall models promote ${r.model.name} ${r.model.version} --alias champion, then --model ${r.model.name}@champion)`,
              );
            }
          }
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      },
    );
}
