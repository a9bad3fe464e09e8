// The Cramér–Rao bound behaves as physics says, and an efficient estimator reaches it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locateRssMl } from '../../src/locate/rss-ml.js';
import { Rng } from '../../src/math/rng.js';
import { logDistanceLossDb, pathLossSlopeDbPerM } from '../../src/rf/propagation.js';
import { type CrlbLink, fadingResidualSigmaDb, positionCrlb, toaSigmaS, trigamma } from '../../src/sim/crlb.js';
import { generateSample } from '../../src/sim/sample.js';
import { buildWorld } from '../../src/sim/world.js';
import { ringNetwork, testScenario } from './fixtures.js';

const F = 433e6;
const N_EXP = 3;
const loss = (d: number) => logDistanceLossDb(d, F, N_EXP, 1);
const model = { model: 'log-distance' as const, exponent: N_EXP, refDistanceM: 1 };

function ring(count: number, radius: number): { east: number; north: number }[] {
  return Array.from({ length: count }, (_, i) => ({
    east: radius * Math.cos((2 * Math.PI * i) / count),
    north: radius * Math.sin((2 * Math.PI * i) / count),
  }));
}

function links(
  tx: { east: number; north: number },
  rx: { east: number; north: number }[],
  sigmaDb: number,
  toa = Number.POSITIVE_INFINITY,
): CrlbLink[] {
  return rx.map((r) => {
    const d = Math.hypot(tx.east - r.east, tx.north - r.north);
    return {
      east: r.east,
      north: r.north,
      distanceM: d,
      horizontalM: d,
      lossSlopeDbPerM: pathLossSlopeDbPerM(model, { distanceM: d, freqHz: F, rxHeightM: 10, txHeightM: 10 }),
      rssSigmaDb: sigmaDb,
      toaSigmaS: toa,
    };
  });
}

const tx = { east: 2000, north: 1000 };
const cep = (r: ReturnType<typeof positionCrlb>) => {
  if ('reason' in r) throw new Error(r.reason);
  return r.cep50M;
};

test('the bound shrinks as receivers are added and scales linearly with shadowing σ', () => {
  const all = ring(12, 10_000);
  const sizes = [4, 6, 9, 12].map((k) =>
    cep(positionCrlb(tx, links(tx, all.filter((_, i) => i % Math.round(12 / k) === 0 || k === 12).slice(0, k), 4))),
  );
  for (let i = 1; i < sizes.length; i++)
    assert.ok(
      (sizes[i] as number) < (sizes[i - 1] as number),
      `CEP50 by receiver count: ${sizes.map((s) => s.toFixed(0)).join(', ')}`,
    );
  const c4 = cep(positionCrlb(tx, links(tx, all, 4)));
  const c8 = cep(positionCrlb(tx, links(tx, all, 8)));
  assert.ok(Math.abs(c8 / c4 - 2) < 1e-9, `doubling σ doubles the bound (ratio ${c8 / c4})`);
});

test('arrival times from GPS-disciplined receivers tighten the bound by orders of magnitude', () => {
  const rx = ring(6, 10_000);
  const rssOnly = cep(positionCrlb(tx, links(tx, rx, 6)));
  const withToa = positionCrlb(tx, links(tx, rx, 6, 1e-6));
  assert.ok(!('reason' in withToa));
  if ('reason' in withToa) return;
  assert.equal(withToa.measurements, 'rss+tdoa');
  // 1 µs timing is 300 m of range: the bound falls to a few hundred metres.
  assert.ok(
    withToa.cep50M < 400 && withToa.cep50M < rssOnly / 5,
    `RSS ${rssOnly.toFixed(0)} m, RSS+TDOA ${withToa.cep50M.toFixed(0)} m`,
  );
  // The timed bound carries the same links' power-only bound: the margin timing should buy.
  assert.equal(withToa.rssOnlyCep50M, rssOnly);
});

test('too few receivers or a degenerate geometry has no bound, with the reason', () => {
  const r = positionCrlb(tx, links(tx, ring(2, 5000), 4));
  assert.ok('reason' in r && /only 2 receiver\(s\) heard the transmission/.test(r.reason));
  const line = [0, 1, 2].map((i) => ({ east: 1000 * i, north: 0 }));
  const onLine = positionCrlb({ east: 5000, north: 0 }, links({ east: 5000, north: 0 }, line, 4));
  assert.ok('reason' in onLine, 'transmitter on the line of receivers: the cross-line coordinate is unobservable');
});

