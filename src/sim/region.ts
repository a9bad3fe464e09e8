// Drawing transmitter positions uniformly by area inside a region (bounding box or polygon), and
// how a region relates to a receiver network: one derived from it, or the distance between them.
import { greatCircleDistanceM } from '../geo/distance.js';
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

const M_PER_DEG_LAT = 111_132;

/**
 * The receivers' bounding box widened on every side by 10 % of its span (at least 1 km): where
 * transmitters are drawn when a network comes without a region of its own.
 */
export function regionAround(points: readonly LatLon[]): Region {
  if (points.length === 0) throw new RangeError('regionAround: no receivers');
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const b = { south: Math.min(...lats), north: Math.max(...lats), west: Math.min(...lons), east: Math.max(...lons) };
  const mPerDegLon = M_PER_DEG_LAT * Math.max(0.01, Math.cos((((b.south + b.north) / 2) * Math.PI) / 180));
  const dLat = Math.max(0.1 * (b.north - b.south), 1000 / M_PER_DEG_LAT);
  const dLon = Math.max(0.1 * (b.east - b.west), 1000 / mPerDegLon);
  const round = (x: number) => Math.round(x * 1e6) / 1e6; // ~0.1 m: readable scenario.json
  return {
    kind: 'bbox',
    south: round(Math.max(-90, b.south - dLat)),
    north: round(Math.min(90, b.north + dLat)),
    west: round(Math.max(-180, b.west - dLon)),
    east: round(Math.min(180, b.east + dLon)),
  };
}

/** Great-circle distance (m) from p to the region's bounding box (0 inside it). */
export function distanceToRegionM(p: LatLon, r: Region): number {
  const b = regionBounds(r);
  const nearest = { lat: Math.min(b.north, Math.max(b.south, p.lat)), lon: Math.min(b.east, Math.max(b.west, p.lon)) };
  return greatCircleDistanceM(p, nearest);
}

/** The longer side (m) of the region's bounding box, measured at its middle. */
export function regionSizeM(r: Region): number {
  const b = regionBounds(r);
  const midLat = (b.south + b.north) / 2;
  const midLon = (b.west + b.east) / 2;
  return Math.max(
    greatCircleDistanceM({ lat: b.south, lon: midLon }, { lat: b.north, lon: midLon }),
    greatCircleDistanceM({ lat: midLat, lon: b.west }, { lat: midLat, lon: b.east }),
  );
}
