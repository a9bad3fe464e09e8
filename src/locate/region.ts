// Search regions in a local frame: a latitude/longitude box (the smallest east/north rectangle
// holding its corners: a box a few degrees wide is slightly curved in the plane), or, when nobody
// states one, the receivers' own box widened by half its size on each side.
import type { LocalFrame } from '../geo/local-frame.js';
import type { SearchRegion } from './types.js';

/** The receivers' bounding box widened by half its size (at least 2 km) on each side. */
export function searchRegionAround(points: readonly { east: number; north: number }[]): SearchRegion {
  const e = points.map((p) => p.east);
  const n = points.map((p) => p.north);
  const span = Math.max(Math.max(...e) - Math.min(...e), Math.max(...n) - Math.min(...n), 2000);
  return {
    east: [Math.min(...e) - span / 2, Math.max(...e) + span / 2],
    north: [Math.min(...n) - span / 2, Math.max(...n) + span / 2],
  };
}

export function searchRegionOfBox(
  frame: LocalFrame,
  b: { south: number; west: number; north: number; east: number },
): SearchRegion {
  const c = [
    frame.toLocal({ lat: b.south, lon: b.west }),
    frame.toLocal({ lat: b.south, lon: b.east }),
    frame.toLocal({ lat: b.north, lon: b.west }),
    frame.toLocal({ lat: b.north, lon: b.east }),
  ];
  return {
    east: [Math.min(...c.map((p) => p.east)), Math.max(...c.map((p) => p.east))],
    north: [Math.min(...c.map((p) => p.north)), Math.max(...c.map((p) => p.north))],
  };
}
