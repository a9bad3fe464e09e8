// Predictions as GeoJSON (RFC 7946, [lon, lat]): per transmission a Point with the prediction as
// properties and a Polygon of its 2σ ellipse (86.5 % of true positions should fall inside), so a
// map viewer shows both without knowing our format.
import type { LocalFrame } from '../geo/local-frame.js';
import type { Prediction } from './predict.js';

const ELLIPSE_POINTS = 72;

/** The k-σ ellipse around p as a closed [lon, lat] ring: mean + k·L·(cos θ, sin θ), L the Cholesky factor. */
export function ellipseRing(p: Prediction, frame: LocalFrame, k = 2): [number, number][] {
  const ring: [number, number][] = [];
  const c = Math.sqrt(Math.max(0, 1 - p.rho * p.rho));
  for (let i = 0; i <= ELLIPSE_POINTS; i++) {
    const t = (2 * Math.PI * (i % ELLIPSE_POINTS)) / ELLIPSE_POINTS;
    const east = p.eastM + k * p.sigmaEastM * Math.cos(t);
    const north = p.northM + k * p.sigmaNorthM * (p.rho * Math.cos(t) + c * Math.sin(t));
    const g = frame.toGeodetic({ east, north });
    ring.push([g.lon, g.lat]);
  }
  return ring;
}

export function toGeoJson(predictions: Prediction[], frame: LocalFrame) {
  return {
    type: 'FeatureCollection' as const,
    features: predictions.flatMap((p) => {
      const { lat, lon, ...properties } = p;
      return [
        { type: 'Feature' as const, geometry: { type: 'Point' as const, coordinates: [lon, lat] }, properties },
        {
          type: 'Feature' as const,
          geometry: { type: 'Polygon' as const, coordinates: [ellipseRing(p, frame, 2)] },
          properties: { label: p.label, kind: 'ellipse-2sigma' },
        },
      ];
    }),
  };
}
