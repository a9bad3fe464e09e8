import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { destinationPoint, greatCircleDistanceM } from '../../src/geo/distance.js';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { assertClose, prng } from '../helpers.js';

describe('LocalFrame', () => {
  test('the reference maps to (0, 0); altitude defaults to 0', () => {
    const frame = new LocalFrame({ lat: 45.044, lon: 7.672 });
    assert.deepEqual(frame.reference, { lat: 45.044, lon: 7.672, altM: 0 });
    const o = frame.toLocal({ lat: 45.044, lon: 7.672 });
    assertClose([o.east, o.north], [0, 0], 1e-9, 0);
  });

  test('toLocal(toGeodetic(x)) round trip within 1 mm over ±200 km', () => {
    const r = prng(20);
    for (let i = 0; i < 1000; i++) {
      const frame = new LocalFrame({ lat: -85 + 170 * r(), lon: -180 + 360 * r() }, 2000 * r());
      const local = { east: 400_000 * (r() - 0.5), north: 400_000 * (r() - 0.5) };
      const back = frame.toLocal(frame.toGeodetic(local));
      assertClose([back.east, back.north], [local.east, local.north], 1e-3, 0, `case ${i}`);
    }
  });

  test('toGeodetic(toLocal(p)) recovers points on the ellipsoid', () => {
    const r = prng(21);
    const frame = new LocalFrame({ lat: 45.2, lon: 8.3 }, 150);
    for (let i = 0; i < 500; i++) {
      const p = destinationPoint(frame.reference, 360 * r(), 200_000 * r());
      const q = frame.toGeodetic(frame.toLocal(p));
      assertClose([q.lat, q.lon], [p.lat, p.lon], 1e-9, 0, `case ${i}`);
    }
  });

  test('the point altitude is used when given', () => {
    const frame = new LocalFrame({ lat: 45, lon: 7 });
    const far = destinationPoint(frame.reference, 45, 100_000);
    const low = frame.toLocal(far);
    const high = frame.toLocal({ ...far, altM: 5000 });
    // The local vertical 100 km away tilts by ~0.9°, so 5 km of height shifts the point ~78 m outward.
    const shift = Math.hypot(high.east - low.east, high.north - low.north);
    assert.ok(shift > 70 && shift < 85, `shift ${shift}`);
  });

  test('local distance matches great-circle distance within 0.5 % at 100 km', () => {
    const r = prng(22);
    for (let i = 0; i < 500; i++) {
      // Mid-latitudes: at the equator/poles the spherical model itself is off by up to 0.56 %.
      const frame = new LocalFrame({ lat: (r() < 0.5 ? -1 : 1) * (30 + 30 * r()), lon: -180 + 360 * r() });
      const p = destinationPoint(frame.reference, 360 * r(), 100_000);
      const l = frame.toLocal(p);
      const gc = greatCircleDistanceM(frame.reference, p);
      const rel = Math.abs(Math.hypot(l.east, l.north) - gc) / gc;
      assert.ok(rel < 0.005, `relative error ${rel} at ${JSON.stringify(frame.reference)}`);
    }
  });

  test('centroidOf uses the mean lat/lon, also across the antimeridian', () => {
    const frame = LocalFrame.centroidOf([
      { lat: 45.044, lon: 7.672 },
      { lat: 45.478, lon: 9.123 },
      { lat: 44.4, lon: 8.9 },
    ]);
    assertClose([frame.reference.lat, frame.reference.lon, frame.reference.altM], [44.974, 8.565, 0], 1e-12, 0);
    const dateline = LocalFrame.centroidOf([
      { lat: -17, lon: 179 },
      { lat: -18, lon: -179 },
    ]);
    assertClose([dateline.reference.lat, Math.abs(dateline.reference.lon)], [-17.5, 180], 1e-12, 0);
  });

  test('invalid inputs throw RangeErrors with exact messages', () => {
    assert.throws(() => new LocalFrame({ lat: 95, lon: 0 }), {
      name: 'RangeError',
      message: 'LocalFrame reference: lat must be within [-90, 90], got 95',
    });
    assert.throws(() => new LocalFrame({ lat: 0, lon: Number.NaN }), {
      name: 'RangeError',
      message: 'LocalFrame reference: lon must be within [-180, 180], got NaN',
    });
    assert.throws(() => new LocalFrame({ lat: 0, lon: 0 }, Number.POSITIVE_INFINITY), {
      name: 'RangeError',
      message: 'LocalFrame reference: altM must be finite, got Infinity',
    });
    assert.throws(() => LocalFrame.centroidOf([]), {
      name: 'RangeError',
      message: 'LocalFrame.centroidOf: need at least one point, got an empty list',
    });
    assert.throws(
      () =>
        LocalFrame.centroidOf([
          { lat: 0, lon: 0 },
          { lat: 0, lon: 200 },
        ]),
      { name: 'RangeError', message: 'LocalFrame.centroidOf point 1: lon must be within [-180, 180], got 200' },
    );
  });
});
