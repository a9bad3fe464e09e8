// bench/loader: does the data loader keep the trainer fed? Batches/s of the loader (catalog →
// blobs → features → batches; cold feature cache, then warm) against training steps/s of
// ResNet-18 (widths 64-128-256-512, batch 32, 7 receivers × 128 × 32, Adam) measured in the same
// run. Target: loader ≥ 2× the train step rate. Usage: npm run bench:loader -- [--samples N] [--steps N]

import { parseArgs } from 'node:util';
import { randn } from '../../src/engine/creation.js';
import { mseLoss } from '../../src/engine/functional.js';
import { Adam } from '../../src/engine/optim/adam.js';
import { keep, tidy } from '../../src/engine/scope.js';
import { ResNet18 } from '../../src/model/resnet.js';
import { benchDataset } from '../dataset-fixture.js';

const { values } = parseArgs({
  options: { samples: { type: 'string', default: '192' }, steps: { type: 'string', default: '6' } },
});
const samples = Number(values.samples);
const BATCH = 32;
console.log(`bench/loader: nw-italy-2m (7 receivers), ${samples} transmissions, batch ${BATCH}`);
const { loader, close } = await benchDataset(samples, BATCH);

async function epochRate(epoch: number): Promise<number> {
  const t0 = performance.now();
  let batches = 0;
  for await (const _ of loader.epoch(epoch)) batches++;
  return batches / ((performance.now() - t0) / 1000);
}
const cold = await epochRate(0);
const warm = await epochRate(1);
await close();

const model = new ResNet18({ inChannels: 7, outFeatures: 5 });
const opt = new Adam(model.parameters(), { lr: 1e-3 });
const x = keep(randn([BATCH, 7, 128, 32]));
const y = keep(randn([BATCH, 5]));
const step = () =>
  tidy(() => {
    opt.zeroGrad();
    const loss = mseLoss(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  });
step();
const steps = Number(values.steps);
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const train = steps / ((performance.now() - t0) / 1000);

console.log(`loader, cold feature cache : ${cold.toFixed(2)} batches/s`);
console.log(`loader, warm feature cache : ${warm.toFixed(2)} batches/s`);
console.log(`ResNet-18 train steps      : ${train.toFixed(2)} steps/s`);
console.log(`ratio loader / train step  : cold ${(cold / train).toFixed(1)}×, warm ${(warm / train).toFixed(1)}× (target ≥ 2)`);
