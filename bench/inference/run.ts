// bench/inference: LocalizationNet inference latency and throughput, like against like, in one run:
//   fp32 onnxruntime (the exported file, BN folded)  vs  fp32 PyTorch (BN folded, inference_mode;
//        eager, frozen TorchScript and optimize_for_inference: the fastest is the reference)
//   int8 onnxruntime (QDQ convolutions)              vs  int8 PyTorch (FX post-training static
//        quantization of the same convolutions, fbgemm or, where absent, onednn)
//   the training engine (libtorch via the addon, fp32 eager, BN unfolded) for reference.
// PyTorch runs the engine's own weights with shapes read from the network, and must reproduce the
// exported model's outputs before anything is timed. Same thread count on every side (torch
// intra-op = ORT intra-op = engine; inter-op 1), same inputs, same batch sizes. Rounds interleave
// the sides; each figure is the median over rounds with the min–max range, and each ratio is the
// median of the per-round ratios.
// Usage: npm run bench:inference -- [--threads N] [--runs N] [--batches N] [--rounds N] [--widths 64,128,256,512]

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import {
  compareInt8,
  compareOutputs,
  engineOutputs,
  exportLocalizationNet,
  localizationMetadata,
  PARITY_TOLERANCE,
  syntheticBatch,
} from '../../src/export/export.js';
import { createSession, runBatch } from '../../src/export/ort.js';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { LocalizationNet } from '../../src/model/localization-net.js';
import { defaultFeatureConfig } from '../../src/signal/features/config.js';
import { SCALAR_COUNT, SCALAR_NAMES } from '../../src/signal/features/scalars.js';
import { NW_ITALY_WEBSDR } from '../../src/sim/networks.js';
import { formatSpread, loadLine, ratioSpread, spread } from '../stats.js';
import { FP32_VARIANTS, runTorchReference, type TorchVariant, torchUnavailable } from './torch-reference.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    runs: { type: 'string', default: '200' },
    batches: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' },
    widths: { type: 'string', default: '64,128,256,512' },
  },
});
const threads = Number(values.threads);
const runs = Number(values.runs);
const batches = Number(values.batches);
const rounds = Number(values.rounds);
const widths = values.widths.split(',').map(Number) as [number, number, number, number];
if (!(rounds >= 1 && runs >= 1 && batches >= 1))
  throw new RangeError('bench/inference: --rounds, --runs and --batches must be ≥ 1');
setNumThreads(threads);
const c = defaultFeatureConfig;
const load = () => loadLine(loadavg(), cpus().length);

/** One side's figures in one round: batch-1 median latency (ms) and batch-32 samples/s. */
interface Figures {
  b1: number;
  b32: number;
}

async function measure(one: () => Promise<unknown> | unknown, big: () => Promise<unknown> | unknown): Promise<Figures> {
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
  return { b1: spread(times).median, b32: (32 * batches) / ((performance.now() - t0) / 1000) };
}

manualSeed(0);
const sites = NW_ITALY_WEBSDR.receivers;
const frame = LocalFrame.centroidOf(sites);
const receivers = sites.map((s) => ({ id: s.id, ...frame.toLocal(s) }));
const net = new LocalizationNet({ receivers, scaleM: 150_000, scalarCount: SCALAR_COUNT, widths });
const r = receivers.length;
const post = { sigmaFloor: 1e-3, sigmaScale: 1, melBands: c.melBands, frames: c.frames };
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
  sigmaFloor: post.sigmaFloor,
  sigmaScale: post.sigmaScale,
});
const batch = (n: number, seed: number) => syntheticBatch(n, r, c.melBands, c.frames, SCALAR_COUNT, seed);
// One calibration batch for both int8 models; one verification batch for every parity check.
const inputs = { one: batch(1, 1), big: batch(32, 2), verify: batch(16, 8), calibration: batch(32, 7) };
const exported = await exportLocalizationNet(net, { path, metadata, checker: false });
const pathInt8 = join(dir, 'model.int8.onnx');
const exportedInt8 = await exportLocalizationNet(net, {
  path: pathInt8,
  metadata,
  precision: 'int8',
  calibrationBatch: inputs.calibration,
  verifyBatch: inputs.verify,
  checker: false,
});
const dims = { receivers: r, melBands: c.melBands, frames: c.frames, scalars: SCALAR_COUNT };
const session = await createSession(path, { threads });
const sessionInt8 = await createSession(pathInt8, { threads });

