// Local east/north metres relative to a reference point (e.g. a receiver network's centroid),
// via the exact WGS84 ENU rotation. Points without an altitude are taken to lie on the ellipsoid.
import {
  assertLatLon,
  type Ecef,
  ecefToGeodetic,
  enuBasis,
  geodeticToEcef,
  type LatLon,
  type LatLonAlt,
  toEnu,
  WGS84_A,
  WGS84_B,
  wrapLonDeg,
} from './wgs84.js';

export interface EastNorth {
  east: number;
  north: number;
}

export class LocalFrame {
  readonly reference: Readonly<LatLonAlt>;
  readonly #origin: Ecef;
  readonly #basis: { east: Ecef; north: Ecef; up: Ecef };

  constructor(reference: LatLon, altM = 0) {
    assertLatLon(reference, 'LocalFrame reference');
    if (!Number.isFinite(altM)) throw new RangeError(`LocalFrame reference: altM must be finite, got ${altM}`);
    this.reference = Object.freeze({ lat: reference.lat, lon: reference.lon, altM });
    this.#origin = geodeticToEcef(this.reference);
    this.#basis = enuBasis(this.reference);
  }

  /**
   * Frame at the mean lat/lon of `points`. Longitudes are averaged relative to the first point so
   * a network straddling the antimeridian (179°, −179°) centres on 180° rather than 0°.
   */
  static centroidOf(points: LatLon[]): LocalFrame {
    const first = points[0];
    if (first === undefined) throw new RangeError('LocalFrame.centroidOf: need at least one point, got an empty list');
    let lat = 0;
    let dLon = 0;
    points.forEach((p, i) => {
      assertLatLon(p, `LocalFrame.centroidOf point ${i}`);
      lat += p.lat;
      dLon += wrapLonDeg(p.lon - first.lon);
    });
    return new LocalFrame({ lat: lat / points.length, lon: wrapLonDeg(first.lon + dLon / points.length) });
  }

  /** East/north (m) of `p` at its own altitude (0 if absent); the up component is dropped. */
  toLocal(p: LatLon | LatLonAlt): EastNorth {
    const enu = toEnu(this.reference, { lat: p.lat, lon: p.lon, altM: 'altM' in p ? p.altM : 0 });
    return { east: enu.east, north: enu.north };
  }

  /**
   * The point on the ellipsoid (altitude 0) whose toLocal is `local`: the line through the plane
   * point along the reference's up axis is intersected with the ellipsoid. Simply using up = 0
   * would not round-trip, since the tangent plane rises ~3 km above the ground 200 km out.
   */
  toGeodetic(local: EastNorth): LatLon {
    const { east: e, north: n, up: u } = this.#basis;
    const o = this.#origin;
    const q = {
      x: o.x + local.east * e.x + local.north * n.x,
      y: o.y + local.east * e.y + local.north * n.y,
      z: o.z + local.east * e.z + local.north * n.z,
    };
    // Solve |D(q + t·u)|² = 1 with D = diag(1/a, 1/a, 1/b) for the root nearest t = 0.
    const dq = { x: q.x / WGS84_A, y: q.y / WGS84_A, z: q.z / WGS84_B };
    const du = { x: u.x / WGS84_A, y: u.y / WGS84_A, z: u.z / WGS84_B };
    const qa = du.x * du.x + du.y * du.y + du.z * du.z;
    const qb = 2 * (dq.x * du.x + dq.y * du.y + dq.z * du.z);
    const qc = dq.x * dq.x + dq.y * dq.y + dq.z * dq.z - 1;
    const disc = qb * qb - 4 * qa * qc;
    if (!(disc >= 0) || !(qb > 0)) {
      throw new RangeError(`LocalFrame: local point (${local.east}, ${local.north}) m is too far from the reference`);
    }
    const t = (-2 * qc) / (qb + Math.sqrt(disc)); // cancellation-free form of the smaller root
    const g = ecefToGeodetic({ x: q.x + t * u.x, y: q.y + t * u.y, z: q.z + t * u.z });
    return { lat: g.lat, lon: g.lon };
  }
}
