// The physics prior: the posterior mean of src/locate computed from the feature scalars the network
// reads — the same numbers as the posterior-mean reference computes from catalog rows — invalid
// when nobody heard, refused for another network, and always from the raw (not normalized) scalars.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { posteriorMean } from '../../../src/locate/posterior.js';
import { rssModelOf } from '../../../src/locate/stated-model.js';
import { observationsOf } from '../../../src/pipeline/references/observations.js';
import { pathLossDb } from '../../../src/rf/propagation.js';
import type { TransmissionFeatures } from '../../../src/signal/features/extract.js';
import { PRIOR_WIDTH, physicsPrior, prepareForModel } from '../../../src/signal/features/prior.js';
import { SCALAR_COUNT, SCALAR_NAMES, scalarIndex } from '../../../src/signal/features/scalars.js';
import type { FeatureStats } from '../../../src/signal/features/stats.js';
import type { MeasurementRow } from '../../../src/store/catalog/types.js';
import { priorSpecFor } from '../../export/fixtures.js';

const spec = priorSpecFor();
const ids = spec.receivers.map((r) => r.id);

/** Features of a transmitter at (east, north) with power p0: each receiver's power from the law, ± `noise` dB. */
function featuresAt(east: number, north: number, p0: number, noise: number[], mask = [1, 1, 1, 1]) {
  const scalars = new Float32Array(ids.length * SCALAR_COUNT);
  spec.receivers.forEach((r, i) => {
    const d = Math.hypot(east - r.east, north - r.north, r.heightM - spec.model.txHeightM);
    const loss = pathLossDb(spec.model.propagation, {
      distanceM: d,
      freqHz: spec.model.frequencyHz,
      rxHeightM: r.heightM,
      txHeightM: spec.model.txHeightM,
    });
    const dbm = p0 - loss + r.gainDbi + (noise[i] as number);
    const snr = dbm - ((r.noiseDbm as number) + r.gainDbi);
    scalars[i * SCALAR_COUNT + scalarIndex('rssi_dbm')] = dbm;
    scalars[i * SCALAR_COUNT + scalarIndex('rssi_dbm_known')] = 1;
    scalars[i * SCALAR_COUNT + scalarIndex('snr_db')] = snr;
    scalars[i * SCALAR_COUNT + scalarIndex('heard')] = snr >= 3 ? 1 : 0;
  });
  return { receivers: [...ids], scalars, mask: Uint8Array.from(mask) };
}

test('the prior is the posterior-mean reference computed from the same powers', () => {
  const f = featuresAt(12_000, -30_000, 38, [2.1, -4.0, 1.5, 6.2]);
  const prior = physicsPrior(spec, f);
  assert.equal(prior.length, PRIOR_WIDTH);
  assert.equal(prior[5], 1);
  // The reference path: catalog rows → observationsOf → posteriorMean.
  const rows = ids.map(
    (id, i) =>
      ({
        receiverId: id,
        rssiDbm: f.scalars[i * SCALAR_COUNT + scalarIndex('rssi_dbm')],
        snrDb: f.scalars[i * SCALAR_COUNT + scalarIndex('snr_db')],
      }) as MeasurementRow,
  );
  const { observations } = observationsOf(rows, new Map(spec.receivers.map((r) => [r.id, r])), spec.heardSnrDb);
  const ref = posteriorMean(observations, rssModelOf(spec.model), spec.region);
  // Float32 storage: metres agree to a few cm over ±100 km.
  assert.ok(Math.abs((prior[0] as number) - ref.east) < 0.05, `${prior[0]} vs ${ref.east}`);
  assert.ok(Math.abs((prior[1] as number) - ref.north) < 0.05, `${prior[1]} vs ${ref.north}`);
  assert.ok(Math.abs((prior[2] as number) - Math.sqrt(ref.cov[0][0])) < 0.05);
  assert.ok(Math.abs((prior[3] as number) - Math.sqrt(ref.cov[1][1])) < 0.05);
  assert.ok(Math.abs((prior[4] as number) - ref.cov[0][1] / Math.sqrt(ref.cov[0][0] * ref.cov[1][1])) < 1e-5);
  // And it is an estimate, not a constant: the truth is within a few σ of it.
  const z = Math.hypot(
    ((prior[0] as number) - 12_000) / (prior[2] as number),
    ((prior[1] as number) + 30_000) / (prior[3] as number),
  );
  assert.ok(z < 4, `truth ${z.toFixed(2)} σ from the prior`);
});

test('no heard receiver with a calibrated power: the prior is all zeros (invalid)', () => {
  const f = featuresAt(0, 0, 30, [0, 0, 0, 0], [0, 0, 0, 0]);
  assert.deepEqual([...physicsPrior(spec, f)], new Array(PRIOR_WIDTH).fill(0));
  // Present but uncalibrated (full scale unknown): no power to use either.
  const g = featuresAt(0, 0, 30, [0, 0, 0, 0]);
  for (let i = 0; i < ids.length; i++) g.scalars[i * SCALAR_COUNT + scalarIndex('rssi_dbm_known')] = 0;
  assert.equal(physicsPrior(spec, g)[5], 0);
});

test('features of another network are refused with both receiver lists', () => {
  const f = featuresAt(0, 0, 30, [0, 0, 0, 0]);
  assert.throws(() => physicsPrior(spec, { ...f, receivers: ['alpha', 'bravo', 'delta', 'charlie'] }), {
    message: /features' receivers \(alpha, bravo, delta, charlie\) are not the prior's \(alpha, bravo, charlie, delta\)/,
  });
});

