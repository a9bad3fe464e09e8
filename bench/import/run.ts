// bench/import: importing simulated transmissions into a fresh PGlite catalog and local blob store,
// sets read on the calling thread (workers 0) against worker threads (one per core) — the same
// files, the same rows, blobs and feature-cache entries, so the ratio is what reading in workers
// buys. Median and spread of the rounds, the two sides alternating which runs first.
// Usage: npm run bench:import -- [--preset dense-urban-uhf] [--transmissions 300] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveScenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulate.js';
import { LocalBlobStore } from '../../src/store/blobs/local.js';
import { Catalog } from '../../src/store/catalog/catalog.js';
import { openDatabase } from '../../src/store/db/index.js';
import { importDirectory } from '../../src/store/import.js';
import { formatSpread, loadLine, ratioSpread, spread } from '../stats.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'dense-urban-uhf' },
    transmissions: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '3' },
  },
});
const n = Number(values.transmissions);
const rounds = Number(values.rounds);
const root = mkdtempSync(join(tmpdir(), 'heimdall-bench-import-'));
const simDir = join(root, 'sim');

async function importOnce(workers: number): Promise<number> {
  const home = mkdtempSync(join(root, 'home-'));
  const db = await openDatabase({ dir: join(home, 'catalog') });
  const catalog = await Catalog.open(db);
  const t0 = performance.now();
  const r = await importDirectory(simDir, {
    catalog,
    blobs: new LocalBlobStore(join(home, 'blobs')),
    featureCacheDir: join(home, 'features'),
    workers,
  });
  const seconds = (performance.now() - t0) / 1000;
  await db.close();
  rmSync(home, { recursive: true, force: true });
  if (r.imported !== n) throw new Error(`bench/import: imported ${r.imported} of ${n}`);
  return seconds;
}

try {
  const scenario = resolveScenario({ preset: values.preset as string });
  await simulate({ scenario, seed: 1, samples: n, outDir: simDir });
  console.log(
    `bench/import: ${n} ${scenario.name} transmissions (${scenario.network.receivers.length} receivers), ${rounds} rounds; ${loadLine(loadavg(), availableParallelism())}`,
  );
  const main: number[] = [];
  const pooled: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const sides = round % 2 === 0 ? [0, availableParallelism()] : [availableParallelism(), 0];
    for (const workers of sides) (workers === 0 ? main : pooled).push((await importOnce(workers)) / n);
  }
  const ms = (xs: number[]) => xs.map((x) => x * 1000);
  console.log(
    `calling thread ${formatSpread(spread(ms(main)), 1)} ms/transmission   ${availableParallelism()} reader threads ${formatSpread(spread(ms(pooled)), 1)} ms/transmission   speed-up ${formatSpread(ratioSpread(main, pooled))}×`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
