// bench/features: feature-extraction throughput (transmissions/s; 7 receivers × 1 s at 12.5 kHz,
// 128 × 32 two-sided mel + scalars) against NumPy/SciPy doing the same computation, run by this
// script on the same machine, one thread each (the reference with BLAS/OpenMP limited to 1 thread).
// Rounds alternate Heimdall and NumPy so both see the same load from other processes; the ratio is
// the median of the per-round ratios. Rates by wall clock and by process CPU time (the CPU-time
// rate is steadier on a shared machine). Usage: npm run bench:features -- [--transmissions N] [--rounds R]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../../src/math/rng.js';
import { defaultFeatureConfig } from '../../src/signal/features/config.js';
import { FeatureExtractor } from '../../src/signal/features/extractor.js';
import type { Recording } from '../../src/signal/recording.js';

const { values } = parseArgs({
  options: { transmissions: { type: 'string', default: '300' }, rounds: { type: 'string', default: '5' } },
});
const count = Number(values.transmissions);
const rounds = Number(values.rounds);
if (!Number.isInteger(count) || count < 1)
  throw new RangeError(`--transmissions: expected a positive integer, got '${values.transmissions}'`);
if (!Number.isInteger(rounds) || rounds < 1)
  throw new RangeError(`--rounds: expected a positive integer, got '${values.rounds}'`);
const receivers = Array.from({ length: 7 }, (_, i) => `rx${i}`);
const recordings: Recording[] = receivers.map((id, i) => {
  const iq = new Float32Array(2 * 12_500);
  new Rng(1, i).addComplexNoise(iq, 2);
  return {
    iq,
    sampleRateHz: 12_500,
    centerFreqHz: 145e6,
    startUnixNs: null,
    timestampSigmaS: null,
    receiver: { id },
    source: id,
    meta: {},
  };
});

interface Rate {
  wall: number;
  cpu: number;
}

async function rate(workers: number): Promise<Rate> {
  const ex = new FeatureExtractor({ config: defaultFeatureConfig, receivers, workers });
  await ex.extract(recordings); // warm-up (JIT, worker start)
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  // Keep the workers busy: several transmissions in flight, as the data loader does.
  const inFlight = Math.max(1, workers) * 2;
  for (let done = 0; done < count; done += inFlight) {
    await Promise.all(Array.from({ length: Math.min(inFlight, count - done) }, () => ex.extract(recordings)));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  await ex.close();
  return { wall: count / seconds, cpu: count / ((cpu.user + cpu.system) / 1e6) };
}

const python = '/usr/bin/python3';
const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bench/features/numpy_reference.py');
const numpyAvailable = existsSync(python) && spawnSync(python, ['-c', 'import numpy, scipy']).status === 0;
const oneThread = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

function numpyRate(): Rate {
  const r = spawnSync(python, [script, '--transmissions', String(Math.max(50, Math.round(count / 2)))], {
    encoding: 'utf8',
    env: oneThread,
  });
  if (r.status !== 0) throw new Error(`NumPy reference failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
    transmissions_per_s: number;
    cpu_transmissions_per_s: number;
  };
  return { wall: out.transmissions_per_s, cpu: out.cpu_transmissions_per_s };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const summary = (xs: number[], digits = 1) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

console.log(
  `bench/features: 7 receivers × 12,500 samples → [7, 128, 32] mel + scalars, ${count} transmissions, ${rounds} rounds; median (min–max)`,
);
if (!numpyAvailable) console.log('NumPy/SciPy reference unavailable: `sudo apt-get install -y python3-numpy python3-scipy`.');
const workers = Math.max(1, availableParallelism());
const one: Rate[] = [];
const many: Rate[] = [];
const np: Rate[] = [];
for (let r = 0; r < rounds; r++) {
  one.push(await rate(0));
  if (numpyAvailable) np.push(numpyRate());
  many.push(await rate(workers));
}
const ratio = (k: keyof Rate) => one.map((o, i) => o[k] / (np[i] as Rate)[k]);
const line = (label: string, rs: Rate[]) =>
  console.log(
    `${label.padEnd(28)}: ${summary(rs.map((x) => x.wall))} transmissions/s, by CPU time ${summary(rs.map((x) => x.cpu))}`,
  );
line('heimdall, main thread', one);
line(`heimdall, ${workers} worker threads`, many);
if (np.length > 0) {
  line('numpy/scipy, 1 thread', np);
  console.log(
    `${'ratio (1 thread vs numpy)'.padEnd(28)}: ${summary(ratio('wall'), 2)}×, by CPU time ${summary(ratio('cpu'), 2)}× (target ≥ 1.0)`,
  );
}