test('prepareForModel computes the prior from the raw scalars, then normalizes', () => {
  const f = featuresAt(-40_000, 20_000, 45, [1, -1, 3, -2]);
  const raw = physicsPrior(spec, f);
  const stats: FeatureStats = {
    melBands: 1,
    frames: 1,
    melMean: [0],
    melStd: [1],
    scalarNames: [...SCALAR_NAMES],
    scalarMean: new Array(SCALAR_COUNT).fill(-50),
    scalarStd: new Array(SCALAR_COUNT).fill(10),
    count: 1,
  };
  const before = Float32Array.from(f.scalars);
  const full: TransmissionFeatures = { ...f, mel: new Float32Array(ids.length), tdoa: [] };
  prepareForModel(full, { prior: spec, stats });
  assert.deepEqual([...(full.prior as Float32Array)], [...raw]);
  // …and the scalars were normalized after it.
  const k = scalarIndex('rssi_dbm');
  assert.ok(Math.abs((full.scalars[k] as number) - ((before[k] as number) + 50) / 10) < 1e-4);
});

test('with synchronized clocks the prior is the classical TDOA estimate from the same time differences; without them the power posterior', () => {
  const timedSpec = { ...spec, tdoa: { txHeightM: spec.model.txHeightM } };
  const [east, north] = [12_000, -30_000];
  const f = featuresAt(east, north, 38, [2.1, -4.0, 1.5, 6.2]);
  const c = 299_792_458;
  const dist = (i: number) => {
    const r = spec.receivers[i] as (typeof spec.receivers)[number];
    return Math.hypot(east - r.east, north - r.north, r.heightM - spec.model.txHeightM);
  };
  // Exact differences against receiver 0, σ 30 ns (≈ 9 m): the estimate lands within metres of the truth.
  const tdoa = [1, 2, 3].map((j) => ({ i: 0, j, seconds: (dist(j) - dist(0)) / c, sigmaS: 3e-8, quality: 50 }));
  const timed = physicsPrior(timedSpec, { ...f, tdoa });
  assert.equal(timed[5], 1);
  assert.ok(Math.hypot((timed[0] as number) - east, (timed[1] as number) - north) < 20, `TDOA prior at ${timed[0]}, ${timed[1]}`);
  assert.ok((timed[2] as number) < 200 && (timed[3] as number) < 200, `σ ${timed[2]}, ${timed[3]} m`);
  // Same features, spec without timing (or one pair only): the power posterior, kilometres away.
  const power = physicsPrior(spec, { ...f, tdoa });
  assert.deepEqual([...physicsPrior(timedSpec, { ...f, tdoa: tdoa.slice(0, 1) })], [...power]);
  assert.ok(Math.hypot((power[0] as number) - east, (power[1] as number) - north) > 200);
});

test('a TDOA estimate far outside the region (a wrong peak) is no prior: the power posterior takes its place', () => {
  const timedSpec = { ...spec, tdoa: { txHeightM: spec.model.txHeightM } };
  const f = featuresAt(12_000, -30_000, 38, [2.1, -4.0, 1.5, 6.2]);
  // Differences a transmitter 5,000 km away would give: every delay at its geometric extreme.
  const far = [1, 2, 3].map((j) => {
    const a = spec.receivers[0] as (typeof spec.receivers)[number];
    const b = spec.receivers[j] as (typeof spec.receivers)[number];
    return { i: 0, j, seconds: -Math.hypot(b.east - a.east, b.north - a.north) / 299_792_458, sigmaS: 1e-9, quality: 50 };
  });
  assert.deepEqual([...physicsPrior(timedSpec, { ...f, tdoa: far })], [...physicsPrior(spec, f)]);
});

test('a TDOA prior is a posterior over the region: differences that barely constrain leave σ within the region spread', () => {
  const timedSpec = { ...spec, tdoa: { txHeightM: spec.model.txHeightM } };
  const [east, north] = [12_000, -30_000];
  const f = featuresAt(east, north, 38, [2.1, -4.0, 1.5, 6.2]);
  const dist = (i: number) => {
    const r = spec.receivers[i] as (typeof spec.receivers)[number];
    return Math.hypot(east - r.east, north - r.north, r.heightM - spec.model.txHeightM);
  };
  // Exact differences with σ = 1 ms (300 km): alone they would give an ellipse hundreds of km wide.
  const loose = [1, 2, 3].map((j) => ({ i: 0, j, seconds: (dist(j) - dist(0)) / 299_792_458, sigmaS: 1e-3, quality: 50 }));
  const p = physicsPrior(timedSpec, { ...f, tdoa: loose });
  const [e0, e1] = spec.region.east;
  const [n0, n1] = spec.region.north;
  assert.equal(p[5], 1);
  assert.ok((p[2] as number) <= (e1 - e0) / Math.sqrt(12) + 1, `σ east ${p[2]} m, region ${e1 - e0} m wide`);
  assert.ok((p[3] as number) <= (n1 - n0) / Math.sqrt(12) + 1, `σ north ${p[3]} m, region ${n1 - n0} m high`);
  // Precise differences are not moved by the region: still within metres of the truth (test above: < 20 m).
  const tight = loose.map((t) => ({ ...t, sigmaS: 3e-8 }));
  const q = physicsPrior(timedSpec, { ...f, tdoa: tight });
  assert.ok(Math.hypot((q[0] as number) - east, (q[1] as number) - north) < 20);
});
