// One ground distance for the simulator (latitude/longitude) and the estimators (a LocalFrame's east/north):
// over a 300 km network they agree to the metre, where the flat frame and the spherical haversine do not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greatCircleDistanceM } from '../../src/geo/distance.js';
import { groundDistanceM, localGroundDistanceM } from '../../src/geo/ground-distance.js';
import { LocalFrame } from '../../src/geo/local-frame.js';

// The KiwiSDR sites of the kiwisdr-hf-tdoa preset (Torino … Venezia, ~360 km across) and two points outside them.
const points = [
  { lat: 45.07, lon: 7.69 },
  { lat: 45.46, lon: 9.19 },
  { lat: 44.49, lon: 11.34 },
  { lat: 45.44, lon: 12.33 },
  { lat: 46.07, lon: 11.12 },
  { lat: 43.77, lon: 11.25 },
  { lat: 43.8, lon: 8.0 },
  { lat: 46.0, lon: 12.3 },
];

test('ground distance: the local frame reproduces the latitude/longitude one within 1 m across 360 km', () => {
  const frame = LocalFrame.centroidOf(points);
  let worstFlat = 0;
  let worstHaversine = 0;
  for (const p of points) {
    for (const q of points) {
      if (p === q) continue;
      const truth = groundDistanceM(p, q);
      const a = frame.toLocal(p);
      const b = frame.toLocal(q);
      const local = localGroundDistanceM(a.east, a.north, b.east, b.north);
      assert.ok(Math.abs(local - truth) < 1, `${JSON.stringify(p)} → ${JSON.stringify(q)}: ${local} vs ${truth} m`);
      worstFlat = Math.max(worstFlat, Math.abs(Math.hypot(a.east - b.east, a.north - b.north) - truth));
      worstHaversine = Math.max(worstHaversine, Math.abs(greatCircleDistanceM(p, q) - truth));
    }
  }
  // What the two shortcuts would have cost (why this file exists): tens to hundreds of metres.
  assert.ok(worstFlat > 20, `flat frame worst ${worstFlat} m`);
  assert.ok(worstHaversine > 200, `haversine worst ${worstHaversine} m`);
});

test('ground distance: short distances are the flat ones; from the origin it is the arc R·asin(ρ/R)', () => {
  // 5 km: the ground point is 2 m below the tangent plane, which lengthens the path by 0.4 mm.
  assert.ok(Math.abs(localGroundDistanceM(0, 0, 3000, 4000) - 5000) < 1e-3);
  // A point 300 km out on the tangent plane lies on the ground at the angle asin(ρ/R) from the origin: 111 m farther.
  const r = 6_371_008.8;
  const arc = localGroundDistanceM(0, 0, 300_000, 0);
  const expected = r * Math.asin(300_000 / r);
  assert.ok(Math.abs(arc - expected) < 1e-3, `${arc} vs ${expected}`);
  assert.ok(arc - 300_000 > 110);
});
