// The toy regression's options and defaults, apart from the engine so `heimdall demo --help` can
// show them without loading libtorch.
export interface ToyRegressionOptions {
  steps: number; // optimizer steps
  batchSize: number;
  lr: number;
  seed: number;
  /** Report the loss every this many steps. */
  logEvery: number;
}

export const toyRegressionDefaults: ToyRegressionOptions = { steps: 400, batchSize: 64, lr: 3e-3, seed: 42, logEvery: 50 };
