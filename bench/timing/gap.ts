// bench/timing/gap: where classical TDOA loses against the position bound on a timed preset. Transmissions are
// simulated in memory (CW carriers left out: they have no bandwidth to time). For every time difference the
// measured value is split into the clocks' part (the simulator's reported minus true starts) and the estimation
// part, each set against the σ the timing code states; classical TDOA (measureTimeDifferences + locateTdoa, as
// src/pipeline/references/compute.ts) is set beside the CRLB on the same transmissions, and so is an oracle that
// locates from the same pairs with no estimation error (what the geometry and the clocks alone allow).
// Usage: npm run bench:timing-gap -- [--preset kiwisdr-hf-tdoa] [--samples 200] [--seed 1]
//          [--perfect-clocks] [--independent] [--scenario '{"fading":{"model":"none"}}']
//   --perfect-clocks  recordings carry their true start times (their stated σ is unchanged)
//   --independent     the pairs are located as independent (their clocks' σ not stated)
//   --scenario JSON   fields merged over the preset's (what a part of the channel costs)
import { parseArgs } from 'node:util';
import { quantile } from '../../src/eval/metrics.js';
import { locateTdoa } from '../../src/locate/tdoa.js';
import type { TimeDifferenceObservation } from '../../src/locate/types.js';
import { searchRegionOfScenario } from '../../src/pipeline/references/rss-model.js';
import { measureTimeDifferences } from '../../src/signal/timing/index.js';
import type { ScenarioInput } from '../../src/sim/config.js';
import { PRESETS } from '../../src/sim/presets.js';
import { generateSample, type SimSample } from '../../src/sim/sample.js';
import { resolveScenario } from '../../src/sim/scenario.js';
import { antennaPosition, buildWorld } from '../../src/sim/world.js';
import { heardRecordings } from './sim-recordings.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'kiwisdr-hf-tdoa' },
    samples: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    'perfect-clocks': { type: 'boolean', default: false },
    independent: { type: 'boolean', default: false },
    scenario: { type: 'string', default: '{}' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'bench/timing/gap [--preset NAME] [--samples N] [--seed N] [--perfect-clocks] [--independent] [--scenario JSON]\n' +
      '  classical TDOA against the CRLB on a timed preset, with each pair split into clock and estimation errors',
  );
  process.exit(0);
}
const base = PRESETS[values.preset] as ScenarioInput | undefined;
if (base === undefined) throw new Error(`--preset ${values.preset}: no such preset (${Object.keys(PRESETS).join(', ')})`);
const samples = Number(values.samples);
const seed = Number(values.seed);
const perfectClocks = values['perfect-clocks'];
const overrides = JSON.parse(values.scenario) as Partial<ScenarioInput>;

type SimRecording = SimSample['recordings'][number];

/** The clocks' contribution to τ_ab (s): b's timestamp error minus a's. */
function clockPart(a: SimRecording, b: SimRecording): number {
  if (perfectClocks) return 0;
  return Number(b.reportedStartUnixNs - b.trueStartUnixNs - (a.reportedStartUnixNs - a.trueStartUnixNs)) * 1e-9;
}

function asStated(d: TimeDifferenceObservation): TimeDifferenceObservation {
  if (!values.independent) return d;
  const { clockSigmaAS: _a, clockSigmaBS: _b, ...rest } = d;
  return rest;
}

const kinds = base.signals?.kinds?.filter((k) => k !== 'cw');
const sc = resolveScenario({ scenario: { ...base, signals: { ...base.signals, ...(kinds ? { kinds } : {}) }, ...overrides } });
const world = buildWorld(sc, seed);
const region = searchRegionOfScenario(sc, world.frame);
const rx = world.receivers.map(antennaPosition);
const zTotal: number[] = [];
const zEstimation: number[] = [];
const estimationUs: number[] = [];
const errors: number[] = [];
const oracleErrors: number[] = [];
const bounds: number[] = [];
const ratios: number[] = [];
const failures = new Map<string, number>();
const t0 = performance.now();
for (let i = 0; i < samples; i++) {
  const s = generateSample(world, i);
  const recs = heardRecordings(world, s, { trueStarts: perfectClocks });
  if (recs.length < 3) {
    failures.set('fewer than 3 heard', (failures.get('fewer than 3 heard') ?? 0) + 1);
    continue;
  }
  const byId = new Map(s.recordings.map((r) => [r.receiverId, r]));
  try {
    const timing = measureTimeDifferences(recs);
    const oracle: TimeDifferenceObservation[] = [];
    for (const d of timing.tdoas) {
      const a = byId.get(d.a) as SimRecording;
      const b = byId.get(d.b) as SimRecording;
      const truth = b.delayS - a.delayS;
      const clock = clockPart(a, b);
      const clockVar = (d.clockSigmaAS ?? 0) ** 2 + (d.clockSigmaBS ?? 0) ** 2;
      const estSigma = Math.sqrt(Math.max(d.sigmaS ** 2 - clockVar, 1e-30));
      zTotal.push((d.seconds - truth) / d.sigmaS);
      zEstimation.push((d.seconds - truth - clock) / estSigma);
      estimationUs.push(Math.abs(d.seconds - truth - clock) * 1e6);
      oracle.push(asStated({ ...d, seconds: truth + clock }));
    }
    const est = locateTdoa(rx, timing.tdoas.map(asStated), region, { txHeightM: sc.txHeightM });
    const ideal = locateTdoa(rx, oracle, region, { txHeightM: sc.txHeightM });
    const e = Math.hypot(est.east - s.truth.east, est.north - s.truth.north);
    errors.push(e);
    oracleErrors.push(Math.hypot(ideal.east - s.truth.east, ideal.north - s.truth.north));
    if (!('reason' in s.crlb)) {
      bounds.push(s.crlb.cep50M);
      ratios.push(e / s.crlb.cep50M);
    }
  } catch (err) {
    const key = (err as Error).name;
    failures.set(key, (failures.get(key) ?? 0) + 1);
  }
}
const rms = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0) / Math.max(1, v.length));
const med = (v: number[]) =>
  v.length === 0
    ? Number.NaN
    : quantile(
        [...v].sort((a, b) => a - b),
        0.5,
      );
const m = (v: number) => `${v.toFixed(0)} m`;
console.log(
  `bench/timing/gap: ${values.preset}${kinds ? ` (${kinds.join(', ')})` : ''}, ${samples} transmissions, seed ${seed}` +
    `${perfectClocks ? ', perfect clocks' : ''}${values.independent ? ', pairs as independent' : ''}` +
    `${values.scenario !== '{}' ? `, scenario ${values.scenario}` : ''}`,
);
console.log(
  `  located ${errors.length}/${samples} (${[...failures].map(([k, v]) => `${k}: ${v}`).join(', ') || 'no failures'}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
console.log(
  `  pairs ${zTotal.length}: RMS(error/σ) ${rms(zTotal).toFixed(2)}; estimation part: median |error| ${med(estimationUs).toFixed(3)} µs, RMS(error/σ_est) ${rms(zEstimation).toFixed(2)}`,
);
console.log(
  `  TDOA median ${m(med(errors))}; CRLB CEP50 median ${m(med(bounds))}; median error/CEP50 ${med(ratios).toFixed(2)}; oracle (no estimation error) median ${m(med(oracleErrors))}`,
);
