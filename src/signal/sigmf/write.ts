// SigMF writer: `<base>.sigmf-data` (cf32_le or ci16_le samples) + `<base>.sigmf-meta` (JSON), and `<name>.sigmf-collection`.
//
// Spec facts verified against the SigMF sources (github.com/sigmf/SigMF):
// - Current spec version 1.2.6: sigmf-schema.json `$id` is .../sigmf/SigMF/v1.2.6/sigmf-schema.json (commit afea1d41),
//   and sigmf-python 1.11.0 declares `__specification__ = "1.2.6"`. `core:version` is "X.Y.Z" (pattern ^\d+\.\d+\.\d).
// - Dataset grammar (additional_content.md): dataset-format = (real / complex) ((type endianness) / byte),
//   complex = "c", floating-point = "f32" / "f64", signed-integer = "i16" …, little-endian = "_le"; "cf32_le" is
//   complex float32 little-endian, "ci16_le" complex int16 little-endian; samples interleaved I[0] Q[0] I[1] Q[1]…,
//   no separators or other bytes in the file.
// - Metadata: top-level object with exactly `global`, `captures`, `annotations`; field names are "namespace:name",
//   using only letters, digits and `_`, not starting with a digit. Only the spec may define `core` fields.
// - global (sigmf-schema.json): required core:datatype, core:version; optional core:sample_rate (number,
//   exclusiveMinimum 0, maximum 1e12), core:sha512 (of the dataset file, 128 hex), core:description, core:author,
//   core:recorder, core:hw, core:extensions (array of objects with exactly {name: string, version: string,
//   optional: boolean}), core:geolocation (GeoJSON Point, coordinates [lon, lat, alt?], 2–3 numbers).
// - Geolocation: the v1.2.2 and v1.2.6 schemas allow core:geolocation both in `global` and per capture segment;
//   the capture one is "preferred" and the global one is kept "for backwards compatibility", with readers
//   RECOMMENDED to fall back to it. We write it in `global` only (a fixed receiver; understood by older readers).
// - captures (sorted by core:sample_start): core:sample_start (required), core:frequency (Hz, |f| <= 1e12),
//   core:datetime (RFC 3339, only offset "Z", any number of fraction digits: YYYY-MM-DDTHH:MM:SS.SSSZ).
// - annotations (sorted by core:sample_start): core:sample_start (required), core:sample_count, core:label
//   (RECOMMENDED <= 20 chars), core:comment, core:freq_lower_edge / core:freq_upper_edge (both or neither).
// - Collection (collection-schema.json $id spec/1.2.0, additional_content.md): a single top-level `collection` object
//   with core:version (required), core:description, core:streams = array of SigMF Recording Objects {name, hash}:
//   name = recording base name, hash = SHA512 of `<name>.sigmf-meta`. ([name, hash] tuples are also allowed but
//   deprecated for 2.0; sigmf-python's SigMFCollection.set_streams writes objects too.) The file sits in the
//   recordings' folder.
// Not enforced here: the spec says non-core fields should belong to an extension listed in core:extensions;
// callers using `heimdall:` keys should declare it in `extensions` for strict compliance.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { commitTemps, writeFileAtomic, writeTemp } from '../../util/atomic-file.js';
import type {
  SigmfAnnotation,
  SigmfAnnotationInput,
  SigmfCollectionFile,
  SigmfCollectionInput,
  SigmfGlobal,
  SigmfMeta,
  SigmfRecordingInput,
  SigmfRecordingResult,
} from './types.js';

