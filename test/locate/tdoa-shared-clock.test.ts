// Time differences against one reference share its clock error (src/locate/pair-covariance.ts): with the clocks'
// σ stated, locateTdoa's covariance is the arrival-time model's CRLB (position and emission time unknown, each
// receiver's clock independent) and its ellipses cover what they claim.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distance3dM } from '../../src/locate/observations.js';
import { pairWhitener } from '../../src/locate/pair-covariance.js';
import { locateTdoa, type TdoaReceiver } from '../../src/locate/tdoa.js';
import type { SearchRegion, TimeDifferenceObservation } from '../../src/locate/types.js';
import { SPEED_OF_LIGHT_M_S } from '../../src/math/constants.js';
import type { Cov2 } from '../../src/math/gaussian2d.js';
import { prng } from '../helpers.js';

const receivers: TdoaReceiver[] = [
  { id: 'centre', east: 4_000, north: 2_000, heightM: 5 },
  { id: 'north', east: 2_000, north: 38_000, heightM: 30 },
  { id: 'east', east: 41_000, north: -3_000, heightM: 10 },
  { id: 'south', east: -5_000, north: -40_000, heightM: 55 },
  { id: 'west', east: -37_000, north: 6_000, heightM: 20 },
];
const region: SearchRegion = { east: [-60_000, 60_000], north: [-60_000, 60_000] };
const tx = { east: 15_000, north: 9_000 };
const CLOCK_S = 1e-6;
const OWN_S = 20e-9; // each pair's own (estimation) part

const TX_HEIGHT_M = 2;

/** Arrival time (s) by the path length locateTdoa models, so a noise-free set locates at the truth. */
function arrivalS(r: TdoaReceiver): number {
  return distance3dM(tx.east, tx.north, TX_HEIGHT_M, r) / SPEED_OF_LIGHT_M_S;
}

function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Pairs against receivers[0]; each receiver's clock is off by clocks[i]; σ's and clock parts stated or not. */
function observe(clocks: number[], own: number[], stated: boolean): TimeDifferenceObservation[] {
  const ref = receivers[0] as TdoaReceiver;
  return receivers.slice(1).map((r, k) => ({
    a: ref.id,
    b: r.id,
    seconds: arrivalS(r) + (clocks[k + 1] as number) - arrivalS(ref) - (clocks[0] as number) + (own[k] as number),
    sigmaS: Math.hypot(CLOCK_S, CLOCK_S, OWN_S),
    quality: 20,
    ...(stated ? { clockSigmaAS: CLOCK_S, clockSigmaBS: CLOCK_S } : {}),
  }));
}

/** The arrival-time model's CRLB on (east, north): unknowns east, north, emission time; σ² = clock² + own²/2 per receiver. */
function toaCrlb(): Cov2 {
  const j = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  // A pair's own part split evenly between its two receivers would double-count the reference's; the star
  // gives the reference none of it, so: reference clock² only, every other receiver clock² + own².
  receivers.forEach((r, i) => {
    const d = distance3dM(tx.east, tx.north, TX_HEIGHT_M, r);
    const g = [(tx.east - r.east) / d / SPEED_OF_LIGHT_M_S, (tx.north - r.north) / d / SPEED_OF_LIGHT_M_S, 1];
    const v = CLOCK_S ** 2 + (i === 0 ? 0 : OWN_S ** 2);
    for (let p = 0; p < 3; p++)
      for (let q = 0; q < 3; q++)
        (j[p] as number[])[q] = ((j[p] as number[])[q] as number) + ((g[p] as number) * (g[q] as number)) / v;
  });
  // Schur complement: the position block of J⁻¹ = (J_pp − J_pt J_tt⁻¹ J_tp)⁻¹.
  const m = (p: number, q: number) =>
    (j[p]?.[q] as number) - ((j[p]?.[2] as number) * (j[2]?.[q] as number)) / (j[2]?.[2] as number);
  const det = m(0, 0) * m(1, 1) - m(0, 1) * m(1, 0);
  return [
    [m(1, 1) / det, -m(0, 1) / det],
    [-m(1, 0) / det, m(0, 0) / det],
  ];
}

