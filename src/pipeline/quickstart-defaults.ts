// Quickstart's defaults, apart from the pipeline so `heimdall quickstart --help` can show them
// without loading the engine, the store and onnxruntime.
import type { QuickstartOptions } from './quickstart.js';

export const quickstartDefaults: Omit<QuickstartOptions, 'home' | 'log'> = {
  preset: 'nw-italy-2m',
  samples: 3000,
  seed: 1,
  maxEpochs: 40,
  batchSize: 32,
  widths: [16, 32, 64, 128],
  lr: 2e-3,
  patience: 8,
  prior: true,
};
