// Geometry for the map figure: 2σ ellipses as lat/lon rings, the map's bounds, nice grid steps
// and a scale-bar length. Pure functions, separate from the spec so they can be checked alone.

import { EARTH_MEAN_RADIUS_M } from '../../geo/distance.js';
import { LocalFrame } from '../../geo/local-frame.js';
import type { Ellipse } from '../../math/gaussian2d.js';

export interface Bounds {
  south: number;
  west: number;
  north: number;
  east: number;
}

/**
 * The k-σ ellipse around `centre` as a closed [lon, lat] ring. The major axis points along
 * `orientationDeg` clockwise from north: unit vector (east, north) = (sin θ, cos θ). The ring is
 * clockwise, the exterior orientation d3-geo expects (a counter-clockwise ring would fill the
 * whole globe except the ellipse).
 */
export function ellipseRing(centre: { lat: number; lon: number }, e: Ellipse, k = 2, points = 64): [number, number][] {
  const frame = new LocalFrame(centre);
  const th = (e.orientationDeg * Math.PI) / 180;
  const major = [Math.sin(th), Math.cos(th)] as const;
  const minor = [Math.cos(th), -Math.sin(th)] as const;
  const a = k * e.semiMajorM;
  const b = k * Math.max(e.semiMinorM, 1e-6 * e.semiMajorM);
  const en: [number, number][] = [];
  for (let i = 0; i < points; i++) {
    const t = (2 * Math.PI * i) / points;
    en.push([a * Math.cos(t) * major[0] + b * Math.sin(t) * minor[0], a * Math.cos(t) * major[1] + b * Math.sin(t) * minor[1]]);
  }
  // Shoelace in east/north: positive area = counter-clockwise; reverse it to clockwise.
  let area2 = 0;
  for (let i = 0; i < en.length; i++) {
    const p = en[i] as [number, number];
    const q = en[(i + 1) % en.length] as [number, number];
    area2 += p[0] * q[1] - q[0] * p[1];
  }
  if (area2 > 0) en.reverse();
  const ring = en.map(([east, north]) => {
    const g = frame.toGeodetic({ east, north });
    return [g.lon, g.lat] as [number, number];
  });
  ring.push(ring[0] as [number, number]);
  return ring;
}

/** Bounds of `points`, padded by `padFraction` of the span on each side (at least ~100 m). */
export function boundsOf(points: { lat: number; lon: number }[], padFraction = 0.06): Bounds {
  let south = Number.POSITIVE_INFINITY;
  let north = Number.NEGATIVE_INFINITY;
  let west = Number.POSITIVE_INFINITY;
  let east = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    south = Math.min(south, p.lat);
    north = Math.max(north, p.lat);
    west = Math.min(west, p.lon);
    east = Math.max(east, p.lon);
  }
  if (!Number.isFinite(south)) throw new RangeError('map bounds: no points to draw (no receivers, transmissions or region)');
  const padLat = Math.max((north - south) * padFraction, 0.001);
  const padLon = Math.max((east - west) * padFraction, 0.001);
  return { south: south - padLat, north: north + padLat, west: west - padLon, east: east + padLon };
}

/** The largest 1, 2 or 5 × 10ᵏ not above `x`. */
export function niceStep(x: number): number {
  if (!(x > 0 && Number.isFinite(x))) throw new RangeError(`niceStep: need a positive finite value, got ${x}`);
  const p = 10 ** Math.floor(Math.log10(x));
  const m = x / p;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}

/** Metres per degree of longitude at `latDeg` (spherical Earth: enough for a scale bar). */
export function metresPerDegLon(latDeg: number): number {
  return ((EARTH_MEAN_RADIUS_M * Math.PI) / 180) * Math.cos((latDeg * Math.PI) / 180);
}

/** Mercator height/width ratio of `b` (so the map keeps its shape). */
export function mercatorAspect(b: Bounds): number {
  const y = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  const width = ((b.east - b.west) * Math.PI) / 180;
  return (y(b.north) - y(b.south)) / width;
}

/** `region` grown to hold every point of `points` (padded like boundsOf when it grows). */
export function unionBounds(region: Bounds, points: { lat: number; lon: number }[]): Bounds {
  if (points.length === 0) return region;
  const p = boundsOf(points);
  return {
    south: Math.min(region.south, p.south),
    west: Math.min(region.west, p.west),
    north: Math.max(region.north, p.north),
    east: Math.max(region.east, p.east),
  };
}
