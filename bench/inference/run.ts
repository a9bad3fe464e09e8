// bench/inference: LocalizationNet inference latency and throughput, onnxruntime (the exported
// file, BN folded) vs PyTorch eager vs the training engine (libtorch via the addon), same
// network (full-width ResNet-18, 7 receivers), same thread count, in one run.
// Rounds interleave the three sides and the best figure of each side is kept (the machine is
// shared: a busy neighbour inflates whichever side runs at that moment).
// Usage: npm run bench:inference -- [--threads N] [--runs N] [--batches N] [--rounds N] [--widths 64,128,256,512]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import { engineOutputs, exportLocalizationNet, localizationMetadata, syntheticBatch } from '../../src/export/export.js';
import { createSession, runBatch } from '../../src/export/ort.js';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { LocalizationNet } from '../../src/model/localization-net.js';
import { defaultFeatureConfig } from '../../src/signal/features/config.js';
import { SCALAR_COUNT, SCALAR_NAMES } from '../../src/signal/features/scalars.js';
import { NW_ITALY_WEBSDR } from '../../src/sim/networks.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    runs: { type: 'string', default: '300' },
    batches: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    widths: { type: 'string', default: '64,128,256,512' },
  },
});
const threads = Number(values.threads);
const runs = Number(values.runs);
const batches = Number(values.batches);
const rounds = Number(values.rounds);
const widths = values.widths.split(',').map(Number) as [number, number, number, number];
setNumThreads(threads);
const c = defaultFeatureConfig;

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1] as number;
const p90 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(0.9 * v.length)] as number;

/** Median and p90 latency (ms) of `fn` after warm-up, and samples/s of batch-32 calls. */
async function measure(one: () => Promise<unknown> | unknown, big: () => Promise<unknown> | unknown) {
  for (let i = 0; i < 20; i++) await one();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await one();
    times.push(performance.now() - t0);
  }
  for (let i = 0; i < 3; i++) await big();
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) await big();
  return {
    b1: median(times),
    b1p90: p90(times),
    b1min: Math.min(...times),
    b32: (32 * batches) / ((performance.now() - t0) / 1000),
  };
}

