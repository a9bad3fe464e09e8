// Great-circle geometry on a sphere of the Earth's mean radius. Spherical formulas are off from the
// ellipsoid by up to ~0.5 %; use wgs84.ts (toEnu) where metre-level accuracy matters.
import { type LatLon, wrapLonDeg } from './wgs84.js';

/** IUGG mean Earth radius R1 = (2a + b)/3 (m). */
export const EARTH_MEAN_RADIUS_M = 6_371_008.8;

const DEG = Math.PI / 180;

/**
 * Haversine distance (m). Short distances are well-conditioned, unlike the law of cosines; near
 * antipodes asin(√h) loses ~half the digits (~0.1 m), so the angle is taken as atan2(√h, √(1 − h))
 * with 1 − h = cos²(Δφ/2)·cos²(Δλ/2) + sin²(Σφ/2)·sin²(Δλ/2) evaluated directly (no cancellation).
 */
export function greatCircleDistanceM(a: LatLon, b: LatLon): number {
  const phi1 = a.lat * DEG;
  const phi2 = b.lat * DEG;
  const halfDLambda = ((b.lon - a.lon) * DEG) / 2;
  const sdPhi = Math.sin((phi2 - phi1) / 2);
  const cdPhi = Math.cos((phi2 - phi1) / 2);
  const sSum = Math.sin((phi1 + phi2) / 2);
  const sdLambda = Math.sin(halfDLambda);
  const cdLambda = Math.cos(halfDLambda);
  const h = sdPhi * sdPhi + Math.cos(phi1) * Math.cos(phi2) * sdLambda * sdLambda;
  const oneMinusH = cdPhi * cdPhi * cdLambda * cdLambda + sSum * sSum * sdLambda * sdLambda;
  return 2 * EARTH_MEAN_RADIUS_M * Math.atan2(Math.sqrt(h), Math.sqrt(oneMinusH));
}

/** Initial bearing (forward azimuth) from a to b, degrees clockwise from north in [0, 360). */
export function initialBearingDeg(a: LatLon, b: LatLon): number {
  const phi1 = a.lat * DEG;
  const phi2 = b.lat * DEG;
  const dLambda = (b.lon - a.lon) * DEG;
  const y = Math.sin(dLambda) * Math.cos(phi2);
  const x = Math.cos(phi1) * Math.sin(phi2) - Math.sin(phi1) * Math.cos(phi2) * Math.cos(dLambda);
  const deg = ((Math.atan2(y, x) / DEG) % 360) + 360;
  const wrapped = deg % 360;
  // A tiny negative angle plus 360 can round to exactly 360.
  return wrapped >= 360 ? 0 : wrapped;
}

/** Point reached from `a` travelling `distanceM` along the great circle with initial bearing `bearingDeg`. */
export function destinationPoint(a: LatLon, bearingDeg: number, distanceM: number): LatLon {
  const delta = distanceM / EARTH_MEAN_RADIUS_M;
  const theta = bearingDeg * DEG;
  const phi1 = a.lat * DEG;
  const sinPhi2 = Math.sin(phi1) * Math.cos(delta) + Math.cos(phi1) * Math.sin(delta) * Math.cos(theta);
  const phi2 = Math.asin(Math.max(-1, Math.min(1, sinPhi2)));
  const dLambda = Math.atan2(
    Math.sin(theta) * Math.sin(delta) * Math.cos(phi1),
    Math.cos(delta) - Math.sin(phi1) * Math.sin(phi2),
  );
  return { lat: phi2 / DEG, lon: wrapLonDeg(a.lon + dLambda / DEG) };
}