export const SIGMF_VERSION = '1.2.6';
const MAX_HZ = 1e12; // the schema's bound on core:sample_rate and core:frequency
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * ISO-8601 / RFC 3339 UTC timestamp with 'Z'. Without `extraNs`: millisecond precision
 * (`2026-01-02T03:04:05.123Z`); with it (0–999999 ns below the Date's millisecond): nanosecond precision
 * (`2026-01-02T03:04:05.123456789Z`).
 */
export function formatSigmfDatetime(d: Date, extraNs?: number): string {
  if (!(d instanceof Date) || !Number.isFinite(d.getTime())) throw new Error('formatSigmfDatetime: datetime is an invalid Date');
  const year = d.getUTCFullYear();
  // toISOString switches to ±YYYYYY outside 0000–9999, which RFC 3339 (4DIGIT year) does not allow.
  if (year < 0 || year > 9999) throw new Error(`formatSigmfDatetime: year ${year} is outside 0000-9999 (RFC 3339)`);
  const iso = d.toISOString();
  if (extraNs === undefined) return iso;
  if (!Number.isInteger(extraNs) || extraNs < 0 || extraNs > 999_999) {
    throw new Error(`formatSigmfDatetime: extraNs must be an integer in [0, 999999], got ${extraNs}`);
  }
  return `${iso.slice(0, -1)}${String(extraNs).padStart(6, '0')}Z`;
}

/** Writes a SigMF recording (dataset + metadata), both atomically; returns the paths and the meta file's SHA512. */
export function writeSigmfRecording(dir: string, baseName: string, rec: SigmfRecordingInput): SigmfRecordingResult {
  const fail = (msg: string): never => {
    throw new Error(`writeSigmfRecording(${baseName}): ${msg}`);
  };
  checkBaseName(baseName, 'baseName', fail);
  const meta = buildMeta(rec, fail);
  const data = rec.iq instanceof Int16Array ? encodeCi16Le(rec.iq) : encodeCf32Le(rec.iq);
  meta.global['core:sha512'] = sha512Hex(data);
  const metaBytes = Buffer.from(`${JSON.stringify(meta, null, 2)}\n`, 'utf8');

  const dataPath = join(dir, `${baseName}.sigmf-data`);
  const metaPath = join(dir, `${baseName}.sigmf-meta`);
  // Both temporaries are complete and fsync'd before either rename, so a failure while writing leaves the old
  // recording untouched. The two renames cannot be one atomic step; the meta file's core:sha512 lets a reader
  // detect the (crash-only) case of new data next to old metadata.
  const durable = rec.durable ?? true;
  const dataTmp = writeTemp(dataPath, data, durable);
  let metaTmp: string;
  try {
    metaTmp = writeTemp(metaPath, metaBytes, durable);
  } catch (err) {
    rmSync(dataTmp, { force: true });
    throw err;
  }
  commitTemps(
    [
      { tmp: dataTmp, path: dataPath },
      { tmp: metaTmp, path: metaPath },
    ],
    durable,
  );
  return { metaPath, dataPath, sha512: sha512Hex(metaBytes) };
}

/** Writes `<name>.sigmf-collection` atomically in `dir` (where the recordings are); returns its path. */
export function writeSigmfCollection(dir: string, name: string, c: SigmfCollectionInput): string {
  const fail = (msg: string): never => {
    throw new Error(`writeSigmfCollection(${name}): ${msg}`);
  };
  checkBaseName(name, 'name', fail);
  if (!Array.isArray(c.streams) || c.streams.length === 0) fail('streams must be a non-empty array');
  const seen = new Set<string>();
  const streams = c.streams.map((s, i) => {
    checkBaseName(s.baseName, `streams[${i}].baseName`, fail);
    if (seen.has(s.baseName)) fail(`streams[${i}].baseName '${s.baseName}' is listed twice`);
    seen.add(s.baseName);
    if (typeof s.metaSha512 !== 'string' || !/^[0-9a-fA-F]{128}$/.test(s.metaSha512)) {
      fail(`streams[${i}].metaSha512 must be 128 hex digits (a SHA512), got ${JSON.stringify(s.metaSha512)}`);
    }
    // A stale hash would make the collection unverifiable; check it against the meta file now.
    const metaPath = join(dir, `${s.baseName}.sigmf-meta`);
    let actual = '';
    try {
      actual = sha512Hex(readFileSync(metaPath));
    } catch (err) {
      fail(`streams[${i}]: cannot read ${metaPath} (${(err as Error).message})`);
    }
    if (actual !== s.metaSha512.toLowerCase()) fail(`streams[${i}].metaSha512 does not match the SHA512 of ${metaPath}`);
    return { name: s.baseName, hash: actual };
  });
  const collection: SigmfCollectionFile['collection'] = { 'core:version': SIGMF_VERSION, 'core:streams': [] };
  if (c.description !== undefined) collection['core:description'] = checkString(c.description, 'description', fail);
  Object.assign(collection, checkExtra(c.extra, 'extra', fail));
  collection['core:streams'] = streams; // (re)assigned last so it ends the object, after any extra keys
  const path = join(dir, `${name}.sigmf-collection`);
  const doc: SigmfCollectionFile = { collection };
  writeFileAtomic(path, Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8'), c.durable ?? true);
  return path;
}

type Fail = (msg: string) => never;

function buildMeta(rec: SigmfRecordingInput, fail: Fail): SigmfMeta {
  const { iq } = rec;
  if (!(iq instanceof Float32Array || iq instanceof Int16Array))
    fail('iq must be a Float32Array or an Int16Array of interleaved I,Q values');
  if (iq.length % 2 !== 0) fail(`iq length ${iq.length} is odd; expected interleaved I,Q pairs`);
  for (let i = 0; i < iq.length && iq instanceof Float32Array; i++) {
    if (!Number.isFinite(iq[i] as number)) {
      fail(`iq[${i}] (${i % 2 === 0 ? 'I' : 'Q'} of complex sample ${i >> 1}) is ${iq[i]}; samples must be finite`);
    }
  }
  const nSamples = iq.length / 2;
  const rate = rec.sampleRateHz;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > MAX_HZ) {
    fail(`sampleRateHz must be a finite number in (0, 1e12], got ${rate}`);
  }
  const freq = rec.centerFreqHz;
  if (typeof freq !== 'number' || !Number.isFinite(freq) || Math.abs(freq) > MAX_HZ) {
    fail(`centerFreqHz must be a finite number in [-1e12, 1e12], got ${freq}`);
  }
  let datetime = '';
  try {
    datetime = formatSigmfDatetime(rec.datetime, rec.datetimeExtraNs);
  } catch (err) {
    fail(`datetime: ${(err as Error).message.replace('formatSigmfDatetime: ', '')}`);
  }

  const global: SigmfGlobal = {
    'core:datatype': iq instanceof Int16Array ? 'ci16_le' : 'cf32_le',
    'core:version': SIGMF_VERSION,
    'core:sample_rate': rate,
    'core:sha512': '', // filled in by the caller once the data bytes exist
  };
  for (const key of ['description', 'author', 'recorder', 'hw'] as const) {
    const v = rec[key];
    if (v !== undefined) global[`core:${key}`] = checkString(v, key, fail);
  }
  if (rec.geolocation !== undefined) {
    const { lat, lon, altM } = rec.geolocation;
    if (!(Number.isFinite(lat) && Math.abs(lat) <= 90)) fail(`geolocation.lat must be in [-90, 90], got ${lat}`);
    if (!(Number.isFinite(lon) && Math.abs(lon) <= 180)) fail(`geolocation.lon must be in [-180, 180], got ${lon}`);
    if (!Number.isFinite(altM)) fail(`geolocation.altM must be finite, got ${altM}`);
    global['core:geolocation'] = { type: 'Point', coordinates: [lon, lat, altM] }; // GeoJSON order: lon, lat, alt
  }
  if (rec.extensions !== undefined) {
    const names = new Set<string>();
    global['core:extensions'] = rec.extensions.map((e, i) => {
      if (typeof e.name !== 'string' || !IDENT.test(e.name) || e.name === 'core') {
        fail(`extensions[${i}].name must be a namespace identifier other than 'core', got ${JSON.stringify(e.name)}`);
      }
      if (names.has(e.name)) fail(`extensions[${i}].name '${e.name}' is listed twice`);
      names.add(e.name);
      if (typeof e.version !== 'string' || e.version === '') fail(`extensions[${i}].version must be a non-empty string`);
      if (typeof e.optional !== 'boolean') fail(`extensions[${i}].optional must be a boolean`);
      return { name: e.name, version: e.version, optional: e.optional }; // exactly these keys, per spec
    });
  }
  Object.assign(global, checkExtra(rec.extraGlobal, 'extraGlobal', fail));

  const annotations = (rec.annotations ?? []).map((a, i) => buildAnnotation(a, i, nSamples, fail));
  // The spec requires ascending core:sample_start; Array.prototype.sort is stable, so ties keep input order.
  annotations.sort((x, y) => x['core:sample_start'] - y['core:sample_start']);
  return {
    global,
    captures: [{ 'core:sample_start': 0, 'core:frequency': freq, 'core:datetime': datetime }],
    annotations,
  };
}

function buildAnnotation(a: SigmfAnnotationInput, i: number, nSamples: number, fail: Fail): SigmfAnnotation {
  const where = `annotations[${i}]`;
  for (const k of ['sampleStart', 'sampleCount'] as const) {
    if (!Number.isSafeInteger(a[k]) || a[k] < 0) fail(`${where}.${k} must be a non-negative integer, got ${a[k]}`);
  }
  if (a.sampleStart + a.sampleCount > nSamples) {
    fail(`${where} covers samples [${a.sampleStart}, ${a.sampleStart + a.sampleCount}) but the recording has ${nSamples}`);
  }
  const out: SigmfAnnotation = { 'core:sample_start': a.sampleStart, 'core:sample_count': a.sampleCount };
  if (a.label !== undefined) out['core:label'] = checkString(a.label, `${where}.label`, fail);
  if (a.comment !== undefined) out['core:comment'] = checkString(a.comment, `${where}.comment`, fail);
  const lo = a.freqLowerEdgeHz;
  const hi = a.freqUpperEdgeHz;
  if ((lo === undefined) !== (hi === undefined)) {
    fail(`${where}: freqLowerEdgeHz and freqUpperEdgeHz must be given together (SigMF forbids only one)`);
  }
  if (lo !== undefined && hi !== undefined) {
    for (const [k, v] of [
      ['freqLowerEdgeHz', lo],
      ['freqUpperEdgeHz', hi],
    ] as const) {
      if (!Number.isFinite(v) || Math.abs(v) > MAX_HZ) fail(`${where}.${k} must be a finite number in [-1e12, 1e12], got ${v}`);
    }
    if (lo > hi) fail(`${where}: freqLowerEdgeHz ${lo} is above freqUpperEdgeHz ${hi}`);
    out['core:freq_lower_edge'] = lo;
    out['core:freq_upper_edge'] = hi;
  }
  return out;
}

function checkBaseName(name: string, field: string, fail: Fail): void {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..') {
    fail(`${field} must be a non-empty file name, got ${JSON.stringify(name)}`);
  }
  // Both separators on every platform, so a name valid here stays valid when the files move to Windows.
  if (/[/\\]/.test(name)) fail(`${field} must not contain path separators, got ${JSON.stringify(name)}`);
  if (name.includes('\0')) fail(`${field} must not contain NUL characters`);
}

