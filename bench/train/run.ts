// bench/train: end-to-end training throughput (samples/s over an epoch, loader and trainer
// included, warm feature cache) against the engine's bare step on the same network and batch
// shape in the same run. Target ratio ≥ 0.9 (the loader must hide behind the training step).
// Usage: npm run bench:train -- [--samples N] [--widths 16,32,64,128]

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
  options: { samples: { type: 'string', default: '320' }, widths: { type: 'string', default: '16,32,64,128' } },
});
const samples = Number(values.samples);
const widths = values.widths.split(',').map(Number) as [number, number, number, number];
const BATCH = 32;
const c = defaultFeatureConfig;
const { scenario, frame, loader, close } = await benchDataset(samples, BATCH);
const receivers = scenario.network.receivers.map((r) => ({ id: r.id, ...frame.toLocal(r) }));
for await (const _ of loader.epoch(0)); // warm the feature cache

manualSeed(1);
const net = new LocalizationNet({ receivers, scaleM: 100_000, scalarCount: SCALAR_COUNT, widths });
const trainer = new Trainer({ maxEpochs: 1, earlyStopping: null, seed: 1, log: () => {} });
const t0 = performance.now();
await trainer.fit(new LocalizationModule(net), loaderSource(loader, net, c.melBands, c.frames));
const endToEnd = (loader.batchesPerEpoch * BATCH) / ((performance.now() - t0) / 1000);

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
const t1 = performance.now();
for (let i = 0; i < steps; i++) step();
const bare = (steps * BATCH) / ((performance.now() - t1) / 1000);
await close();

console.log(`bench/train: LocalizationNet widths ${widths.join('-')}, nw-italy-2m (7 receivers), batch ${BATCH}, ${steps} steps`);
console.log(`end to end (loader + trainer, warm cache) : ${endToEnd.toFixed(1)} samples/s`);
console.log(`bare engine step                          : ${bare.toFixed(1)} samples/s`);
console.log(`ratio                                     : ${(endToEnd / bare).toFixed(2)} (target ≥ 0.9)`);
