// Custom receiver networks from a file: our JSON layout ({ name, receivers: [...] }) or a GeoJSON
// FeatureCollection of Points whose properties carry the receiver fields (id, name, ...).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError, type Network, NetworkSchema, parseConfig } from './config.js';

interface GeoJsonFeature {
  type?: unknown;
  geometry?: { type?: unknown; coordinates?: unknown };
  properties?: Record<string, unknown> | null;
}

function fromGeoJson(doc: { features?: unknown }, source: string, name: string): unknown {
  if (!Array.isArray(doc.features)) throw new ConfigError(source, ['features: a FeatureCollection needs a features array']);
  const receivers = (doc.features as unknown[]).map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      throw new ConfigError(source, [
        `features.${i}: expected a GeoJSON Feature object, got ${String(JSON.stringify(item)).slice(0, 100)}`,
      ]);
    const f = item as GeoJsonFeature;
    const g = f.geometry;
    if (g?.type !== 'Point' || !Array.isArray(g.coordinates) || g.coordinates.length < 2) {
      throw new ConfigError(source, [`features.${i}.geometry: expected a GeoJSON Point [lon, lat(, alt)]`]);
    }
    const [lon, lat, altitudeM] = g.coordinates as number[];
    const props = f.properties ?? {};
    // GeoJSON's third coordinate is the site's altitude (m above sea level), not the mast height.
    return { ...props, lat, lon, ...(altitudeM === undefined ? {} : { altitudeM }), name: props.name ?? props.id };
  });
  return { name, receivers };
}

/** Parses a network document (already JSON-decoded). `source` names it in errors. */
export function parseNetwork(doc: unknown, source: string): Network {
  if (doc !== null && typeof doc === 'object' && (doc as { type?: unknown }).type === 'FeatureCollection') {
    const name = (doc as { name?: unknown }).name;
    const network = fromGeoJson(doc as { features?: unknown }, source, typeof name === 'string' ? name : source);
    try {
      return parseConfig(NetworkSchema, network, source);
    } catch (err) {
      // Point at what the user wrote: a receiver's lat/lon are the Point's coordinates, the rest
      // its properties.
      if (!(err instanceof ConfigError)) throw err;
      const where = (issue: string) =>
        issue
          .replace(/^receivers\.(\d+)\.lon:/, 'features.$1.geometry.coordinates.0 (longitude):')
          .replace(/^receivers\.(\d+)\.lat:/, 'features.$1.geometry.coordinates.1 (latitude):')
          .replace(/^receivers\.(\d+)\./, 'features.$1.properties.');
      throw new ConfigError(source, err.issues.map(where));
    }
  }
  return parseConfig(NetworkSchema, doc, source);
}

export function loadNetworkFile(path: string): Network {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read the file (${(err as Error).message})`]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [`not valid JSON (${(err as Error).message})`]);
  }
  return parseNetwork(doc, basename(path));
}
