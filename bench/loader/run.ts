// bench/loader: does the data loader keep the trainer fed? Batches/s of the loader (catalog →
// blobs → features → batches; one cold-cache epoch, then warm epochs: features held in memory, the
// default, and read from the disk feature cache, `memoryBytes: 0`) against two training steps
// measured in the same run, on the same batch shape (7 receivers × 128 × 32, batch 32):
//   - the quickstart network (LocalizationNet with quickstartDefaults' widths, AdamW with the
//     quickstart's weight decay, gradient clipping at 1, Gaussian NLL): what users train;
//   - a full-width ResNet-18 (64-128-256-512, Adam, MSE), 20–35× slower per step on a quiet machine.
// Target: loader ≥ 2× the train step rate. Warm rounds interleave the loader and both steps; each
// figure is the median over rounds with its min–max range, ratios are medians of per-round ratios.
// Usage: npm run bench:loader -- [--samples N] [--rounds N] [--resnet-steps N] [--quickstart-steps N]

import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ones, randn } from '../../src/engine/creation.js';
import { mseLoss } from '../../src/engine/functional.js';
import { Adam, AdamW } from '../../src/engine/optim/adam.js';
import { clipGradNorm } from '../../src/engine/optim/clip.js';
import { manualSeed } from '../../src/engine/runtime.js';
import { keep, tidy } from '../../src/engine/scope.js';
import { LocalizationNet } from '../../src/model/localization-net.js';
import { gaussianNll } from '../../src/model/losses.js';
import { ResNet18 } from '../../src/model/resnet.js';
import { quickstartDefaults } from '../../src/pipeline/quickstart-defaults.js';
import { defaultFeatureConfig } from '../../src/signal/features/config.js';
import { SCALAR_COUNT } from '../../src/signal/features/scalars.js';
import { benchDataset } from '../dataset-fixture.js';
import { formatSpread, loadLine, ratioSpread, spread } from '../stats.js';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '192' },
    rounds: { type: 'string', default: '3' },
    'resnet-steps': { type: 'string', default: '4' },
    'quickstart-steps': { type: 'string', default: '30' },
  },
});
const samples = Number(values.samples);
const rounds = Number(values.rounds);
const BATCH = quickstartDefaults.batchSize;
const c = defaultFeatureConfig;
const load = () => loadLine(loadavg(), cpus().length);
console.log(`bench/loader: nw-italy-2m (7 receivers), ${samples} transmissions, batch ${BATCH}; at start: ${load()}`);
const { scenario, frame, loader, makeLoader, close } = await benchDataset(samples, BATCH);
const diskLoader = await makeLoader({ memoryBytes: 0 });
const r = scenario.network.receivers.length;

async function epochRate(epoch: number, l = loader): Promise<number> {
  const t0 = performance.now();
  let batches = 0;
  for await (const _ of l.epoch(epoch)) batches++;
  return batches / ((performance.now() - t0) / 1000);
}

/** Steps/s of `steps` calls of `step` after one warm-up call. */
function stepRate(step: () => void, steps: number): number {
  step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  return steps / ((performance.now() - t0) / 1000);
}

manualSeed(1);
// The quickstart's network and step (src/pipeline/quickstart.ts and the Trainer's step).
const receivers = scenario.network.receivers.map((s) => ({ id: s.id, ...frame.toLocal(s) }));
const qsNet = new LocalizationNet({ receivers, scaleM: 100_000, scalarCount: SCALAR_COUNT, widths: quickstartDefaults.widths });
const qsOpt = new AdamW(qsNet.parameters(), { lr: quickstartDefaults.lr, weightDecay: 1e-4 });
const qsIn = {
  mel: keep(randn([BATCH, r, c.melBands, c.frames])),
  scalars: keep(randn([BATCH, r, SCALAR_COUNT])),
  mask: keep(ones([BATCH, r], 'uint8')),
};
const qsTarget = keep(randn([BATCH, 2]));
const quickstartStep = () =>
  tidy(() => {
    qsOpt.zeroGrad();
    const { position, raw } = qsNet.predict(qsIn);
    const loss = gaussianNll(position, raw, qsTarget);
    loss.item();
    loss.backward();
    clipGradNorm(qsNet.parameters(), 1);
    qsOpt.step();
  });

const resnet = new ResNet18({ inChannels: r, outFeatures: 5 });
const resnetOpt = new Adam(resnet.parameters(), { lr: 1e-3 });
const x = keep(randn([BATCH, r, c.melBands, c.frames]));
const y = keep(randn([BATCH, 5]));
const resnetStep = () =>
  tidy(() => {
    resnetOpt.zeroGrad();
    const loss = mseLoss(resnet.forward(x), y);
    loss.backward();
    resnetOpt.step();
    loss.item();
  });

const cold = await epochRate(0);
const cQs = stepRate(quickstartStep, Number(values['quickstart-steps']));
const cRes = stepRate(resnetStep, Number(values['resnet-steps']));
console.log(
  `cold epoch: loader ${cold.toFixed(2)} batches/s; quickstart step ${cQs.toFixed(2)}/s, ResNet-18 step ${cRes.toFixed(2)}/s`,
);
const warm: number[] = [];
const disk: number[] = [];
const qs: number[] = [];
const res: number[] = [];
for (let round = 1; round <= rounds; round++) {
  warm.push(await epochRate(round));
  disk.push(await epochRate(round, diskLoader));
  qs.push(stepRate(quickstartStep, Number(values['quickstart-steps'])));
  res.push(stepRate(resnetStep, Number(values['resnet-steps'])));
  console.log(
    `  warm round ${round}: loader ${warm.at(-1)?.toFixed(1)} batches/s (memory), ${disk.at(-1)?.toFixed(2)} (disk cache); quickstart step ${qs.at(-1)?.toFixed(2)}/s, ResNet-18 step ${res.at(-1)?.toFixed(2)}/s; ${load()}`,
  );
}
await close();

const w = quickstartDefaults.widths.join('-');
console.log(`\nmedian over ${rounds} warm rounds (min–max):`);
console.log(`loader, cold feature cache         : ${cold.toFixed(2)} batches/s (one epoch)`);
console.log(`loader, warm, features in memory   : ${formatSpread(spread(warm), 1)} batches/s`);
console.log(`loader, warm, disk feature cache   : ${formatSpread(spread(disk))} batches/s`);
console.log(`quickstart net ${w} step   : ${formatSpread(spread(qs))} steps/s`);
console.log(`ResNet-18 64-128-256-512 step      : ${formatSpread(spread(res))} steps/s`);
console.log(
  `ratio loader / quickstart step     : cold ${(cold / cQs).toFixed(1)}×, warm disk ${formatSpread(ratioSpread(disk, qs), 1)}×, warm memory ${formatSpread(ratioSpread(warm, qs), 0)}× (target ≥ 2)`,
);
console.log(
  `ratio loader / ResNet-18 step      : cold ${(cold / cRes).toFixed(1)}×, warm disk ${formatSpread(ratioSpread(disk, res), 1)}×, warm memory ${formatSpread(ratioSpread(warm, res), 0)}× (target ≥ 2)`,
);
console.log(`at end: ${load()}`);
