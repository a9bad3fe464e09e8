// bench/train: end-to-end training throughput (samples/s over an epoch, loader and trainer
// included, warm feature cache) against the engine's bare step on the same network and batch
// shape in the same run. Target ratio ≥ 0.9 (the loader must hide behind the training step).
// Rounds alternate one end-to-end epoch with the same number of bare steps, and the median of
// the per-round ratios is reported, so load from other processes hits both sides alike.
// Usage: npm run bench:train -- [--samples N] [--widths 16,32,64,128] [--rounds R]

import { parseArgs } from 'node:util';
import { ones, randn } from '../../src/engine/creation.js';
import { Adam } from '../../src/engine/optim/adam.js';
import { manualSeed } from '../../src/engine/runtime.js';
import { keep, tidy } from '../../src/engine/scope.js';
import { LocalizationNet } from '../../src/model/localization-net.js';
import { gaussianNll } from '../../src/model/losses.js';
import { defaultFeatureConfig } from '../../src/signal/features/config.js';
import { SCALAR_COUNT } from '../../src/signal/features/scalars.js';
import { LocalizationModule, loaderSource } from '../../src/train/localization-module.js';
import { Trainer } from '../../src/train/trainer.js';
import { benchDataset } from '../dataset-fixture.js';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '1280' },
    widths: { type: 'string', default: '16,32,64,128' },
    rounds: { type: 'string', default: '5' },
  },
});
const samples = Number(values.samples);
const widths = values.widths.split(',').map(Number) as [number, number, number, number];
const BATCH = 32;
const c = defaultFeatureConfig;
const { scenario, frame, loader, makeLoader, close } = await benchDataset(samples, BATCH);
// The same split read from the disk feature cache every epoch (nothing held in memory).
const diskLoader = await makeLoader({ memoryBytes: 0 });
const receivers = scenario.network.receivers.map((r) => ({ id: r.id, ...frame.toLocal(r) }));
for await (const _ of loader.epoch(0)); // warm the feature cache

manualSeed(1);
const net = new LocalizationNet({ receivers, scaleM: 100_000, scalarCount: SCALAR_COUNT, widths });
const opt = new Adam(net.parameters(), { lr: 1e-3 });
const x = {
  mel: keep(randn([BATCH, 7, c.melBands, c.frames])),
  scalars: keep(randn([BATCH, 7, SCALAR_COUNT])),
  mask: keep(ones([BATCH, 7], 'uint8')),
};
const y = keep(randn([BATCH, 2]));
const step = () =>
  tidy(() => {
    opt.zeroGrad();
    const { position, raw } = net.predict(x);
    gaussianNll(position, raw, y).backward();
    opt.step();
  });
step();
const steps = loader.batchesPerEpoch;
const rows: Record<'memory' | 'disk', { endToEnd: number; bare: number }[]> = { memory: [], disk: [] };
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const [kind, l] of [
    ['memory', loader],
    ['disk', diskLoader],
  ] as const) {
    const trainer = new Trainer({ maxEpochs: 1, earlyStopping: null, seed: round, log: () => {} });
    const t0 = performance.now();
    await trainer.fit(new LocalizationModule(net), loaderSource(l, net, c.melBands, c.frames));
    const endToEnd = (steps * BATCH) / ((performance.now() - t0) / 1000);
    const t1 = performance.now();
    for (let i = 0; i < steps; i++) step();
    const bare = (steps * BATCH) / ((performance.now() - t1) / 1000);
    rows[kind].push({ endToEnd, bare });
    console.log(
      `round ${round} ${kind.padEnd(6)}: end to end ${endToEnd.toFixed(1)} samples/s, bare step ${bare.toFixed(1)} samples/s, ratio ${(endToEnd / bare).toFixed(2)}`,
    );
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
await close();

console.log(
  `bench/train: LocalizationNet widths ${widths.join('-')}, nw-italy-2m (7 receivers), batch ${BATCH}, ${steps} steps per epoch`,
);
for (const kind of ['memory', 'disk'] as const) {
  const r = rows[kind];
  const what = kind === 'memory' ? 'warm epoch, features held in memory' : 'warm epoch, features from the disk cache';
  console.log(
    `${what.padEnd(42)}: end to end ${median(r.map((x) => x.endToEnd)).toFixed(1)} samples/s vs bare step ${median(r.map((x) => x.bare)).toFixed(1)} samples/s => ratio ${median(r.map((x) => x.endToEnd / x.bare)).toFixed(2)} (median of rounds; target ≥ 0.9)`,
  );
}
