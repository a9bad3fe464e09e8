// Shared by bench/loader and bench/train: simulate nw-italy-2m, import it into an embedded store
// in a temporary folder, make an all-training dataset and a loader over it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFrame } from '../src/geo/local-frame.js';
import { FeatureCache } from '../src/signal/features/cache.js';
import { defaultFeatureConfig } from '../src/signal/features/config.js';
import { FeatureExtractor } from '../src/signal/features/extractor.js';
import { resolveScenario } from '../src/sim/scenario.js';
import { simulate } from '../src/sim/simulate.js';
import { LocalBlobStore } from '../src/store/blobs/local.js';
import { Catalog } from '../src/store/catalog/catalog.js';
import { createDataset } from '../src/store/datasets.js';
import { openDatabase } from '../src/store/db/index.js';
import { importDirectory } from '../src/store/import.js';
import { DatasetLoader } from '../src/store/loader.js';

export async function benchDataset(samples: number, batchSize: number) {
  const root = mkdtempSync(join(tmpdir(), 'heimdall-bench-'));
  const scenario = resolveScenario({ preset: 'nw-italy-2m' });
  const frame = LocalFrame.centroidOf(scenario.network.receivers);
  await simulate({ scenario, seed: 1, samples, outDir: join(root, 'sim'), workers: 0 });
  const db = await openDatabase({ dir: join(root, 'catalog') });
  const catalog = await Catalog.open(db);
  const blobs = new LocalBlobStore(join(root, 'blobs'));
  await importDirectory(join(root, 'sim'), { catalog, blobs });
  const dataset = await createDataset(catalog, { name: 'bench', split: { train: 1, val: 0, test: 0 }, seed: 1 });
  const extractor = new FeatureExtractor({
    config: defaultFeatureConfig,
    receivers: scenario.network.receivers.map((r) => r.id),
    cache: new FeatureCache(join(root, 'features')),
  });
  const makeLoader = (o: { memoryBytes?: number } = {}) =>
    DatasetLoader.create({
      catalog,
      blobs,
      extractor,
      frame,
      datasetId: dataset.id,
      split: 'train',
      batchSize,
      seed: 1,
      dropLast: true,
      ...o,
    });
  const loader = await makeLoader();
  return {
    scenario,
    frame,
    loader,
    makeLoader,
    close: async () => {
      await extractor.close();
      await db.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