test('a maximum-likelihood estimator reaches the bound in Monte Carlo (simple geometry, σ = 2 dB)', () => {
  const rx = ring(6, 8000);
  const sigma = 2;
  const bound = positionCrlb(tx, links(tx, rx, sigma));
  if ('reason' in bound) throw new Error(bound.reason);
  const rng = new Rng(77, 'monte-carlo');
  const errors: [number, number][] = [];
  for (let t = 0; t < 300; t++) {
    const p0 = 30;
    const obs = rx.map((r, i) => ({
      ...r,
      id: `rx${i}`,
      heightM: 10,
      rssDbm: p0 - loss(Math.hypot(tx.east - r.east, tx.north - r.north)) + sigma * rng.normal(),
    }));
    const stated = { lossDb: loss, txHeightM: 10, sigmaDb: sigma, txPowerDbm: [20, 40] as [number, number], description: 'test' };
    const est = locateRssMl(obs, stated, { east: [-9600, 9600], north: [-9600, 9600] });
    errors.push([est.east - tx.east, est.north - tx.north]);
  }
  const n = errors.length;
  const me = errors.reduce((s, e) => s + e[0], 0) / n;
  const mn = errors.reduce((s, e) => s + e[1], 0) / n;
  const vee = errors.reduce((s, e) => s + (e[0] - me) ** 2, 0) / (n - 1);
  const vnn = errors.reduce((s, e) => s + (e[1] - mn) ** 2, 0) / (n - 1);
  const [[cee, ,], [, cnn]] = bound.covariance;
  const ratio = (vee + vnn) / (cee + cnn);
  // ML is asymptotically efficient: the empirical MSE matches the bound (sampling error of a
  // 300-trial variance is about ±12 %; small-sample bias may add a few per cent).
  assert.ok(ratio > 0.8 && ratio < 1.3, `trace(empirical) / trace(CRLB) = ${ratio.toFixed(3)}`);
  assert.ok(
    Math.abs(vee / cee - 1) < 0.35 && Math.abs(vnn / cnn - 1) < 0.35,
    `per-axis ratios ${(vee / cee).toFixed(2)}, ${(vnn / cnn).toFixed(2)}`,
  );
});

test('measurement-noise models: trigamma, fading residual, arrival-time accuracy', () => {
  assert.ok(Math.abs(trigamma(1) - Math.PI ** 2 / 6) < 1e-9);
  assert.ok(Math.abs(trigamma(0.5) - Math.PI ** 2 / 2) < 1e-9);
  assert.ok(Math.abs(trigamma(10) - 0.1051663356816857) < 1e-12);
  // One Rayleigh-faded power sample: σ of 10·log10(Exp(1)) is 5.57 dB.
  assert.ok(Math.abs(fadingResidualSigmaDb('rayleigh', 0, 0, 1) - 5.5692) < 1e-3);
  assert.equal(fadingResidualSigmaDb('none', 0, 10, 1), 0);
  assert.ok(fadingResidualSigmaDb('rayleigh', 0, 10, 1) < 1, 'averaging 21 independent fades leaves < 1 dB');
  assert.ok(fadingResidualSigmaDb('rician', 10, 0, 1) < fadingResidualSigmaDb('rician', 0, 0, 1));
  // Delay CRLB 1/(2π β √(2 E/N0)) with β = 1 kHz, 10,000 samples at SNR 0 dB: 1.125 µs.
  assert.ok(Math.abs(toaSigmaS(1000, 10_000, 1, 0) - 1 / (2 * Math.PI * 1000 * Math.sqrt(20_000))) < 1e-15);
  assert.ok(Math.abs(toaSigmaS(1000, 10_000, 1, 1e-6) - Math.hypot(1.1254e-6, 1e-6)) < 1e-9);
  assert.equal(toaSigmaS(0, 10_000, 1, 1e-6), Number.POSITIVE_INFINITY, 'a bare carrier carries no timing');
});

test('each simulated sample carries its CRLB, tighter with denser receivers', () => {
  const sparse = testScenario({ network: ringNetwork(4, 10_000), shadowing: { sigmaDb: 6, decorrelationM: 500 } });
  const dense = testScenario({ network: ringNetwork(12, 10_000), shadowing: { sigmaDb: 6, decorrelationM: 500 } });
  const median = (sc: typeof sparse) => {
    const world = buildWorld(sc, 2);
    const c = Array.from({ length: 30 }, (_, i) => generateSample(world, i).crlb)
      .map((x) => ('reason' in x ? Number.POSITIVE_INFINITY : x.cep50M))
      .sort((a, b) => a - b);
    return c[15] as number;
  };
  const [ms, md] = [median(sparse), median(dense)];
  assert.ok(md < ms, `median CRLB CEP50: 4 receivers ${ms.toFixed(0)} m, 12 receivers ${md.toFixed(0)} m`);
});
