// bench/prior: the physics prior (posterior mean on a grid) per transmission, on the calling thread
// against PriorPool's worker threads — the same priors, the same code (physicsPrior), so the ratio
// is the pool's parallel speed-up. Transmissions are drawn from each preset's own model (powers
// from the path loss ± σ, signal ⊕ noise), seeded. Median and spread of the rounds.
// Usage: npm run bench:prior -- [--transmissions 200] [--rounds 3]
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { rssModelOf } from '../../src/locate/stated-model.js';
import { Rng } from '../../src/math/rng.js';
import { priorSpecOfScenario } from '../../src/pipeline/references/rss-model.js';
import { type PriorSpec, physicsPrior } from '../../src/signal/features/prior.js';
import { PriorPool } from '../../src/signal/features/prior-pool.js';
import { SCALAR_COUNT, scalarIndex } from '../../src/signal/features/scalars.js';
import { resolveScenario } from '../../src/sim/scenario.js';
import { formatSpread, loadLine, ratioSpread, spread } from '../stats.js';

const { values } = parseArgs({
  options: { transmissions: { type: 'string', default: '200' }, rounds: { type: 'string', default: '3' } },
});
const n = Number(values.transmissions);
const rounds = Number(values.rounds);

function transmissions(spec: PriorSpec, count: number) {
  const m = rssModelOf(spec.model);
  const rng = new Rng(1, 'bench prior');
  const r = spec.receivers.length;
  return Array.from({ length: count }, () => {
    const east = rng.between(spec.region.east[0], spec.region.east[1]);
    const north = rng.between(spec.region.north[0], spec.region.north[1]);
    const p0 = rng.between(spec.model.txPowerDbm[0], spec.model.txPowerDbm[1]);
    const scalars = new Float32Array(r * SCALAR_COUNT);
    spec.receivers.forEach((x, i) => {
      const d = Math.hypot(east - x.east, north - x.north, x.heightM - spec.model.txHeightM);
      const signal = p0 - m.lossDb(d, x.heightM) + x.gainDbi + spec.model.sigmaDb * rng.normal();
      const noise = (x.noiseDbm ?? -120) + x.gainDbi;
      const measured = 10 * Math.log10(10 ** (signal / 10) + 10 ** (noise / 10));
      scalars[i * SCALAR_COUNT + scalarIndex('rssi_dbm')] = measured;
      scalars[i * SCALAR_COUNT + scalarIndex('rssi_dbm_known')] = 1;
      scalars[i * SCALAR_COUNT + scalarIndex('snr_db')] = measured - noise;
    });
    return { receivers: spec.receivers.map((x) => x.id), scalars, mask: new Uint8Array(r).fill(1) };
  });
}

console.log(`bench/prior: ${n} transmissions per round, ${rounds} rounds; ${loadLine(loadavg(), availableParallelism())}`);
for (const preset of ['nw-italy-2m', 'dense-urban-uhf']) {
  const scenario = resolveScenario({ preset });
  const spec = priorSpecOfScenario(scenario, LocalFrame.centroidOf(scenario.network.receivers), 3);
  const all = transmissions(spec, n);
  const main: number[] = [];
  const pooled: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so neither side always runs first.
    const sides = round % 2 === 0 ? ['main', 'pool'] : ['pool', 'main'];
    for (const side of sides) {
      const t0 = performance.now();
      if (side === 'main') for (const f of all) physicsPrior(spec, f);
      else {
        const pool = new PriorPool(spec); // a fresh pool: nothing remembered from another round
        await Promise.all(all.map((f) => pool.compute(f)));
        await pool.close();
      }
      (side === 'main' ? main : pooled).push((performance.now() - t0) / n);
    }
  }
  console.log(
    `${preset.padEnd(16)} calling thread ${formatSpread(spread(main), 1)} ms/prior   PriorPool (${availableParallelism()} workers) ${formatSpread(spread(pooled), 1)} ms/prior   speed-up ${formatSpread(ratioSpread(main, pooled))}×`,
  );
}
