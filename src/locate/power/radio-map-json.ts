// A radio map as a JSON document (what `heimdall train` stores and registers for a power-only
// dataset, and what predict and evaluate load): the fitted law, the grid, and each fixed
// receiver's shadowing map as little-endian float32, base64. Pure: text in, map out; reading
// checks every field and every map's length against the grid before using it.
import type { RadioMap, RadioMapGrid } from './radio-map.js';

export const RADIO_MAP_FORMAT = 'heimdall.radio-map';
export const RADIO_MAP_FORMAT_VERSION = 1;

export interface RadioMapDocument {
  format: typeof RADIO_MAP_FORMAT;
  formatVersion: number;
  /** The local frame's origin: positions in the map are metres east/north of it. */
  origin: { lat: number; lon: number };
  /** What it was fitted on, for people (name@version, split sizes). */
  fittedOn: Record<string, unknown>;
  map: Omit<RadioMap, 'shadowDb'> & { shadowDb: Record<string, string> };
  /**
   * The network that corrects the map (LocalizationNet's scalar path), when validation kept its
   * correction: its weights file beside this document, checksum and input spec
   * (predict/power-net.ts reads it). Absent: the map alone is the model.
   */
  net?: Record<string, unknown>;
}

function float32ToBase64(a: Float32Array): string {
  const b = Buffer.alloc(a.length * 4);
  for (let i = 0; i < a.length; i++) b.writeFloatLE(a[i] as number, i * 4);
  return b.toString('base64');
}

function base64ToFloat32(s: string, expected: number, what: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  if (b.length !== expected * 4) throw new Error(`${what}: ${b.length} bytes, expected ${expected * 4} (${expected} cells)`);
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

export function radioMapToJson(
  map: RadioMap,
  origin: { lat: number; lon: number },
  fittedOn: Record<string, unknown>,
  net?: object,
): string {
  const doc: RadioMapDocument = {
    format: RADIO_MAP_FORMAT,
    formatVersion: RADIO_MAP_FORMAT_VERSION,
    origin,
    fittedOn,
    ...(net ? { net: { ...net } } : {}),
    map: { ...map, shadowDb: Object.fromEntries(Object.entries(map.shadowDb).map(([id, a]) => [id, float32ToBase64(a)])) },
  };
  return `${JSON.stringify(doc)}\n`;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The map and its frame origin from a document; `source` names it in every error. */
export function radioMapFromJson(text: string, source: string): Omit<RadioMapDocument, 'map'> & { map: RadioMap } {
  let doc: RadioMapDocument;
  try {
    doc = JSON.parse(text) as RadioMapDocument;
  } catch (err) {
    throw new Error(`${source}: not JSON (${(err as Error).message})`);
  }
  const bad = (field: string, problem: string) => new Error(`${source}: ${field}: ${problem}`);
  if (doc === null || typeof doc !== 'object' || doc.format !== RADIO_MAP_FORMAT)
    throw bad('format', `expected '${RADIO_MAP_FORMAT}'`);
  if (doc.formatVersion !== RADIO_MAP_FORMAT_VERSION)
    throw bad('formatVersion', `${String(doc.formatVersion)} is not supported (this build reads ${RADIO_MAP_FORMAT_VERSION})`);
  if (!finite(doc.origin?.lat) || Math.abs(doc.origin.lat) > 90 || !finite(doc.origin?.lon) || Math.abs(doc.origin.lon) > 180)
    throw bad('origin', 'expected {lat, lon} in degrees');
  const m = doc.map;
  const g = m?.grid as RadioMapGrid | undefined;
  if (
    g === undefined ||
    ![g.east0, g.north0, g.cellM].every(finite) ||
    !(g.cellM > 0) ||
    !Number.isInteger(g.nx) ||
    !Number.isInteger(g.ny) ||
    g.nx < 2 ||
    g.ny < 2 ||
    g.nx * g.ny > 4_000_000
  )
    throw bad('map.grid', 'expected east0, north0, cellM > 0 and integer nx, ny ≥ 2 (at most 4 million cells)');
  if (!finite(m.law?.exponent) || !finite(m.law?.txHeightM) || typeof m.law?.offsetsDb !== 'object')
    throw bad('map.law', 'expected exponent, txHeightM and offsetsDb');
  if (!finite(m.sigmaDb) || !(m.sigmaDb > 0)) throw bad('map.sigmaDb', 'expected a positive number');
  if (!finite(m.covScale) || !(m.covScale > 0)) throw bad('map.covScale', 'expected a positive number');
  const shadowDb: Record<string, Float32Array> = {};
  for (const [id, s] of Object.entries(m.shadowDb ?? {})) {
    if (typeof s !== 'string') throw bad(`map.shadowDb.${id}`, 'expected base64 text');
    shadowDb[id] = base64ToFloat32(s, g.nx * g.ny, `${source}: map.shadowDb.${id}`);
  }
  return { ...doc, map: { ...m, shadowDb } };
}
