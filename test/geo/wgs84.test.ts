import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { destinationPoint } from '../../src/geo/distance.js';
import {
  assertLatLon,
  ecefToGeodetic,
  fromEnu,
  geodeticToEcef,
  type LatLonAlt,
  toEnu,
  WGS84_A,
  WGS84_B,
} from '../../src/geo/wgs84.js';
import { assertClose, prng } from '../helpers.js';

const ecefArr = (p: LatLonAlt): number[] => {
  const e = geodeticToEcef(p);
  return [e.x, e.y, e.z];
};

/** n random geodetic points; lat/lon uniform, altitudes in [minAlt, maxAlt]. */
function randomPoints(n: number, seed: number, minAlt: number, maxAlt: number): LatLonAlt[] {
  const r = prng(seed);
  return Array.from({ length: n }, () => ({
    lat: -90 + 180 * r(),
    lon: -180 + 360 * r(),
    altM: minAlt + (maxAlt - minAlt) * r(),
  }));
}

/** Asserts a geodetic round trip: lat and horizontal lon error ≤ tolDeg, altitude ≤ tolM. */
function assertGeodeticClose(got: LatLonAlt, want: LatLonAlt, tolDeg: number, tolM: number, what: string): void {
  const dLat = Math.abs(got.lat - want.lat);
  // Longitude is ill-defined at the poles; scale by cos(lat) to compare the horizontal error.
  const dLon = Math.abs(((got.lon - want.lon + 540) % 360) - 180) * Math.cos((want.lat * Math.PI) / 180);
  const dAlt = Math.abs(got.altM - want.altM);
  assert.ok(
    dLat <= tolDeg && dLon <= tolDeg && dAlt <= tolM,
    `${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)} (dLat ${dLat}, dLon·cos ${dLon}, dAlt ${dAlt})`,
  );
}

describe('WGS84 constants and geodetic → ECEF', () => {
  test('semi-minor axis b = a(1 − f)', () => {
    assertClose([WGS84_B], [6356752.314245], 1e-6, 0);
  });

  test('(0°, 0°, 0 m) is (a, 0, 0)', () => {
    assertClose(ecefArr({ lat: 0, lon: 0, altM: 0 }), [6378137, 0, 0], 1e-9, 0);
  });

  test('north pole is (0, 0, b), south pole (0, 0, −b)', () => {
    assertClose(ecefArr({ lat: 90, lon: 0, altM: 0 }), [0, 0, 6356752.314245], 1e-6, 0);
    assertClose(ecefArr({ lat: -90, lon: 0, altM: 0 }), [0, 0, -6356752.314245], 1e-6, 0);
  });

  test('(0°, 90°, 0 m) is (0, a, 0); altitude adds along the normal', () => {
    assertClose(ecefArr({ lat: 0, lon: 90, altM: 0 }), [0, 6378137, 0], 1e-6, 0);
    assertClose(ecefArr({ lat: 0, lon: 180, altM: 1000 }), [-6379137, 0, 0], 1e-6, 0);
  });

  test('45° N on the prime meridian matches the textbook closed form', () => {
    // N = a/√(1 − e²/2) at 45°; x = N·√½, z = N(1 − e²)·√½, computed here independently.
    const e2 = 0.00669437999014;
    const n = 6378137 / Math.sqrt(1 - e2 / 2);
    assertClose(ecefArr({ lat: 45, lon: 0, altM: 0 }), [n * Math.SQRT1_2, 0, n * (1 - e2) * Math.SQRT1_2], 1e-6, 0);
  });
});

describe('ECEF → geodetic', () => {
  test('round trip on 2000 random points (altitudes −1 km..10 km) within 1e-9° and 1e-6 m', () => {
    for (const [i, p] of randomPoints(2000, 1, -1000, 10_000).entries()) {
      assertGeodeticClose(ecefToGeodetic(geodeticToEcef(p)), p, 1e-9, 1e-6, `point ${i}`);
    }
  });

  test('round trip at high latitudes and at the poles', () => {
    const r = prng(2);
    const lats = [90, -90, 89.9999999, -89.99999, 89.99, 88, -87.5, 85];
    for (let i = 0; i < 500; i++) lats.push((r() < 0.5 ? -1 : 1) * (80 + 10 * r()));
    for (const lat of lats) {
      const p = { lat, lon: -180 + 360 * r(), altM: -1000 + 11_000 * r() };
      assertGeodeticClose(ecefToGeodetic(geodeticToEcef(p)), p, 1e-9, 1e-6, `lat ${lat}`);
    }
    const pole = ecefToGeodetic({ x: 0, y: 0, z: WGS84_B + 123 });
    assert.equal(pole.lat, 90);
    assertClose([pole.altM], [123], 1e-6, 0, 'pole altitude');
  });

  test('ECEF → geodetic → ECEF within 1e-6 m up to 100 km altitude', () => {
    for (const [i, p] of randomPoints(2000, 3, -1000, 100_000).entries()) {
      const e = geodeticToEcef(p);
      const back = geodeticToEcef(ecefToGeodetic(e));
      assertClose([back.x, back.y, back.z], [e.x, e.y, e.z], 1e-6, 0, `point ${i}`);
    }
  });
});

