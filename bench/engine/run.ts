// bench/engine: training throughput of ResNet-18 through the Heimdall engine vs PyTorch eager,
// same network, same step (forward, MSE, backward, Adam), same thread count, in one run.
// Rounds alternate which side runs first (so drifting load from other processes hits both alike);
// the summary is the median and range over rounds, never the best round, plus the load average.
// Usage: npm run bench:engine -- [--steps N] [--warmup N] [--threads N] [--rounds N] [--widths 64,128,256,512]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeBlas } from '../../src/engine/blas.js';
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
    rounds: { type: 'string', default: '5' },
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

/** One side's round: wall-clock throughput, and process CPU time per sample (all threads; less sensitive to other load). */
interface Round {
  samplesPerS: number;
  cpuMsPerSample: number;
}

function engineRound(): Round {
  manualSeed(0);
  const model = new ResNet18({ inChannels: channels, widths, outFeatures: OUT });
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = keep(randn([batch, channels, H, W]));
  const y = keep(randn([batch, OUT]));
  let total = 0;
  let cpuMicros = 0;
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    tidy(() => {
      opt.zeroGrad();
      const loss = mseLoss(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
    if (i >= warmup) {
      total += performance.now() - t0;
      const c = process.cpuUsage(c0);
      cpuMicros += c.user + c.system;
    }
  }
  opt.dispose();
  model.dispose();
  x.dispose();
  y.dispose();
  return { samplesPerS: (batch * steps) / (total / 1000), cpuMsPerSample: cpuMicros / 1000 / (batch * steps) };
}

function torchRound(): Round | null {
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
  const parsed = JSON.parse(line) as { samples_per_s: number; cpu_ms_per_sample: number };
  return { samplesPerS: parsed.samples_per_s, cpuMsPerSample: parsed.cpu_ms_per_sample };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** "38.2 samples/s median (range 36.9–39.0, ±2.8 %)": the median, then min–max and half the range as a share of the median. */
function summary(xs: number[], unit: string, digits = 1): string {
  const m = median(xs);
  const spread = ((Math.max(...xs) - Math.min(...xs)) / 2 / m) * 100;
  const [lo, hi] = [Math.min(...xs).toFixed(digits), Math.max(...xs).toFixed(digits)];
  return `${m.toFixed(digits)} ${unit} median (range ${lo}–${hi}, ±${spread.toFixed(1)} %)`;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`bench/engine: ResNet-18 widths ${widths.join('-')}, input ${channels}×${H}×${W}, batch ${batch}, Adam, MSE`);
console.log(`threads ${threads}, libtorch ${libtorchVersion()}, BLAS ${describeBlas()}`);
console.log(`${steps} timed steps after ${warmup} warm-up, ${rounds} rounds (median and range reported)`);
console.log(`load average before: ${load()} (1, 5, 15 min; ${availableParallelism()} cores)`);
const live0 = liveTensorCount();
const engine: Round[] = [];
const reference: Round[] = [];
const ratios: number[] = [];
for (let round = 1; round <= rounds; round++) {
  // Odd rounds run the engine first, even rounds PyTorch first.
  let e: Round;
  let t: Round | null;
  if (round % 2 === 1) {
    e = engineRound();
    t = torchRound();
  } else {
    t = torchRound();
    e = engineRound();
  }
  engine.push(e);
  if (t !== null) {
    reference.push(t);
    ratios.push(e.samplesPerS / t.samplesPerS);
  }
  const side = (r: Round) => `${r.samplesPerS.toFixed(1)} samples/s (${r.cpuMsPerSample.toFixed(1)} CPU-ms/sample)`;
  const tText = t === null ? 'n/a' : `${side(t)}, ratio ${(e.samplesPerS / t.samplesPerS).toFixed(3)}`;
  console.log(`  round ${round}: heimdall ${side(e)}, pytorch ${tText} (load ${load()})`);
}
const rate = (rs: Round[]) => rs.map((r) => r.samplesPerS);
const cpu = (rs: Round[]) => rs.map((r) => r.cpuMsPerSample);
console.log(`heimdall engine : ${summary(rate(engine), 'samples/s')}; ${summary(cpu(engine), 'CPU-ms/sample')}`);
if (reference.length > 0) {
  console.log(`pytorch eager   : ${summary(rate(reference), 'samples/s')}; ${summary(cpu(reference), 'CPU-ms/sample')}`);
  const [lo, hi] = [Math.min(...ratios).toFixed(3), Math.max(...ratios).toFixed(3)];
  const ofMedians = (median(rate(engine)) / median(rate(reference))).toFixed(3);
  console.log(
    `ratio           : ${median(ratios).toFixed(3)}× PyTorch, median of per-round ratios (range ${lo}–${hi}; ratio of medians ${ofMedians}; target ≥ 0.95×)`,
  );
  const cpuRatio = median(cpu(reference)) / median(cpu(engine));
  console.log(`CPU efficiency  : ${cpuRatio.toFixed(3)}× PyTorch (PyTorch's median CPU time per sample over the engine's)`);
}
console.log(`load average after: ${load()}`);
console.log(`live tensors leaked by the benchmark: ${liveTensorCount() - live0}`);
