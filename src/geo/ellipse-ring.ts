// An uncertainty ellipse drawn on the globe: the k-σ ellipse around a position as a closed
// [lon, lat] ring, for GeoJSON (RFC 7946: exterior rings counter-clockwise) and for map figures
// (d3-geo: exterior rings clockwise). One implementation for predict, locate and the report.
import type { Ellipse } from '../math/gaussian2d.js';
import { LocalFrame } from './local-frame.js';

/**
 * The k-σ ellipse around `centre` as a closed [lon, lat] ring of `points` + 1 positions. The major
 * axis points along `orientationDeg` clockwise from north: unit vector (east, north) = (sin θ, cos θ).
 */
export function ellipseRing(
  centre: { lat: number; lon: number },
  e: Ellipse,
  o: { k?: number; points?: number; winding: 'counterclockwise' | 'clockwise' },
): [number, number][] {
  const k = o.k ?? 2;
  const points = o.points ?? 64;
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
  // Shoelace in east/north: positive area = counter-clockwise.
  let area2 = 0;
  for (let i = 0; i < en.length; i++) {
    const p = en[i] as [number, number];
    const q = en[(i + 1) % en.length] as [number, number];
    area2 += p[0] * q[1] - q[0] * p[1];
  }
  if (area2 > 0 !== (o.winding === 'counterclockwise')) en.reverse();
  const ring = en.map(([east, north]) => {
    const g = frame.toGeodetic({ east, north });
    return [g.lon, g.lat] as [number, number];
  });
  ring.push(ring[0] as [number, number]);
  return ring;
}
