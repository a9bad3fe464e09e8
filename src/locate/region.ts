// A latitude/longitude box as a search region in a local frame: the smallest east/north rectangle
// holding the box's corners (a box a few degrees wide is slightly curved in the plane).
import type { LocalFrame } from '../geo/local-frame.js';
import type { SearchRegion } from './types.js';

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
