import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { destinationPoint, EARTH_MEAN_RADIUS_M, greatCircleDistanceM, initialBearingDeg } from '../../src/geo/distance.js';
import type { LatLon } from '../../src/geo/wgs84.js';
import { assertClose, prng } from '../helpers.js';

const R = 6_371_008.8;
const RAD = Math.PI / 180;

/** Spherical law of cosines: an independent (if short-range ill-conditioned) reference. */
function lawOfCosinesM(a: LatLon, b: LatLon): number {
  const c =
    Math.sin(a.lat * RAD) * Math.sin(b.lat * RAD) +
    Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.cos((b.lon - a.lon) * RAD);
  return R * Math.acos(Math.max(-1, Math.min(1, c)));
}

function randomPoint(r: () => number): LatLon {
  return { lat: -90 + 180 * r(), lon: -180 + 360 * r() };
}

describe('greatCircleDistanceM', () => {
  test('mean radius constant', () => {
    assert.equal(EARTH_MEAN_RADIUS_M, R);
  });

  test('1° of longitude on the equator is R·π/180 ≈ 111195.08 m', () => {
    const d = greatCircleDistanceM({ lat: 0, lon: 0 }, { lat: 0, lon: 1 });
    assertClose([d], [(R * Math.PI) / 180], 1e-6, 0);
    // 111194.93 m is the figure for R = 6371 km; the IUGG mean radius 6371008.8 m gives 111195.08 m.
    assertClose([d], [111195.08], 0.005, 0);
  });

  test('zero for identical points, symmetric, πR for antipodes', () => {
    const r = prng(10);
    for (let i = 0; i < 200; i++) {
      const a = randomPoint(r);
      const b = randomPoint(r);
      assert.equal(greatCircleDistanceM(a, a), 0);
      assert.equal(greatCircleDistanceM(a, b), greatCircleDistanceM(b, a));
      const anti = { lat: -a.lat, lon: a.lon > 0 ? a.lon - 180 : a.lon + 180 };
      assertClose([greatCircleDistanceM(a, anti)], [Math.PI * R], 1e-6, 0, `antipode of ${JSON.stringify(a)}`);
    }
    assert.equal(greatCircleDistanceM({ lat: 0, lon: 0 }, { lat: 0, lon: 180 }), Math.PI * R);
    assert.equal(greatCircleDistanceM({ lat: 90, lon: 0 }, { lat: -90, lon: 0 }), Math.PI * R);
  });

  test('matches the law of cosines on random pairs > 1 km apart within 1e-6 relative', () => {
    const r = prng(11);
    let checked = 0;
    while (checked < 2000) {
      const a = randomPoint(r);
      // Mix global pairs with nearby ones (1..50 km scale offsets).
      const b =
        checked % 2 === 0 ? randomPoint(r) : { lat: Math.max(-90, Math.min(90, a.lat + (r() - 0.5))), lon: a.lon + (r() - 0.5) };
      const ref = lawOfCosinesM(a, b);
      if (ref <= 1000) continue;
      assertClose([greatCircleDistanceM(a, b)], [ref], 0, 1e-6, `pair ${JSON.stringify([a, b])}`);
      checked++;
    }
  });

  test('Torino to Milano-Baggio is about 122 km', () => {
    const torino = { lat: 45.044, lon: 7.672 };
    const baggio = { lat: 45.478, lon: 9.123 };
    const expected = lawOfCosinesM(torino, baggio);
    const d = greatCircleDistanceM(torino, baggio);
    assertClose([d], [expected], 1e-3, 1e-9);
    assert.ok(d > 115_000 && d < 130_000, `got ${d} m`);
  });
});

describe('initialBearingDeg', () => {
  test('cardinal directions', () => {
    assert.equal(initialBearingDeg({ lat: 0, lon: 0 }, { lat: 0, lon: 1 }), 90);
    assert.equal(initialBearingDeg({ lat: 0, lon: 0 }, { lat: 1, lon: 0 }), 0);
    assert.equal(initialBearingDeg({ lat: 0, lon: 0 }, { lat: -1, lon: 0 }), 180);
    assert.equal(initialBearingDeg({ lat: 0, lon: 0 }, { lat: 0, lon: -1 }), 270);
    assert.equal(initialBearingDeg({ lat: 10, lon: 179.5 }, { lat: 11, lon: 179.5 }), 0);
  });

  test('always in [0, 360) and consistent with destinationPoint', () => {
    const r = prng(12);
    for (let i = 0; i < 1000; i++) {
      const a = { lat: -85 + 170 * r(), lon: -180 + 360 * r() };
      const bearing = 360 * r();
      const b = destinationPoint(a, bearing, 1000 + 5_000_000 * r());
      const got = initialBearingDeg(a, b);
      assert.ok(got >= 0 && got < 360, `bearing ${got}`);
      const diff = Math.abs(((got - bearing + 540) % 360) - 180);
      assert.ok(diff < 1e-7, `bearing ${got} vs ${bearing}`);
    }
  });
});

describe('destinationPoint', () => {
  test('1° east along the equator and 1° north along a meridian', () => {
    const oneDeg = (R * Math.PI) / 180;
    const east = destinationPoint({ lat: 0, lon: 0 }, 90, oneDeg);
    assertClose([east.lat, east.lon], [0, 1], 1e-12, 0);
    const north = destinationPoint({ lat: 45, lon: 7 }, 0, oneDeg);
    assertClose([north.lat, north.lon], [46, 7], 1e-12, 0);
  });

  test('wraps longitude across the antimeridian', () => {
    const p = destinationPoint({ lat: 0, lon: 179.5 }, 90, (R * Math.PI) / 180);
    assertClose([p.lat, p.lon], [0, -179.5], 1e-9, 0);
  });

  test('distance back to the start equals the travelled distance', () => {
    const r = prng(13);
    for (let i = 0; i < 1000; i++) {
      const a = randomPoint(r);
      const dist = 10 + 10_000_000 * r();
      const b = destinationPoint(a, 360 * r(), dist);
      assertClose([greatCircleDistanceM(a, b)], [dist], 1e-6, 1e-9, `case ${i}`);
    }
  });
});
