// bench/metro-tdoa: what classical TDOA reaches on the metro-tdoa preset, with the TR 38.901 channel
// (multipath + NLOS) as configured, with LOS multipath only, and with one clean path per link — so the
// cost of each part of the channel is a number. Transmissions are simulated in memory (no files); each
// is located from the heard receivers' recordings by the same code as `heimdall locate`
// (measureTimeDifferences + locateTdoa, as src/pipeline/references/compute.ts does).
// Usage: npm run build:ts && node dist/bench/metro-tdoa/classical.js [--samples 200] [--seed 1] [--exact]
//   --exact renders every multipath tap at its own delay (no grouping of near-coincident taps).
//   --only 4,5 runs only those variants (1-based, in the order printed).
import { parseArgs } from 'node:util';
import { quantile } from '../../src/eval/metrics.js';
import { locateTdoa } from '../../src/locate/tdoa.js';
import { searchRegionOfScenario } from '../../src/pipeline/references/rss-model.js';
import { measureTimeDifferences } from '../../src/signal/timing/index.js';
import type { ScenarioInput } from '../../src/sim/config.js';
import { PRESETS } from '../../src/sim/presets.js';
import { generateSample } from '../../src/sim/sample.js';
import { resolveScenario } from '../../src/sim/scenario.js';
import { antennaPosition, buildWorld, type World } from '../../src/sim/world.js';
import { heardRecordings } from '../timing/sim-recordings.js';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    exact: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const samples = Number(values.samples);
const seed = Number(values.seed);
const base = PRESETS['metro-tdoa'] as ScenarioInput;

// The last two repeat the first and third at 40 dBm (10 W): what the channel costs when noise does not.
const highSnr: [number, number] = [40, 40];
const variants: { label: string; channel: ScenarioInput['channel']; txPowerDbm?: [number, number] }[] = [
  { label: 'one path per link (flat Rayleigh fading)', channel: {} },
  { label: 'LOS multipath only (TDL-D)', channel: { ...base.channel, nlos: { model: 'none' } } },
  { label: 'multipath + NLOS (preset)', channel: base.channel },
  { label: 'one path per link, 40 dBm', channel: {}, txPowerDbm: highSnr },
  { label: 'multipath + NLOS, 40 dBm', channel: base.channel, txPowerDbm: highSnr },
];

function run(world: World): void {
  const sc = world.scenario;
  const region = searchRegionOfScenario(sc, world.frame);
  const rx = world.receivers.map(antennaPosition);
  const errors: number[] = [];
  const crlbs: number[] = [];
  const failures = new Map<string, number>();
  let links = 0;
  let nlos = 0;
  let heardLinks = 0;
  let heardNlos = 0;
  let excessSumS = 0;
  const t0 = performance.now();
  let simMs = 0;
  for (let i = 0; i < samples; i++) {
    const ts = performance.now();
    const s = generateSample(world, i);
    simMs += performance.now() - ts;
    for (const r of s.recordings) {
      if (r.offline) continue;
      links++;
      if (!r.los) {
        nlos++;
        excessSumS += r.excessDelayS;
      }
      if (r.heard) {
        heardLinks++;
        if (!r.los) heardNlos++;
      }
    }
    if (!('reason' in s.crlb)) crlbs.push(s.crlb.cep50M);
    const recs = heardRecordings(world, s);
    if (recs.length < 3) {
      failures.set('fewer than 3 heard', (failures.get('fewer than 3 heard') ?? 0) + 1);
      continue;
    }
    try {
      const timing = measureTimeDifferences(recs);
      const est = locateTdoa(rx, timing.tdoas, region, { txHeightM: sc.txHeightM });
      errors.push(Math.hypot(est.east - s.truth.east, est.north - s.truth.north));
    } catch (err) {
      const key = (err as Error).name;
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
  }
  const sorted = [...errors].sort((a, b) => a - b);
  const crlbSorted = [...crlbs].sort((a, b) => a - b);
  const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)} %`;
  const m = (v: number) => `${v.toFixed(1)} m`;
  console.log(
    `  located ${errors.length}/${samples} (${[...failures].map(([k, v]) => `${k}: ${v}`).join(', ') || 'no failures'})`,
  );
  if (sorted.length > 0)
    console.log(
      `  TDOA error: median ${m(quantile(sorted, 0.5))}, p90 ${m(quantile(sorted, 0.9))}, mean ${m(sorted.reduce((a, b) => a + b, 0) / sorted.length)}`,
    );
  if (crlbSorted.length > 0) console.log(`  CRLB CEP50 (single-path bound): median ${m(quantile(crlbSorted, 0.5))}`);
  console.log(
    `  links NLOS: ${pct(nlos, links)} of online links, ${pct(heardNlos, heardLinks)} of heard links; mean excess delay of NLOS links ${((excessSumS / Math.max(1, nlos)) * 1e9).toFixed(1)} ns`,
  );
  console.log(
    `  simulation ${(simMs / samples).toFixed(1)} ms/transmission; total with timing + location ${((performance.now() - t0) / samples).toFixed(1)} ms`,
  );
}

console.log(
  `bench/metro-tdoa: ${samples} transmissions, seed ${seed}, signals ${JSON.stringify(base.signals)}${values.exact ? ', every tap exact' : ''}`,
);
const only = values.only === undefined ? null : new Set(values.only.split(',').map(Number));
for (const [i, v] of variants.entries()) {
  if (only !== null && !only.has(i + 1)) continue;
  const sc = resolveScenario({ scenario: { ...base, channel: v.channel, txPowerDbm: v.txPowerDbm ?? base.txPowerDbm } });
  const world = buildWorld(sc, seed);
  if (values.exact) world.exactTaps = true;
  console.log(`${v.label}:`);
  run(world);
}
