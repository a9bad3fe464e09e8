// bench/engine: training throughput of ResNet-18 through the Heimdall engine vs PyTorch eager,
// same network, same step (forward, MSE, backward, Adam), same thread count, in one run.
// Usage: npm run bench:engine -- [--steps N] [--warmup N] [--threads N] [--rounds N] [--widths 64,128,256,512]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randn } from '../../src/engine/creation.js';
import { mseLoss } from '../../src/engine/functional.js';
import { Adam } from '../../src/engine/optim/adam.js';
import { getNumThreads, libtorchVersion, liveTensorCount, manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import { keep, tidy } from '../../src/engine/scope.js';
import { ResNet18 } from '../../src/model/resnet.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    threads: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    batch: { type: 'string', default: '32' },
    channels: { type: 'string', default: '7' },
    widths: { type: 'string', default: '64,128,256,512' },
  },
});
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const batch = Number(values.batch);
const channels = Number(values.channels);
const widths = values.widths.split(',').map(Number) as [number, number, number, number];
if (values.threads) setNumThreads(Number(values.threads));
const threads = getNumThreads();
const [H, W, OUT] = [128, 32, 5];

function engineSamplesPerSecond(): number {
  manualSeed(0);
  const model = new ResNet18({ inChannels: channels, widths, outFeatures: OUT });
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = keep(randn([batch, channels, H, W]));
  const y = keep(randn([batch, OUT]));
  let total = 0;
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    tidy(() => {
      opt.zeroGrad();
      const loss = mseLoss(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
    if (i >= warmup) total += performance.now() - t0;
  }
  opt.dispose();
  model.dispose();
  x.dispose();
  y.dispose();
  return (batch * steps) / (total / 1000);
}

function torchSamplesPerSecond(): number | null {
  const python = '/usr/bin/python3';
  const script = join(dirname(fileURLToPath(import.meta.url)), '../../../bench/engine/torch_resnet18.py');
  const check = existsSync(python) ? spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }) : null;
  if (check === null || check.status !== 0) {
    console.log('PyTorch reference unavailable: install it with `sudo apt-get install -y python3-torch` (Debian/Ubuntu).');
    return null;
  }
  const args = [resolve(script), '--threads', String(threads), '--steps', String(steps), '--warmup', String(warmup)];
  args.push('--batch', String(batch), '--channels', String(channels), '--widths', widths.join(','), '--out', String(OUT));
  const r = spawnSync(python, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  if (r.status !== 0) throw new Error(`PyTorch reference failed (exit ${r.status}): ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  return (JSON.parse(line) as { samples_per_s: number }).samples_per_s;
}

console.log(`bench/engine: ResNet-18 widths ${widths.join('-')}, input ${channels}×${H}×${W}, batch ${batch}, Adam, MSE`);
console.log(
  `threads ${threads}, libtorch ${libtorchVersion()}, ${steps} timed steps after ${warmup} warm-up, ${rounds} rounds (best of each)`,
);
const live0 = liveTensorCount();
let bestEngine = 0;
let bestTorch: number | null = null;
for (let round = 1; round <= rounds; round++) {
  const e = engineSamplesPerSecond();
  const t = torchSamplesPerSecond();
  console.log(
    `  round ${round}: heimdall ${e.toFixed(1)} samples/s, pytorch ${t === null ? 'n/a' : `${t.toFixed(1)} samples/s`}`,
  );
  bestEngine = Math.max(bestEngine, e);
  if (t !== null) bestTorch = Math.max(bestTorch ?? 0, t);
}
console.log(`heimdall engine : ${bestEngine.toFixed(1)} samples/s`);
if (bestTorch !== null) {
  console.log(`pytorch eager   : ${bestTorch.toFixed(1)} samples/s`);
  console.log(`ratio           : ${(bestEngine / bestTorch).toFixed(3)}× PyTorch (target ≥ 0.95×)`);
}
console.log(`live tensors leaked by the benchmark: ${liveTensorCount() - live0}`);