describe('East-North-Up', () => {
  test('a point 1 km due north (spherical destinationPoint) is ≈ 1000 m north, ~0 east', () => {
    const r = prng(4);
    for (let i = 0; i < 200; i++) {
      // Beyond ±14° the WGS84 meridian radius is within 0.5 % of the mean radius, so 1 km is ±5 m.
      const ref = { lat: (r() < 0.5 ? -1 : 1) * (20 + 69 * r()), lon: -180 + 360 * r(), altM: 500 * r() };
      const north = { ...destinationPoint(ref, 0, 1000), altM: ref.altM };
      const enu = toEnu(ref, north);
      assert.ok(Math.abs(enu.east) < 1, `east ${enu.east} at ${JSON.stringify(ref)}`);
      assert.ok(Math.abs(enu.north - 1000) < 5, `north ${enu.north} at ${JSON.stringify(ref)}`);
      // Earth curvature drops the point by d²/2R ≈ 7.8 cm.
      assert.ok(enu.up < 0 && enu.up > -0.1, `up ${enu.up}`);
    }
  });

  test('1 km due north at any latitude is M(φ)·Δφ north, M the meridian radius of curvature', () => {
    // Near the equator M = a(1 − e²) is 0.56 % below the mean radius: this pins the exact value instead.
    const e2 = 0.00669437999014;
    const r = prng(6);
    for (let i = 0; i < 200; i++) {
      const ref = { lat: -89 + 178 * r(), lon: -180 + 360 * r(), altM: 0 };
      const p = { ...destinationPoint(ref, 0, 1000), altM: 0 };
      const midLat = (((ref.lat + p.lat) / 2) * Math.PI) / 180;
      const m = (6378137 * (1 - e2)) / (1 - e2 * Math.sin(midLat) ** 2) ** 1.5;
      const expected = (m * (p.lat - ref.lat) * Math.PI) / 180;
      assertClose([toEnu(ref, p).north], [expected], 1e-3, 0, `lat ${ref.lat}`);
    }
  });

  test('a point straight above the reference is pure up', () => {
    const ref = { lat: 45.044, lon: 7.672, altM: 240 };
    assertClose(Object.values(toEnu(ref, { ...ref, altM: 1240 })), [0, 0, 1000], 1e-6, 0);
  });

  test('due east along the equator: east ≈ chord, up = −(chord²)/(2a) exactly on a circle', () => {
    // On the equator the ellipsoid section is a circle of radius a: chord 2a·sin(θ/2) splits exactly.
    const theta = (1 * Math.PI) / 180;
    const enu = toEnu({ lat: 0, lon: 0, altM: 0 }, { lat: 0, lon: 1, altM: 0 });
    assertClose([enu.east, enu.north, enu.up], [WGS84_A * Math.sin(theta), 0, -WGS84_A * (1 - Math.cos(theta))], 1e-6, 0);
  });

  test('fromEnu(toEnu(p)) round trip within 1e-6 m', () => {
    const r = prng(5);
    for (let i = 0; i < 1000; i++) {
      const ref = { lat: -89 + 178 * r(), lon: -180 + 360 * r(), altM: -100 + 3000 * r() };
      const enu = { east: 400_000 * (r() - 0.5), north: 400_000 * (r() - 0.5), up: -1000 + 11_000 * r() };
      const back = toEnu(ref, fromEnu(ref, enu));
      assertClose([back.east, back.north, back.up], [enu.east, enu.north, enu.up], 1e-6, 0, `case ${i}`);
    }
  });
});

describe('assertLatLon', () => {
  test('accepts the closed ranges', () => {
    for (const p of [
      { lat: 90, lon: 180 },
      { lat: -90, lon: -180 },
      { lat: 0, lon: 0 },
    ]) {
      assertLatLon(p, 'p');
    }
  });

  test('rejects out-of-range and non-finite values with exact messages', () => {
    const cases: [{ lat: number; lon: number }, string][] = [
      [{ lat: 91, lon: 0 }, "receiver 'x': lat must be within [-90, 90], got 91"],
      [{ lat: -90.5, lon: 0 }, "receiver 'x': lat must be within [-90, 90], got -90.5"],
      [{ lat: 0, lon: 181 }, "receiver 'x': lon must be within [-180, 180], got 181"],
      [{ lat: Number.NaN, lon: 0 }, "receiver 'x': lat must be within [-90, 90], got NaN"],
      [{ lat: 0, lon: Number.NEGATIVE_INFINITY }, "receiver 'x': lon must be within [-180, 180], got -Infinity"],
    ];
    for (const [p, message] of cases) {
      assert.throws(() => assertLatLon(p, "receiver 'x'"), { name: 'RangeError', message });
    }
  });
});
