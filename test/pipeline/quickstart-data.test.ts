// What a quickstart run trains on: exactly its own transmissions (its seed, its --samples), from a
// simulation marked complete. An interrupted simulation is simulated again, never imported; two
// runs in one home never share a dataset; too few samples are refused before anything runs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setNumThreads } from '../../src/engine/runtime.js';
import { MIN_QUICKSTART_SAMPLES, type QuickstartReport, quickstart } from '../../src/pipeline/quickstart.js';
import { quickstartDefaults } from '../../src/pipeline/quickstart-defaults.js';
import { COMPLETION_FILE } from '../../src/sim/completion.js';
import { openStore } from '../../src/store/open.js';

setNumThreads(2);

const { DATABASE_URL: _ignored, ...env } = process.env;

const tiny = (home: string, log: string[], extra: { seed?: number; samples?: number; signal?: AbortSignal } = {}) => ({
  env,
  ...quickstartDefaults,
  preset: 'dense-urban-uhf',
  samples: 40,
  maxEpochs: 1,
  batchSize: 8,
  widths: [4, 8, 8, 16] as [number, number, number, number],
  home,
  log: (l: string) => log.push(l),
  ...extra,
});

/** "lat,lon" of the truth of every transmission folder of a simulation folder. */
function simulatedPositions(simDir: string): Set<string> {
  const out = new Set<string>();
  for (const name of readdirSync(simDir).filter((n) => n.startsWith('tx-')))
    out.add(collectionPosition(join(simDir, name, `${name}.sigmf-collection`)));
  return out;
}

function collectionPosition(path: string): string {
  const truth = JSON.parse(readFileSync(path, 'utf8')).collection['heimdall:truth'];
  return `${truth.lat},${truth.lon}`;
}

/** The run's dataset, read back from the catalog: positions per split. */
async function datasetPositions(home: string, r: QuickstartReport): Promise<Record<'train' | 'val' | 'test', string[]>> {
  const store = await openStore({ home, env });
  try {
    const d = await store.catalog.getDataset(r.dataset.name, r.dataset.version);
    const out = { train: [] as string[], val: [] as string[], test: [] as string[] };
    for (const split of ['train', 'val', 'test'] as const)
      out[split] = (await store.catalog.datasetSessions(d.id, split)).map((s) => `${s.truthLat},${s.truthLon}`);
    return out;
  } finally {
    await store.close();
  }
}

test('too few --samples are refused before anything is simulated, with the minimum that works', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-qs-few-'));
  assert.equal(MIN_QUICKSTART_SAMPLES, 6);
  await assert.rejects(quickstart(tiny(home, [], { samples: 5 })), {
    name: 'RangeError',
    message:
      'quickstart: --samples 5 is too few: the 70/15/15 split gives 4 train / 1 validation / 0 test transmissions, and training needs all three; use --samples 6 or more',
  });
  await assert.rejects(
    quickstart(tiny(home, [], { samples: 2 })),
    /--samples 2 is too few: .* 1 train \/ 0 validation \/ 1 test/,
  );
  assert.equal(existsSync(join(home, 'quickstart')), false, 'nothing simulated');
});

test('an interrupted simulation is simulated again; each run’s dataset is exactly its own seed and --samples', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-qs-data-'));
  const simDir = (seed: number, n: number) => join(home, 'quickstart', `dense-urban-uhf-seed${seed}-n${n}`);

  // Ctrl-C during step 1: quickstart rejects (it does not go on to import), the folder has no marker.
  const controller = new AbortController();
  const aborted: string[] = [];
  const stopDuringStep1 = (l: string) => {
    aborted.push(l);
    if (l.startsWith('1/6 simulating')) setImmediate(() => controller.abort());
  };
  await assert.rejects(quickstart({ ...tiny(home, aborted, { signal: controller.signal }), log: stopDuringStep1 }), {
    message: `quickstart: interrupted while simulating; ${simDir(1, 40)} is not marked complete and will be simulated again`,
  });
  assert.equal(existsSync(join(simDir(1, 40), COMPLETION_FILE)), false);
  assert.ok(!aborted.some((l) => l.startsWith('2/6')), 'nothing imported after the interruption');

  // The next run simulates again (it does not import the partial folder) and uses all 40.
  const log1: string[] = [];
  const one = await quickstart(tiny(home, log1));
  assert.ok(log1.some((l) => l.startsWith('1/6 simulating 40 transmissions')));
  assert.ok(log1.includes(`    (${simDir(1, 40)}: ${COMPLETION_FILE} is missing (an earlier simulation was interrupted))`));
  assert.ok(existsSync(join(simDir(1, 40), COMPLETION_FILE)));

  // Another seed and a smaller count in the same home (same scenario, same dataset name).
  const two = await quickstart(tiny(home, [], { seed: 2, samples: 30 }));
  for (const [r, seed, n] of [
    [one, 1, 40],
    [two, 2, 30],
  ] as const) {
    assert.equal(r.dataset.train + r.dataset.val + r.dataset.test, n, `seed ${seed}: split sizes sum to --samples`);
    const d = await datasetPositions(home, r);
    const all = [...d.train, ...d.val, ...d.test];
    assert.deepEqual(
      new Set(all),
      simulatedPositions(simDir(seed, n)),
      `seed ${seed}: the dataset is exactly this run's transmissions`,
    );
    const example = r.exampleRecording as string;
    assert.ok(example.startsWith(`${simDir(seed, n)}/`), `seed ${seed}: example ${example} is in this run's folder`);
    assert.ok(d.test.includes(collectionPosition(example)), `seed ${seed}: the example is in this run's test split`);
  }
  assert.deepEqual([two.dataset.train, two.dataset.val, two.dataset.test], [21, 5, 4]);
});

test('--init-from with --epochs 0 evaluates another run’s weights as they are; a checkpoint of another network is refused', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-qs-init-'));
  await assert.rejects(quickstart({ ...tiny(home, []), maxEpochs: 0 }), {
    name: 'RangeError',
    message: 'quickstart: --epochs 0 evaluates weights without training; it needs --init-from CHECKPOINT',
  });
  const trained = await quickstart(tiny(home, []));
  const checkpoint = trained.checkpoint as string;
  // The same data and the trained weights, untrained further: the same gains are fitted on the same
  // validation split, so every test metric is the trained run's.
  const log: string[] = [];
  const again = await quickstart({ ...tiny(home, log), maxEpochs: 0, initFrom: checkpoint });
  assert.equal(again.fit.epochs, 0);
  assert.deepEqual(again.evaluation.metrics, trained.evaluation.metrics);
  assert.ok(log.some((l) => l.includes('correction gains on validation: position')));
  // dense-urban-uhf has 16 receivers, nw-italy-2m 7: the weights do not fit.
  await assert.rejects(
    quickstart({ ...tiny(home, []), preset: 'nw-italy-2m', samples: 20, maxEpochs: 0, initFrom: checkpoint }),
    {
      message: new RegExp(
        `^quickstart: --init-from ${checkpoint}: loadStateDict: '.*' has shape \\[.*\\] in the source but \\[.*\\] in the model \\(it must be a checkpoint of the same architecture and receiver count\\)$`,
      ),
    },
  );
});
