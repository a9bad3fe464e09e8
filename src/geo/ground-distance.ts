// Distance along the ground between two points: ONE definition for the simulator (which places transmitters and
// receivers by latitude/longitude) and the estimators (which work in a LocalFrame's east/north metres), so that
// an estimator's model of a path length is the simulator's, to the metre, however far apart the receivers are.
//
// The ground distance is the WGS84 chord between the two points on the ellipsoid, bent onto an arc of the mean
// radius: arc = 2R·asin(c / 2R). The chord is exact; the bend adds c³/(24R²) (28 m at 300 km), so the sphere's
// radius error (≤ 0.5 %) costs at most ~0.15 m there. The haversine on geodetic latitudes, which the simulator
// used before, is off from this by up to 0.5 % of the distance (~300 m at 100 km): an error no estimator in the
// local frame could reproduce, and which a TDOA network's geometry amplifies (bench/timing/gap).
//
// In a LocalFrame, east/north are the ENU coordinates of the point on the ellipsoid with its up component dropped
// (an orthographic projection onto the tangent plane). The up component is restored from a sphere of the mean
// radius, up = √(R² − ρ²) − R for ρ² = east² + north²; the ellipsoid's own up differs by ≤ 0.3 % of it (~20 m
// at 300 km from the frame's origin), which moves a chord by ~(that error)·(up difference / chord) < 1 m.
import { EARTH_MEAN_RADIUS_M } from './distance.js';
import { geodeticToEcef, type LatLon } from './wgs84.js';

const R = EARTH_MEAN_RADIUS_M;

function bend(chordM: number): number {
  return 2 * R * Math.asin(Math.min(1, chordM / (2 * R)));
}

/** Ground distance (m) between two points given by latitude/longitude (their altitudes are not used). */
export function groundDistanceM(a: LatLon, b: LatLon): number {
  const p = geodeticToEcef({ lat: a.lat, lon: a.lon, altM: 0 });
  const q = geodeticToEcef({ lat: b.lat, lon: b.lon, altM: 0 });
  return bend(Math.hypot(p.x - q.x, p.y - q.y, p.z - q.z));
}

/** The up coordinate (m, ≤ 0) of the ground point at tangent-plane distance ρ from the origin; no cancellation. */
function drop(rho2: number): number {
  return -rho2 / (Math.sqrt(Math.max(0, R * R - rho2)) + R);
}

/** Ground distance (m) between two points given by a LocalFrame's east/north (m). */
export function localGroundDistanceM(e1: number, n1: number, e2: number, n2: number): number {
  const du = drop(e1 * e1 + n1 * n1) - drop(e2 * e2 + n2 * n2);
  return bend(Math.hypot(e1 - e2, n1 - n2, du));
}
