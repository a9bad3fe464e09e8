// Centroid and strongest receiver on a hand-checked three-receiver case.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { powerWeightedCentroid, strongestReceiver } from '../../src/locate/centroid.js';
import { LocateError, type ReceiverObservation } from '../../src/locate/types.js';

// A at the origin, B 1 km east 6.02 dB weaker (half the amplitude), C 1 km north not heard.
const obs: ReceiverObservation[] = [
  { id: 'A', east: 0, north: 0, heightM: 10, rssDbm: -60 },
  { id: 'B', east: 1000, north: 0, heightM: 10, rssDbm: -60 + 20 * Math.log10(0.5) },
  { id: 'C', east: 0, north: 1000, heightM: 10, rssDbm: null },
];
const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('amplitude-weighted centroid: weights 1 and ½ put it a third of the way to B', () => {
  const e = powerWeightedCentroid(obs);
  close(e.east, 1000 / 3, 'east');
  close(e.north, 0, 'north');
  // Spread: ⅔·(333⅓)² + ⅓·(666⅔)² = 222 222 m² east; nothing north, floored at (10 % of 1 km)².
  close(e.cov[0][0], 2e6 / 9, 'cov ee');
  close(e.cov[1][1], 100 ** 2, 'cov nn (floor)');
  close(e.cov[0][1], 0, 'cov en');
  assert.deepEqual(
    e.receivers.map((r) => r.used),
    [true, true, false],
  );
});

test('strongest receiver: A, with the spread measured around A', () => {
  const e = strongestReceiver(obs);
  assert.equal(e.east, 0);
  assert.equal(e.north, 0);
  close(e.cov[0][0], 1e6 / 3, 'cov ee');
  close(e.cov[1][1], 100 ** 2, 'cov nn (floor)');
  assert.deepEqual(
    e.receivers.map((r) => r.used),
    [true, false, false],
  );
});

test('a floored region is positive definite along any line; nobody heard → LocateError naming them', () => {
  const diagonal = [0, 1, 2].map((i) => ({ id: `d${i}`, east: 500 * i, north: 500 * i, heightM: 10, rssDbm: -70 - i }));
  const [[a, b], [, d]] = powerWeightedCentroid(diagonal).cov;
  assert.ok(a * d - b * b > 0.99 * 100 ** 2 * (a + d - 100 ** 2), 'the across-line eigenvalue is the floor');
  const silent = obs.map((o) => ({ ...o, rssDbm: null }));
  for (const f of [powerWeightedCentroid, strongestReceiver])
    assert.throws(
      () => f(silent),
      (e: unknown) => e instanceof LocateError && /not heard: A, B, C/.test(e.message),
    );
});
