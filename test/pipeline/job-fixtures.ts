// Shared by the job, service and bench/api tests: a small simulated dataset in a store, and a tiny
// training configuration that runs the whole path (training, calibration, export, registration)
// in a few seconds.
import { join } from 'node:path';
import type { Scenario } from '../../src/sim/config.js';
import { simulate } from '../../src/sim/simulate.js';
import { createDataset } from '../../src/store/datasets.js';
import { importDirectory } from '../../src/store/import.js';
import type { Store } from '../../src/store/open.js';
import { ringNetwork, testScenario } from '../sim/fixtures.js';

/** FM transmitters of 25–40 dBm over a 4-receiver ring of 8 km, 0.25 s recordings. */
export function smallScenario(name: string): Scenario {
  return testScenario({
    name,
    durationS: 0.25,
    network: ringNetwork(4, 8_000),
    txPowerDbm: [25, 40],
    shadowing: { sigmaDb: 4, decorrelationM: 500 },
    signals: { kinds: ['fm'] },
  });
}

/** Simulates `samples` transmissions into <store.home>/sim, imports them and makes dataset `name` (60/20/20). */
export async function simulatedDataset(
  store: Store,
  o: { name: string; scenario: Scenario; seed: number; samples: number },
): Promise<void> {
  const dir = join(store.home, 'sim');
  await simulate({ scenario: o.scenario, seed: o.seed, samples: o.samples, outDir: dir, workers: 0 });
  await importDirectory(dir, { catalog: store.catalog, blobs: store.blobs, workers: 0 });
  await createDataset(store.catalog, { name: o.name, split: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 });
}

/** A training configuration of the tiniest network, batch 8, `maxEpochs` epochs without early stop. */
export const tinyTrainConfig = (maxEpochs: number) => ({
  model: { widths: [4, 8, 8, 16] },
  optimizer: { batchSize: 8 },
  trainer: { maxEpochs, patience: maxEpochs },
});
