// The data the crash rounds start from, made once per run of the harness: a simulation folder, a
// home with it imported, and one with a dataset too. Rounds copy a template home, so every kill
// starts from the same state and costs no re-import.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../../src/sim/simulate.js';
import { createDataset } from '../../../src/store/datasets.js';
import { importDirectory } from '../../../src/store/import.js';
import { openStore } from '../../../src/store/open.js';
import { smallScenario } from '../../pipeline/job-fixtures.js';

export interface World {
  root: string;
  simDir: string;
  samples: number;
  receivers: number;
  /** A home whose catalog exists, empty (creating one takes seconds: not what a kill should hit). */
  empty: string;
  /** A home with the simulation imported (no dataset). */
  imported: string;
  /** A home with the simulation imported and dataset 'crash' v1 (60/20/20). */
  withDataset: string;
  /** `heimdall train` options of a tiny run: epochs through registration in seconds. */
  trainArgs: string[];
  epochs: number;
}

export const trainSets = (epochs: number) => [
  '--set',
  'model.widths=[4,8,8,16]',
  '--set',
  'optimizer.batchSize=8',
  '--set',
  `trainer.maxEpochs=${epochs}`,
  '--set',
  `trainer.patience=${epochs}`,
];

/** Builds the world under root (removed first). */
export async function makeWorld(root: string, o: { samples: number; epochs: number }): Promise<World> {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const simDir = join(root, 'sim');
  await simulate({ scenario: smallScenario('crash'), seed: 7, samples: o.samples, outDir: simDir, workers: 0 });
  const empty = join(root, 'template-empty');
  await (await openStore({ home: empty, env: {} })).close();
  const imported = join(root, 'template-imported');
  cpSync(empty, imported, { recursive: true });
  let store = await openStore({ home: imported, env: {} });
  try {
    await importDirectory(simDir, { catalog: store.catalog, blobs: store.blobs, workers: 0 });
  } finally {
    await store.close();
  }
  const withDataset = join(root, 'template-dataset');
  cpSync(imported, withDataset, { recursive: true });
  store = await openStore({ home: withDataset, env: {} });
  try {
    await createDataset(store.catalog, { name: 'crash', split: { train: 0.6, val: 0.2, test: 0.2 }, seed: 1 });
  } finally {
    await store.close();
  }
  return {
    root,
    simDir,
    samples: o.samples,
    receivers: 4,
    empty,
    imported,
    withDataset,
    epochs: o.epochs,
    trainArgs: ['train', '--dataset', 'crash', ...trainSets(o.epochs)],
  };
}

/** A fresh copy of a template home for one round. */
export function homeFrom(template: string | undefined, home: string): string {
  rmSync(home, { recursive: true, force: true });
  if (template === undefined) mkdirSync(home, { recursive: true });
  else cpSync(template, home, { recursive: true });
  return home;
}
