// WGS84 ellipsoid: geodetic ⇄ ECEF ⇄ local East-North-Up conversions.
// ENU uses the exact ECEF rotation (no flat-earth shortcut), so it stays correct over hundreds of km.

/** Semi-major axis (m). */
export const WGS84_A = 6378137;
/** Flattening. */
export const WGS84_F = 1 / 298.257223563;
/** Semi-minor axis (m), b = a(1 − f) ≈ 6356752.314245. */
export const WGS84_B = WGS84_A * (1 - WGS84_F);
/** First eccentricity squared, e² = f(2 − f). */
export const WGS84_E2 = WGS84_F * (2 - WGS84_F);
/** Second eccentricity squared, e′² = e²/(1 − e²). */
export const WGS84_EP2 = WGS84_E2 / (1 - WGS84_E2);

const DEG = Math.PI / 180;

/** Geodetic position in degrees. */
export interface LatLon {
  lat: number;
  lon: number;
}
/** Geodetic position in degrees with height above the ellipsoid in metres. */
export interface LatLonAlt extends LatLon {
  altM: number;
}
/** Earth-centred, Earth-fixed coordinates (m). */
export interface Ecef {
  x: number;
  y: number;
  z: number;
}
/** Local East-North-Up offsets (m). */
export interface Enu {
  east: number;
  north: number;
  up: number;
}

/** Throws a RangeError naming `what` and the field when lat/lon is out of range or not finite. */
export function assertLatLon(p: LatLon, what: string): void {
  // Written as !(in range) so NaN fails too; ±Infinity is simply out of range.
  if (!(p.lat >= -90 && p.lat <= 90)) throw new RangeError(`${what}: lat must be within [-90, 90], got ${p.lat}`);
  if (!(p.lon >= -180 && p.lon <= 180)) throw new RangeError(`${what}: lon must be within [-180, 180], got ${p.lon}`);
}

/** Wraps a longitude in degrees into [-180, 180). */
export function wrapLonDeg(lon: number): number {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

export function geodeticToEcef(p: LatLonAlt): Ecef {
  const phi = p.lat * DEG;
  const lambda = p.lon * DEG;
  const s = Math.sin(phi);
  const c = Math.cos(phi);
  const n = WGS84_A / Math.sqrt(1 - WGS84_E2 * s * s); // prime-vertical radius of curvature
  return {
    x: (n + p.altM) * c * Math.cos(lambda),
    y: (n + p.altM) * c * Math.sin(lambda),
    z: (n * (1 - WGS84_E2) + p.altM) * s,
  };
}

/**
 * Bowring's formula, iterated to convergence (two or three rounds reach ~1e-15 rad near the
 * surface; a single round already gives sub-millimetre accuracy up to a few hundred km).
 */
export function ecefToGeodetic(e: Ecef): LatLonAlt {
  const p = Math.hypot(e.x, e.y);
  const lon = Math.atan2(e.y, e.x);
  let beta = Math.atan2(e.z, (1 - WGS84_F) * p); // parametric latitude, first guess
  let lat = Number.NaN;
  for (let i = 0; i < 8; i++) {
    const sb = Math.sin(beta);
    const cb = Math.cos(beta);
    const next = Math.atan2(e.z + WGS84_EP2 * WGS84_B * sb * sb * sb, p - WGS84_E2 * WGS84_A * cb * cb * cb);
    const converged = Math.abs(next - lat) < 1e-15;
    lat = next;
    if (converged) break;
    beta = Math.atan2((1 - WGS84_F) * Math.sin(lat), Math.cos(lat));
  }
  const s = Math.sin(lat);
  // This height formula stays well-conditioned at the poles, unlike p/cos(lat) − N.
  const altM = p * Math.cos(lat) + e.z * s - WGS84_A * Math.sqrt(1 - WGS84_E2 * s * s);
  return { lat: lat / DEG, lon: lon / DEG, altM };
}

/** Unit vectors of the local east, north and up axes at `ref`, expressed in ECEF. */
export function enuBasis(ref: LatLon): { east: Ecef; north: Ecef; up: Ecef } {
  const sp = Math.sin(ref.lat * DEG);
  const cp = Math.cos(ref.lat * DEG);
  const sl = Math.sin(ref.lon * DEG);
  const cl = Math.cos(ref.lon * DEG);
  return {
    east: { x: -sl, y: cl, z: 0 },
    north: { x: -sp * cl, y: -sp * sl, z: cp },
    up: { x: cp * cl, y: cp * sl, z: sp },
  };
}

const dot = (a: Ecef, b: Ecef): number => a.x * b.x + a.y * b.y + a.z * b.z;

/** Position of `p` in the East-North-Up frame anchored at `ref`. */
export function toEnu(ref: LatLonAlt, p: LatLonAlt): Enu {
  const o = geodeticToEcef(ref);
  const q = geodeticToEcef(p);
  const d = { x: q.x - o.x, y: q.y - o.y, z: q.z - o.z };
  const b = enuBasis(ref);
  return { east: dot(d, b.east), north: dot(d, b.north), up: dot(d, b.up) };
}

/** Inverse of toEnu. */
export function fromEnu(ref: LatLonAlt, enu: Enu): LatLonAlt {
  const o = geodeticToEcef(ref);
  const { east: e, north: n, up: u } = enuBasis(ref);
  return ecefToGeodetic({
    x: o.x + enu.east * e.x + enu.north * n.x + enu.up * u.x,
    y: o.y + enu.east * e.y + enu.north * n.y + enu.up * u.y,
    z: o.z + enu.east * e.z + enu.north * n.z + enu.up * u.z,
  });
}
