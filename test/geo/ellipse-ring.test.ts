// Uncertainty ellipses on the globe: rings follow the semi-axes and the compass orientation, are
// closed, and wind as asked (clockwise for d3-geo maps, counter-clockwise for GeoJSON).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ellipseRing } from '../../src/geo/ellipse-ring.js';
import { LocalFrame } from '../../src/geo/local-frame.js';

const centre = { lat: 47.4, lon: 8.5 };

/** Twice the signed area of a closed [lon, lat] ring: positive when counter-clockwise. */
function shoelace2(ring: [number, number][]): number {
  let area2 = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1, y1] = ring[i] as [number, number];
    const [x2, y2] = ring[i + 1] as [number, number];
    area2 += x1 * y2 - x2 * y1;
  }
  return area2;
}

function extents(orientationDeg: number) {
  const ring = ellipseRing(
    centre,
    { semiMajorM: 300, semiMinorM: 100, orientationDeg },
    { k: 2, points: 72, winding: 'clockwise' },
  );
  const frame = new LocalFrame(centre);
  const en = ring.map(([lon, lat]) => frame.toLocal({ lat, lon }));
  return { ring, en };
}

describe('ellipseRing', () => {
  test('orientation 0°: major axis (2·300 m) north–south, minor (2·100 m) east–west', () => {
    const { en } = extents(0);
    const maxN = Math.max(...en.map((p) => p.north));
    const maxE = Math.max(...en.map((p) => p.east));
    assert.ok(Math.abs(maxN - 600) < 0.5, `north extent ${maxN}`);
    assert.ok(Math.abs(maxE - 200) < 0.5, `east extent ${maxE}`);
  });

  test('orientation 45°: the major axis points north-east (clockwise from north)', () => {
    const { en } = extents(45);
    const far = en.reduce((a, p) => (Math.hypot(p.east, p.north) > Math.hypot(a.east, a.north) ? p : a));
    assert.ok(Math.abs(Math.hypot(far.east, far.north) - 600) < 1, 'farthest point at the 2σ major radius');
    assert.ok(
      Math.abs(Math.abs(far.east) - Math.abs(far.north)) < 10 && far.east * far.north > 0,
      `farthest point ${JSON.stringify(far)}`,
    );
  });

  test('closed and clockwise in lon/lat', () => {
    const { ring } = extents(120);
    assert.deepEqual(ring[0], ring.at(-1));
    const area2 = shoelace2(ring);
    assert.ok(area2 < 0, 'negative shoelace area: clockwise');
  });

  test('GeoJSON winding (RFC 7946): the same ellipse counter-clockwise, closed, with points + 1 positions', () => {
    const e = { semiMajorM: 300, semiMinorM: 100, orientationDeg: 120 };
    const ring = ellipseRing(centre, e, { points: 72, winding: 'counterclockwise' });
    assert.equal(ring.length, 73);
    assert.deepEqual(ring[0], ring.at(-1));
    const area2 = shoelace2(ring);
    assert.ok(area2 > 0, 'positive shoelace area: counter-clockwise');
    const clockwise = ellipseRing(centre, e, { points: 72, winding: 'clockwise' });
    assert.deepEqual(new Set(ring.map(String)), new Set(clockwise.map(String)), 'the same points, the other way round');
  });
});