test('locateTdoa with the clocks stated: its covariance is the arrival-time CRLB and its ellipses cover what they claim', (t) => {
  const exact = locateTdoa(receivers, observe([0, 0, 0, 0, 0], [0, 0, 0, 0], true), region, { txHeightM: TX_HEIGHT_M });
  assert.ok(Math.hypot(exact.east - tx.east, exact.north - tx.north) < 0.5, `noise-free estimate ${exact.east}, ${exact.north}`);
  const bound = toaCrlb();
  for (const [p, q] of [
    [0, 0],
    [0, 1],
    [1, 1],
  ] as const) {
    const got = exact.cov[p][q];
    const want = bound[p][q];
    assert.ok(Math.abs(got - want) < 0.01 * Math.sqrt(bound[0][0] * bound[1][1]), `cov[${p}][${q}] ${got} vs CRLB ${want}`);
  }
  // Monte Carlo, clocks and own parts drawn as stated. The ellipses cover about what they claim (a little more:
  // with 2 degrees of freedom the a-posteriori variance factor, never below 1, often widens them); and the
  // estimate that knows the reference's error is shared is the better one.
  const normal = gaussian(prng(7));
  const inside = { stated: [0, 0], independent: [0, 0] };
  const squared = { stated: 0, independent: 0 };
  const trials = 300;
  for (let t = 0; t < trials; t++) {
    const clocks = receivers.map(() => CLOCK_S * normal());
    const own = receivers.slice(1).map(() => OWN_S * normal());
    for (const stated of [true, false]) {
      const e = locateTdoa(receivers, observe(clocks, own, stated), region, { txHeightM: TX_HEIGHT_M, gridSteps: 40 });
      const [[a, b], [, d]] = e.cov;
      const x = e.east - tx.east;
      const y = e.north - tx.north;
      const m2 = (d * x * x - 2 * b * x * y + a * y * y) / (a * d - b * b);
      const key = stated ? 'stated' : 'independent';
      squared[key] += x * x + y * y;
      const counts = inside[key];
      if (m2 <= 1) counts[0] = (counts[0] as number) + 1;
      if (m2 <= 4) counts[1] = (counts[1] as number) + 1;
    }
  }
  const share = (v: number) => v / trials;
  const s1 = share(inside.stated[0] as number);
  const s2 = share(inside.stated[1] as number);
  assert.ok(s1 > 0.32 && s1 < 0.52, `stated 1σ ${inside.stated[0]}/${trials}`);
  assert.ok(s2 > 0.8 && s2 < 0.95, `stated 2σ ${inside.stated[1]}/${trials}`);
  const rms = (v: number) => Math.sqrt(v / trials);
  t.diagnostic(
    `RMS error: stated ${rms(squared.stated).toFixed(1)} m, independent ${rms(squared.independent).toFixed(1)} m; coverage stated ${inside.stated.join('/')}, independent ${inside.independent.join('/')} of ${trials}`,
  );
  assert.ok(
    rms(squared.stated) < rms(squared.independent),
    `RMS error ${rms(squared.stated)} m stated vs ${rms(squared.independent)} m independent`,
  );
  // And the bound is what the stated estimate reaches (within Monte Carlo error: 300 trials, ±~10 %).
  const crlbRms = Math.sqrt(bound[0][0] + bound[1][1]);
  assert.ok(rms(squared.stated) < 1.15 * crlbRms, `RMS ${rms(squared.stated)} m vs CRLB ${crlbRms} m`);
});

test('pairWhitener: a star of pairs on one reference is whitened to unit covariance', () => {
  const obs: TimeDifferenceObservation[] = ['b', 'c', 'd'].map((b, k) => ({
    a: 'ref',
    b,
    seconds: 0,
    sigmaS: Math.hypot(CLOCK_S, CLOCK_S, (k + 1) * OWN_S),
    quality: 10,
    clockSigmaAS: CLOCK_S,
    clockSigmaBS: CLOCK_S,
  }));
  const w = pairWhitener(obs);
  assert.ok(w !== null);
  // Columns of the covariance C, whitened twice (L⁻¹ C L⁻ᵀ), must give the identity.
  const n = obs.length;
  const c = (p: number, q: number) => (p === q ? (obs[p]?.sigmaS as number) ** 2 : CLOCK_S ** 2);
  const half: Float64Array[] = [];
  for (let q = 0; q < n; q++) {
    const col = Float64Array.from({ length: n }, (_, p) => c(p, q));
    w.whiten(col);
    half.push(col); // column q of L⁻¹C
  }
  for (let p = 0; p < n; p++) {
    const row = Float64Array.from({ length: n }, (_, q) => half[q]?.[p] as number); // row p of L⁻¹C = column p of C L⁻ᵀ
    w.whiten(row);
    for (let q = 0; q < n; q++) assert.ok(Math.abs((row[q] as number) - (p === q ? 1 : 0)) < 1e-9, `(${p},${q}) ${row[q]}`);
  }
  // No clock stated: independent pairs, nothing to whiten.
  assert.equal(pairWhitener(obs.map(({ clockSigmaAS: _a, clockSigmaBS: _b, ...o }) => o)), null);
  // Stated clock parts larger than the pair's σ cannot be a covariance.
  assert.throws(
    () => pairWhitener(obs.map((o) => ({ ...o, sigmaS: CLOCK_S }))),
    /time differences ref–b, ref–c, ref–d: their clock σ's exceed their σ/,
  );
});
