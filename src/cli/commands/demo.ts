// `heimdall demo`: trains a small network on a toy regression and prints the falling loss.
import type { Command } from 'commander';
import { toyRegressionDefaults } from '../../train/toy-regression-defaults.js';
import { positiveInt, positiveNumber } from '../parse.js';

export function registerDemo(program: Command): void {
  const d = toyRegressionDefaults;
  program
    .command('demo')
    .description(
      'train a small MLP on a toy 2-D regression through the libtorch engine and print the falling loss (an install check)',
    )
    .option('--steps <n>', 'optimizer steps', positiveInt('--steps'), d.steps)
    .option('--batch-size <n>', 'samples per step', positiveInt('--batch-size'), d.batchSize)
    .option('--lr <x>', 'Adam learning rate', positiveNumber('--lr'), d.lr)
    .option('--seed <n>', 'random seed (same seed, same losses)', positiveInt('--seed', true), d.seed)
    .option('--threads <n>', 'libtorch threads (default: all cores, or HEIMDALL_THREADS)', positiveInt('--threads'))
    .action(async (opts: { steps: number; batchSize: number; lr: number; seed: number; threads?: number }) => {
      // The engine (libtorch addon) loads here, on first use, not when the command tree is built.
      const { libtorchVersion, setNumThreads } = await import('../../engine/runtime.js');
      const { runToyRegression } = await import('../../train/toy-regression.js');
      const { describeBlas } = await import('../../engine/blas.js');
      if (opts.threads !== undefined) setNumThreads(opts.threads);
      const logEvery = Math.max(1, Math.round(opts.steps / 8));
      console.log(`Training a 2-64-64-1 MLP on y = sin(πx₁)·cos(πx₂) + x₁/2 (libtorch ${libtorchVersion()})`);
      const r = runToyRegression({ ...opts, logEvery }, (step, loss) => {
        console.log(`  step ${String(step).padStart(5)}  loss ${loss.toFixed(5)}`);
      });
      const factor = r.initialLoss / r.finalLoss;
      console.log('');
      console.log('Summary');
      console.log(`  training loss   ${r.initialLoss.toFixed(4)} → ${r.finalLoss.toFixed(4)} (${factor.toFixed(1)}× lower)`);
      console.log(`  held-out loss   ${r.testLoss.toFixed(4)} on 1024 fresh points`);
      console.log(`  model           ${r.parameters} parameters, Adam lr ${opts.lr}, batch ${opts.batchSize}`);
      console.log(`  time            ${r.seconds.toFixed(2)} s for ${opts.steps} steps on ${r.threads} thread(s)`);
      console.log(`  blas            ${describeBlas()}`);
      console.log(`  verdict         ${factor > 5 ? 'engine OK: the loss fell as expected' : 'WARNING: the loss barely fell'}`);
    });
}
