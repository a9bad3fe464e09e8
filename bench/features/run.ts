// bench/features: feature-extraction throughput (transmissions/s; 7 receivers × 1 s at 12.5 kHz,
// 128 × 32 two-sided mel + scalars) against NumPy/SciPy doing the same computation, run by this
// script on the same machine. Usage: npm run bench:features -- [--transmissions N]
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

const { values } = parseArgs({ options: { transmissions: { type: 'string', default: '300' } } });
const count = Number(values.transmissions);
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

async function rate(workers: number): Promise<number> {
  const ex = new FeatureExtractor({ config: defaultFeatureConfig, receivers, workers });
  await ex.extract(recordings); // warm-up (JIT, worker start)
  const t0 = performance.now();
  // Keep the workers busy: several transmissions in flight, as the data loader does.
  const inFlight = Math.max(1, workers) * 2;
  for (let done = 0; done < count; done += inFlight) {
    await Promise.all(Array.from({ length: Math.min(inFlight, count - done) }, () => ex.extract(recordings)));
  }
  const seconds = (performance.now() - t0) / 1000;
  await ex.close();
  return count / seconds;
}

function numpyRate(): number | null {
  const python = '/usr/bin/python3';
  if (!existsSync(python) || spawnSync(python, ['-c', 'import numpy, scipy']).status !== 0) {
    console.log('NumPy/SciPy reference unavailable: `sudo apt-get install -y python3-numpy python3-scipy`.');
    return null;
  }
  const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bench/features/numpy_reference.py');
  const r = spawnSync(python, [script, '--transmissions', String(Math.max(50, Math.round(count / 2)))], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`NumPy reference failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { transmissions_per_s: number }).transmissions_per_s;
}

console.log(`bench/features: 7 receivers × 12,500 samples → [7, 128, 32] mel + scalars, ${count} transmissions`);
const one = await rate(0);
const workers = Math.max(1, availableParallelism());
const many = await rate(workers);
const np = numpyRate();
console.log(`heimdall, main thread       : ${one.toFixed(1)} transmissions/s`);
console.log(`heimdall, ${workers} worker threads  : ${many.toFixed(1)} transmissions/s`);
if (np !== null) {
  console.log(`numpy/scipy, 1 thread       : ${np.toFixed(1)} transmissions/s`);
  console.log(`ratio (1 thread vs numpy)   : ${(one / np).toFixed(2)}× (target ≥ 1.0)`);
}
