// Figure (e): the map — receivers, true positions, the model's predictions with their 2σ
// ellipses (polygons from the semi-axes and orientation), the region outline, a lat/lon grid with
// labels and a scale bar. No basemap tiles: the report opens offline.
import type { TopLevelSpec } from 'vega-lite';
import type { EvaluationDocument } from '../../eval/evaluation-document.js';
import { ellipseRing } from '../../geo/ellipse-ring.js';
import { type Bounds, boundsOf, mercatorAspect, metresPerDegLon, niceStep, unionBounds } from './map-geometry.js';

const KIND_COLORS = { receiver: '#222222', 'true position': '#2ca02c', 'model estimate': '#1f77b4' };
const MAP_WIDTH_PX = 640;

export function mapSpec(doc: EvaluationDocument): TopLevelSpec | null {
  const { receivers, transmissions, region } = doc.map;
  const points: { lat: number; lon: number; kind: string }[] = receivers.map((r) => ({
    lat: r.lat,
    lon: r.lon,
    kind: 'receiver',
  }));
  const links: { lat: number; lon: number; lat2: number; lon2: number }[] = [];
  const ellipses: {
    type: 'Feature';
    properties: { sessionId: number };
    geometry: { type: 'Polygon'; coordinates: [number, number][][] };
  }[] = [];
  for (const t of transmissions) {
    points.push({ lat: t.truth.lat, lon: t.truth.lon, kind: 'true position' });
    const est = t.estimates.model;
    if (!est) continue;
    points.push({ lat: est.lat, lon: est.lon, kind: 'model estimate' });
    links.push({ lat: t.truth.lat, lon: t.truth.lon, lat2: est.lat, lon2: est.lon });
    if (est.ellipse && est.ellipse.semiMajorM > 0) {
      ellipses.push({
        type: 'Feature',
        properties: { sessionId: t.sessionId },
        geometry: { type: 'Polygon', coordinates: [ellipseRing(est, est.ellipse, { k: 2, winding: 'clockwise' })] },
      });
    }
  }
  if (points.length === 0 && !region) return null;
  // The view covers the region and everything drawn (an estimate may fall outside the region).
  const ellipsePoints = ellipses.flatMap((e) => (e.geometry.coordinates[0] ?? []).map(([lon, lat]) => ({ lat, lon })));
  const drawn = [...points, ...ellipsePoints];
  const b = region ? unionBounds(region, drawn) : boundsOf(drawn);
  const latSpan = b.north - b.south;
  const lonSpan = b.east - b.west;
  const height = Math.round(Math.min(900, Math.max(200, MAP_WIDTH_PX * mercatorAspect(b))));

  const outlineOf = (r: Bounds) => ({
    type: 'Feature',
    properties: {},
    // Clockwise in lon/lat (d3-geo's exterior orientation): west-south → west-north → east-north → east-south.
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [r.west, r.south],
          [r.west, r.north],
          [r.east, r.north],
          [r.east, r.south],
          [r.west, r.south],
        ],
      ],
    },
  });
  const latStep = niceStep(latSpan / 4);
  const lonStep = niceStep(lonSpan / 4);
  const gridLabels: { lat: number; lon: number; text: string; axis: string }[] = [];
  const decimals = (step: number) => Math.max(0, -Math.floor(Math.log10(step)));
  // Labels sit on the west and south edges; the corner is left to neither so they do not overlap.
  for (let lat = Math.ceil((b.south + 0.04 * latSpan) / latStep) * latStep; lat <= b.north; lat += latStep) {
    gridLabels.push({
      lat,
      lon: b.west,
      text: `${Math.abs(lat).toFixed(decimals(latStep))}°${lat >= 0 ? 'N' : 'S'}`,
      axis: 'lat',
    });
  }
  for (let lon = Math.ceil((b.west + 0.08 * lonSpan) / lonStep) * lonStep; lon <= b.east; lon += lonStep) {
    gridLabels.push({
      lat: b.south,
      lon,
      text: `${Math.abs(lon).toFixed(decimals(lonStep))}°${lon >= 0 ? 'E' : 'W'}`,
      axis: 'lon',
    });
  }
  // Scale bar: a round length near a quarter of the map's width, in its lower-left corner.
  const barLat = b.south + 0.07 * latSpan;
  const barLon = b.west + 0.05 * lonSpan;
  const mPerDeg = metresPerDegLon(barLat);
  const barM = niceStep(0.25 * lonSpan * mPerDeg);
  const bar = { lat: barLat, lon: barLon, lat2: barLat, lon2: barLon + barM / mPerDeg };
  const barText = barM >= 1000 ? `${barM / 1000} km` : `${barM} m`;

  const geo = (values: unknown[]) => ({
    values: { type: 'FeatureCollection', features: values },
    format: { type: 'json', property: 'features' },
  });
  const layers: unknown[] = [
    {
      data: {
        graticule: {
          step: [lonStep, latStep],
          extent: [
            [b.west, b.south],
            [b.east, b.north],
          ],
        },
      },
      mark: { type: 'geoshape', filled: false, stroke: '#dddddd', strokeWidth: 0.8 },
    },
    ...(region
      ? [
          {
            data: geo([outlineOf(region)]),
            mark: { type: 'geoshape', filled: false, stroke: '#555555', strokeWidth: 1.2, strokeDash: [6, 3] },
          },
        ]
      : []),
    {
      data: { values: gridLabels.filter((g) => g.axis === 'lat') },
      mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 3, dy: -2, fontSize: 10, color: '#777777' },
      encoding: { longitude: { field: 'lon' }, latitude: { field: 'lat' }, text: { field: 'text' } },
    },
    {
      data: { values: gridLabels.filter((g) => g.axis === 'lon') },
      mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 3, dy: -2, fontSize: 10, color: '#777777' },
      encoding: { longitude: { field: 'lon' }, latitude: { field: 'lat' }, text: { field: 'text' } },
    },
  ];
  if (ellipses.length > 0) {
    layers.push({
      data: geo(ellipses),
      mark: {
        type: 'geoshape',
        fill: KIND_COLORS['model estimate'],
        fillOpacity: 0.12,
        stroke: KIND_COLORS['model estimate'],
        strokeWidth: 0.8,
      },
    });
  }
  if (links.length > 0) {
    layers.push({
      data: { values: links },
      mark: { type: 'rule', color: '#999999', strokeWidth: 0.8 },
      encoding: {
        longitude: { field: 'lon' },
        latitude: { field: 'lat' },
        longitude2: { field: 'lon2' },
        latitude2: { field: 'lat2' },
      },
    });
  }
  layers.push(
    {
      data: { values: points },
      mark: { type: 'point', filled: true, opacity: 0.9 },
      encoding: {
        longitude: { field: 'lon' },
        latitude: { field: 'lat' },
        color: {
          field: 'kind',
          type: 'nominal',
          title: null,
          sort: Object.keys(KIND_COLORS),
          scale: { domain: Object.keys(KIND_COLORS), range: Object.values(KIND_COLORS) },
        },
        shape: {
          field: 'kind',
          type: 'nominal',
          title: null,
          sort: Object.keys(KIND_COLORS),
          scale: { domain: Object.keys(KIND_COLORS), range: ['triangle-up', 'circle', 'cross'] },
        },
        size: {
          field: 'kind',
          type: 'nominal',
          title: null,
          sort: Object.keys(KIND_COLORS),
          scale: { domain: Object.keys(KIND_COLORS), range: [110, 35, 35] },
        },
      },
    },
    {
      data: { values: [bar] },
      mark: { type: 'rule', color: '#000000', strokeWidth: 3 },
      encoding: {
        longitude: { field: 'lon' },
        latitude: { field: 'lat' },
        longitude2: { field: 'lon2' },
        latitude2: { field: 'lat2' },
      },
    },
    {
      data: { values: [{ ...bar, text: barText }] },
      mark: { type: 'text', align: 'left', baseline: 'bottom', dy: -5, fontSize: 11, fontWeight: 'bold' },
      encoding: { longitude: { field: 'lon' }, latitude: { field: 'lat' }, text: { field: 'text' } },
    },
  );
  return {
    width: MAP_WIDTH_PX,
    height,
    projection: { type: 'mercator', fit: outlineOf(b) },
    layer: layers,
  } as TopLevelSpec;
}
