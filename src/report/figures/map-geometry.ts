// Geometry for the map figure: the map's bounds, nice grid steps and a scale-bar length (the
// ellipses' rings are src/geo/ellipse-ring.ts). Pure functions, separate from the spec so they can be checked alone.

import { EARTH_MEAN_RADIUS_M } from '../../geo/distance.js';

export interface Bounds {
  south: number;
  west: number;
  north: number;
  east: number;
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