function torchReference(): {
  batch1_ms_median: number;
  batch1_ms_p90: number;
  batch1_ms_min: number;
  batch32_samples_per_s: number;
  torch: string;
} | null {
  const python = '/usr/bin/python3';
  const script = join(dirname(fileURLToPath(import.meta.url)), '../../../bench/inference/torch_localization.py');
  const check = existsSync(python) ? spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }) : null;
  if (check === null || check.status !== 0) {
    console.log('PyTorch reference unavailable: install it with `sudo apt-get install -y python3-torch` (Debian/Ubuntu).');
    return null;
  }
  const args = [
    resolve(script),
    '--threads',
    String(threads),
    '--widths',
    widths.join(','),
    '--runs',
    String(runs),
    '--batches',
    String(batches),
  ];
  const r = spawnSync(python, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  if (r.status !== 0) throw new Error(`PyTorch reference failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
}

manualSeed(0);
const sites = NW_ITALY_WEBSDR.receivers;
const frame = LocalFrame.centroidOf(sites);
const receivers = sites.map((s) => ({ id: s.id, ...frame.toLocal(s) }));
const net = new LocalizationNet({ receivers, scaleM: 150_000, scalarCount: SCALAR_COUNT, widths });
const dir = mkdtempSync(join(tmpdir(), 'heimdall-bench-inference-'));
const path = join(dir, 'model.onnx');
const stats = {
  melBands: c.melBands,
  frames: c.frames,
  melMean: new Array(c.melBands).fill(0),
  melStd: new Array(c.melBands).fill(1),
  scalarNames: [...SCALAR_NAMES],
  scalarMean: new Array(SCALAR_COUNT).fill(0),
  scalarStd: new Array(SCALAR_COUNT).fill(1),
  count: 1,
};
const metadata = localizationMetadata(net, {
  modelVersion: 'bench',
  frame,
  receivers: sites,
  featureConfig: c,
  featureStats: stats,
  sigmaFloor: 1e-3,
  sigmaScale: 1,
});
const exported = await exportLocalizationNet(net, { path, metadata, checker: false });
const r = receivers.length;
// The same network with int8 convolutions (QDQ), calibrated on a separate synthetic batch.
const pathInt8 = join(dir, 'model.int8.onnx');
const exportedInt8 = await exportLocalizationNet(net, {
  path: pathInt8,
  metadata,
  precision: 'int8',
  calibrationBatch: syntheticBatch(32, receivers.length, c.melBands, c.frames, SCALAR_COUNT, 7),
  verifyBatch: syntheticBatch(16, receivers.length, c.melBands, c.frames, SCALAR_COUNT, 8),
  checker: false,
});
console.log(
  `load average at start: ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')} (2 cores; other work inflates every side)`,
);
console.log(`bench/inference: LocalizationNet, ResNet-18 widths ${widths.join('-')}, ${r} receivers × ${c.melBands}×${c.frames}`);
console.log(
  `threads ${threads}; ${runs} timed batch-1 runs (median) after 20 warm-up; ${batches} batch-32 calls; model ${(exported.bytes / 1e6).toFixed(1)} MB, parity ${exported.maxRelDiff.toExponential(1)}`,
);
const q = exportedInt8.int8;
console.log(
  `int8 model ${(exportedInt8.bytes / 1e6).toFixed(1)} MB; vs the engine: positions within ${q?.positionSigmas.toFixed(3)} σ, σ within ${((q?.sigmaRelative ?? 0) * 100).toFixed(1)} %, ρ within ${q?.rho.toFixed(3)}`,
);

const one = syntheticBatch(1, r, c.melBands, c.frames, SCALAR_COUNT, 1);
const big = syntheticBatch(32, r, c.melBands, c.frames, SCALAR_COUNT, 2);
const dims = { receivers: r, melBands: c.melBands, frames: c.frames, scalars: SCALAR_COUNT };
const session = await createSession(path, { threads });
const sessionInt8 = await createSession(pathInt8, { threads });
const post = { sigmaFloor: 1e-3, sigmaScale: 1, melBands: c.melBands, frames: c.frames };
type Figures = { b1: number; b1p90: number; b1min: number; b32: number };
const best = (a: Figures | null, b: Figures): Figures =>
  a === null
    ? b
    : {
        b1: Math.min(a.b1, b.b1),
        b1p90: Math.min(a.b1p90, b.b1p90),
        b1min: Math.min(a.b1min, b.b1min),
        b32: Math.max(a.b32, b.b32),
      };
let ort: Figures | null = null;
let ortInt8: Figures | null = null;
let engine: Figures | null = null;
let torch: (Figures & { version: string }) | null = null;
const fmt = (m: Figures) => `${m.b1.toFixed(2)} ms / ${m.b32.toFixed(0)} samples/s`;
for (let round = 1; round <= rounds; round++) {
  const o = await measure(
    () => runBatch(session, one, dims),
    () => runBatch(session, big, dims),
  );
  const q8 = await measure(
    () => runBatch(sessionInt8, one, dims),
    () => runBatch(sessionInt8, big, dims),
  );
  ortInt8 = best(ortInt8, q8);
  const e = await measure(
    () => engineOutputs(net, one, post),
    () => engineOutputs(net, big, post),
  );
  const t = torchReference();
  ort = best(ort, o);
  engine = best(engine, e);
  if (t !== null) {
    const f = { b1: t.batch1_ms_median, b1p90: t.batch1_ms_p90, b1min: t.batch1_ms_min, b32: t.batch32_samples_per_s };
    torch = { ...best(torch, f), version: t.torch };
  }
  console.log(
    `  round ${round} (batch-1 median / batch-32): onnxruntime ${fmt(o)}, onnxruntime int8 ${fmt(q8)}, engine ${fmt(e)}, pytorch ${t ? fmt({ b1: t.batch1_ms_median, b1p90: 0, b1min: 0, b32: t.batch32_samples_per_s }) : 'n/a'}`,
  );
}
await session.release();
await sessionInt8.release();
if (ort === null || ortInt8 === null || engine === null) throw new Error('bench/inference: --rounds must be at least 1');
const row = (name: string, m: Figures) =>
  console.log(
    `${name.padEnd(26)} batch-1 ${m.b1.toFixed(2).padStart(7)} ms (p90 ${m.b1p90.toFixed(2)}, min ${m.b1min.toFixed(2)})   batch-32 ${m.b32.toFixed(0).padStart(6)} samples/s`,
  );
row('onnxruntime (exported)', ort);
row('onnxruntime int8 (QDQ)', ortInt8);
row('heimdall engine (libtorch)', engine);
if (torch !== null) {
  row(`pytorch ${torch.version} eager`, torch);
  console.log(`ratio batch-1 latency  : onnxruntime ${(torch.b1 / ort.b1).toFixed(2)}× faster than PyTorch eager (target ≥ 10×)`);
  // The fastest single run is each side's cost without interference: the steadier comparison on a busy machine.
  console.log(`ratio batch-1 fastest  : onnxruntime ${(torch.b1min / ort.b1min).toFixed(2)}× faster than PyTorch eager`);
  console.log(`ratio batch-32 through.: onnxruntime ${(ort.b32 / torch.b32).toFixed(2)}× PyTorch eager`);
  console.log(
    `ratio batch-1 latency  : onnxruntime int8 ${(torch.b1 / ortInt8.b1).toFixed(2)}× faster than PyTorch eager (target ≥ 10×)`,
  );
  console.log(`ratio batch-1 fastest  : onnxruntime int8 ${(torch.b1min / ortInt8.b1min).toFixed(2)}× faster than PyTorch eager`);
  console.log(`ratio batch-32 through.: onnxruntime int8 ${(ortInt8.b32 / torch.b32).toFixed(2)}× PyTorch eager`);
}
console.log(
  `target batch-1 latency ≤ 3 ms: ${ort.b1 <= 3 ? 'met' : 'NOT met'} (fp32 ${ort.b1.toFixed(2)} ms, int8 ${ortInt8.b1.toFixed(2)} ms)`,
);
console.log(
  `load average at end: ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);
net.dispose();
rmSync(dir, { recursive: true, force: true });