function checkString(v: unknown, field: string, fail: Fail): string {
  if (typeof v !== 'string') fail(`${field} must be a string, got ${typeof v}`);
  return v as string;
}

/** Validates user-supplied extra fields: `ns:name` keys outside `core`, JSON values that serialize losslessly. */
function checkExtra(extra: Record<string, unknown> | undefined, field: string, fail: Fail): Record<string, unknown> {
  if (extra === undefined) return {};
  for (const [key, value] of Object.entries(extra)) {
    const parts = key.split(':');
    if (parts.length !== 2 || !parts.every((p) => IDENT.test(p))) {
      fail(`${field} key '${key}' must be namespaced as 'namespace:name' (letters, digits, _), e.g. 'heimdall:snr_db'`);
    }
    if (parts[0] === 'core') fail(`${field} key '${key}' is in the reserved 'core' namespace; use the dedicated option`);
    checkJsonValue(value, `${field}['${key}']`, fail);
  }
  return extra;
}

/** JSON.stringify silently turns NaN into null and drops undefined; refuse values that would not round-trip. */
function checkJsonValue(v: unknown, where: string, fail: Fail): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(`${where} is ${v}, which JSON cannot represent`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      checkJsonValue(x, `${where}[${i}]`, fail);
    });
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) checkJsonValue(x, `${where}.${k}`, fail);
    return;
  }
  fail(`${where} is not a plain JSON value (${v === undefined ? 'undefined' : typeof v})`);
}

/** Little-endian float32 bytes regardless of the host's byte order. */
const LITTLE_ENDIAN = endianness() === 'LE';

function encodeCf32Le(iq: Float32Array): Buffer {
  // On little-endian hosts (x86, ARM) the in-memory floats already are cf32_le: copy the bytes.
  if (LITTLE_ENDIAN) return Buffer.from(new Uint8Array(iq.buffer, iq.byteOffset, iq.byteLength));
  const out = Buffer.alloc(iq.length * 4);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < iq.length; i++) view.setFloat32(i * 4, iq[i] as number, true);
  return out;
}

function encodeCi16Le(iq: Int16Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(new Uint8Array(iq.buffer, iq.byteOffset, iq.byteLength));
  const out = Buffer.alloc(iq.length * 2);
  for (let i = 0; i < iq.length; i++) out.writeInt16LE(iq[i] as number, i * 2);
  return out;
}

function sha512Hex(bytes: Uint8Array): string {
  return createHash('sha512').update(bytes).digest('hex');
}