console.log(
  `bench/inference: LocalizationNet, ResNet-18 widths ${widths.join('-')}, ${r} receivers × ${c.melBands}×${c.frames}, ${SCALAR_COUNT} scalars`,
);
console.log(
  `threads ${threads} on every side (inter-op 1); per round ${runs} timed batch-1 calls (median) after 20 warm-up, ${batches} batch-32 calls; ${rounds} interleaved rounds`,
);
console.log(`at start: ${load()}`);
console.log(
  `fp32 model ${(exported.bytes / 1e6).toFixed(1)} MB (vs engine: max rel. diff ${exported.maxRelDiff.toExponential(1)})`,
);

// Does PyTorch compute the same function? Checked once, before any timing.
const noTorch = torchUnavailable();
if (noTorch !== null) console.log(`PyTorch reference unavailable: ${noTorch}. Only onnxruntime and the engine are timed.`);
const torchRef = (runsNow: number, batchesNow: number) =>
  runTorchReference(net, inputs, { ...post, threads, runs: runsNow, batches: batchesNow });
let int8Note = '';
let int8Backend = 'int8 PyTorch unavailable';
if (noTorch === null) {
  const check = torchRef(0, 0);
  const ortFp32 = await runBatch(session, inputs.verify, dims);
  for (const v of FP32_VARIANTS) {
    const d = compareOutputs(ortFp32, check.outputs[v] ?? { positions: new Float32Array(), uncertainties: new Float32Array() });
    if (!(d.maxRelDiff <= PARITY_TOLERANCE))
      throw new Error(
        `bench/inference: PyTorch ${v} differs from onnxruntime fp32 by ${d.maxRelDiff} (> ${PARITY_TOLERANCE}): not the same function`,
      );
    console.log(
      `PyTorch ${check.torch} ${v} vs onnxruntime fp32 on ${inputs.verify.size} transmissions: max rel. diff ${d.maxRelDiff.toExponential(1)} (≤ ${PARITY_TOLERANCE})`,
    );
  }
  const engine = engineOutputs(net, inputs.verify, post);
  const int8Line = (name: string, q: ReturnType<typeof compareInt8>) =>
    `${name} vs the engine: positions within ${q.positionSigmas.toFixed(3)} σ, σ within ${(q.sigmaRelative * 100).toFixed(1)} %, ρ within ${q.rho.toFixed(3)}`;
  const q = exportedInt8.int8;
  if (q) console.log(`${int8Line('onnxruntime int8 (QDQ)', q)}; ${(exportedInt8.bytes / 1e6).toFixed(1)} MB`);
  if (check.outputs.int8) console.log(int8Line(`PyTorch int8 (${check.int8Backend})`, compareInt8(engine, check.outputs.int8)));
  int8Note = check.int8BackendNote ?? '';
  int8Backend = check.int8Backend ?? int8Backend;
  if (check.int8Backend !== 'fbgemm') console.log(`PyTorch int8 backend: ${int8Note}`);
}

type Side = 'ort_fp32' | 'ort_int8' | 'engine' | `torch_${TorchVariant}`;
const rows = new Map<Side, Figures[]>();
const push = (side: Side, f: Figures) => rows.set(side, [...(rows.get(side) ?? []), f]);
const fmt = (f: Figures) => `${f.b1.toFixed(2)} ms / ${f.b32.toFixed(0)} samples/s`;
let torchVersion = '';
for (let round = 1; round <= rounds; round++) {
  const node = async () => {
    push(
      'ort_fp32',
      await measure(
        () => runBatch(session, inputs.one, dims),
        () => runBatch(session, inputs.big, dims),
      ),
    );
    push(
      'ort_int8',
      await measure(
        () => runBatch(sessionInt8, inputs.one, dims),
        () => runBatch(sessionInt8, inputs.big, dims),
      ),
    );
    push(
      'engine',
      await measure(
        () => engineOutputs(net, inputs.one, post),
        () => engineOutputs(net, inputs.big, post),
      ),
    );
  };
  const python = () => {
    if (noTorch !== null) return;
    const t = torchRef(runs, batches);
    torchVersion = t.torch;
    for (const [v, m] of Object.entries(t.timings) as [
      TorchVariant,
      { batch1_ms_median: number; batch32_samples_per_s: number },
    ][])
      push(`torch_${v}`, { b1: m.batch1_ms_median, b32: m.batch32_samples_per_s });
  };
  // Alternate which side goes first, so a slow start or a neighbour's burst does not always hit the same one.
  if (round % 2 === 1) {
    await node();
    python();
  } else {
    python();
    await node();
  }
  const last = (s: Side) => rows.get(s)?.at(-1);
  console.log(`  round ${round}: ${[...rows.keys()].map((s) => `${s} ${fmt(last(s) as Figures)}`).join(', ')}; ${load()}`);
}
await session.release();
await sessionInt8.release();

