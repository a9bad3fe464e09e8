// Drawing transmitter positions uniformly by area inside a region (bounding box or polygon).
import type { LatLon } from '../geo/wgs84.js';
import type { Rng } from '../math/rng.js';
import type { Region } from './config.js';

const RAD = Math.PI / 180;

export function regionBounds(r: Region): { south: number; west: number; north: number; east: number } {
  if (r.kind === 'bbox') return r;
  const lats = r.points.map((p) => p.lat);
  const lons = r.points.map((p) => p.lon);
  return { south: Math.min(...lats), north: Math.max(...lats), west: Math.min(...lons), east: Math.max(...lons) };
}

/** Ray casting in lat/lon (regions here are far smaller than a hemisphere). */
export function insidePolygon(p: LatLon, poly: LatLon[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i] as LatLon;
    const b = poly[j] as LatLon;
    if (a.lat > p.lat !== b.lat > p.lat && p.lon < ((b.lon - a.lon) * (p.lat - a.lat)) / (b.lat - a.lat) + a.lon)
      inside = !inside;
  }
  return inside;
}

/** A point uniform by area: latitude through sin(lat) so high-latitude rows are not over-drawn. */
export function samplePoint(r: Region, rng: Rng): LatLon {
  const b = regionBounds(r);
  const s0 = Math.sin(b.south * RAD);
  const s1 = Math.sin(b.north * RAD);
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const p = { lat: Math.asin(rng.between(s0, s1)) / RAD, lon: rng.between(b.west, b.east) };
    if (r.kind === 'bbox' || insidePolygon(p, r.points)) return p;
  }
  throw new Error('region: could not draw a point inside the polygon (is it degenerate?)');
}
