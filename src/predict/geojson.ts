// Predictions as GeoJSON (RFC 7946, [lon, lat]): per transmission a Point with the prediction as
// properties and a Polygon of its 2σ ellipse (86.5 % of true positions should fall inside), so a
// map viewer shows both without knowing our format.
import { ellipseRing } from '../geo/ellipse-ring.js';
import type { Prediction } from './predict.js';

export function toGeoJson(predictions: Prediction[]) {
  return {
    type: 'FeatureCollection' as const,
    features: predictions.flatMap((p) => {
      const { lat, lon, ...properties } = p;
      return [
        { type: 'Feature' as const, geometry: { type: 'Point' as const, coordinates: [lon, lat] }, properties },
        {
          type: 'Feature' as const,
          geometry: {
            type: 'Polygon' as const,
            coordinates: [ellipseRing(p, p.ellipse, { k: 2, points: 72, winding: 'counterclockwise' })],
          },
          properties: { label: p.label, kind: 'ellipse-2sigma' },
        },
      ];
    }),
  };
}