const label: Record<Side, string> = {
  ort_fp32: 'onnxruntime fp32',
  ort_int8: 'onnxruntime int8 (QDQ)',
  engine: 'engine fp32 (libtorch, BN unfolded)',
  torch_fp32_eager: `PyTorch ${torchVersion} fp32 eager, BN folded`,
  torch_fp32_frozen: `PyTorch ${torchVersion} fp32 TorchScript frozen`,
  torch_fp32_optimized: `PyTorch ${torchVersion} fp32 optimize_for_inference`,
  torch_int8: `PyTorch ${torchVersion} int8 FX static PTQ`,
};
const of = (s: Side) => rows.get(s) ?? [];
console.log(`\nmedian over ${rounds} rounds (min–max):`);
for (const [s, f] of rows) {
  console.log(
    `${label[s].padEnd(46)} batch-1 ${formatSpread(spread(f.map((x) => x.b1))).padStart(22)} ms   batch-32 ${formatSpread(spread(f.map((x) => x.b32)), 0).padStart(16)} samples/s`,
  );
}

/** Prints "fast vs ref" ratios: batch-1 latency ref/fast, batch-32 throughput fast/ref (> 1: fast is faster). */
function pair(title: string, fast: Side, ref: Side) {
  const a = of(fast);
  const b = of(ref);
  const lat = ratioSpread(
    b.map((x) => x.b1),
    a.map((x) => x.b1),
    `${title} batch-1 ratios`,
  );
  const thr = ratioSpread(
    a.map((x) => x.b32),
    b.map((x) => x.b32),
    `${title} batch-32 ratios`,
  );
  console.log(`${title}: batch-1 ${formatSpread(lat)}× faster, batch-32 ${formatSpread(thr)}× the throughput`);
}
/** The fastest PyTorch fp32 variant by the median over rounds of the given metric. */
function fastestFp32(metric: 'b1' | 'b32'): Side {
  const m = (s: Side) => spread(of(s).map((x) => x[metric])).median;
  const sides = FP32_VARIANTS.map((v) => `torch_${v}` as const);
  return sides.reduce((best, s) => ((metric === 'b1' ? m(s) < m(best) : m(s) > m(best)) ? s : best));
}

console.log('\nratios (median of per-round ratios, min–max):');
if (noTorch === null) {
  const ref1 = fastestFp32('b1');
  const ref32 = fastestFp32('b32');
  console.log(
    `fp32 PyTorch reference: ${label[ref1]} at batch 1, ${label[ref32]} at batch 32 (the fastest PyTorch fp32 variant)`,
  );
  const lat = ratioSpread(
    of(ref1).map((x) => x.b1),
    of('ort_fp32').map((x) => x.b1),
  );
  const thr = ratioSpread(
    of('ort_fp32').map((x) => x.b32),
    of(ref32).map((x) => x.b32),
  );
  console.log(
    `fp32 ORT vs fp32 PyTorch (BN folded, inference_mode): batch-1 ${formatSpread(lat)}× faster, batch-32 ${formatSpread(thr)}× the throughput`,
  );
  pair(`int8 ORT vs int8 PyTorch (${int8Backend})`, 'ort_int8', 'torch_int8');
  pair('int8 PyTorch vs fp32 PyTorch eager (its own int8 gain)', 'torch_int8', 'torch_fp32_eager');
}
pair('int8 ORT vs fp32 ORT (its own int8 gain)', 'ort_int8', 'ort_fp32');
pair('fp32 ORT vs the engine fp32 (libtorch eager, BN unfolded)', 'ort_fp32', 'engine');
const b1 = (s: Side) => spread(of(s).map((x) => x.b1)).median;
console.log(
  `target batch-1 latency ≤ 3 ms: ${b1('ort_fp32') <= 3 ? 'met' : 'NOT met'} (fp32 ${b1('ort_fp32').toFixed(2)} ms, int8 ${b1('ort_int8').toFixed(2)} ms, medians)`,
);
console.log(`at end: ${load()}`);
net.dispose();
rmSync(dir, { recursive: true, force: true });
