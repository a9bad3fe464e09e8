// bench/simulate: simulator throughput on nw-italy-2m (7 receivers, 1 s of 12.5 kHz IQ each),
// generation only and with SigMF writing, against a NumPy reference of the same IQ workload run
// by this script (single-threaded NumPy; compare with our 1-worker figure for a like-for-like ratio).
// Usage: npm run bench:simulate -- [--samples N] [--workers N]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveScenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulate.js';

const { values } = parseArgs({
  options: { samples: { type: 'string', default: '2000' }, workers: { type: 'string' } },
});
const samples = Number(values.samples);
const workers = values.workers === undefined ? availableParallelism() : Number(values.workers);
const scenario = resolveScenario({ preset: 'nw-italy-2m' });

async function rate(w: number, n: number, write: boolean): Promise<number> {
  const out = write ? mkdtempSync(join(tmpdir(), 'heimdall-bench-sim-')) : undefined;
  try {
    const r = await simulate({ scenario, seed: 1, samples: n, workers: w, outDir: out });
    return r.samplesPerSecond;
  } finally {
    if (out) rmSync(out, { recursive: true, force: true });
  }
}

function numpyRate(): number | null {
  const python = '/usr/bin/python3';
  if (!existsSync(python) || spawnSync(python, ['-c', 'import numpy']).status !== 0) {
    console.log('NumPy reference unavailable: `sudo apt-get install -y python3-numpy`.');
    return null;
  }
  const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bench/simulate/numpy_reference.py');
  // OPENBLAS_* settings do not matter here: nothing in the reference calls BLAS.
  const r = spawnSync(python, [script, '--samples', String(Math.max(50, Math.round(samples / 10)))], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`NumPy reference failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { samples_per_s: number }).samples_per_s;
}

console.log(`bench/simulate: nw-italy-2m, 7 receivers × 1 s × 12.5 kHz, ${samples} samples`);
const one = await rate(0, Math.max(100, Math.round(samples / 4)), false);
const all = await rate(workers, samples, false);
const written = await rate(workers, Math.max(200, Math.round(samples / 4)), true);
const np = numpyRate();
console.log(`heimdall, 1 thread           : ${one.toFixed(1)} samples/s`);
console.log(`heimdall, ${workers} worker threads   : ${all.toFixed(1)} samples/s (target ≥ 250)`);
console.log(`heimdall, ${workers} workers + SigMF : ${written.toFixed(1)} samples/s (writing 7 × 100 kB per sample)`);
if (np !== null) {
  console.log(`numpy reference, 1 thread    : ${np.toFixed(1)} samples/s`);
  console.log(`ratio (1 thread vs numpy)    : ${(one / np).toFixed(2)}×`);
}
