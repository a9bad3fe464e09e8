// SigMF reader: `<base>.sigmf-meta` + its dataset → Recording, and `.sigmf-collection` → its recordings.
//
// Spec facts relied on (SigMF v1.2.6, sigmf-schema.json and additional_content.md; see write.ts for the rest):
// - Dataset grammar: dataset-format = (real / complex) ((type endianness) / byte); type = f32 / f64 / i32 / i16 /
//   u32 / u16; endianness = _le / _be; byte = i8 / u8 (so "ci8", "cu8", "ri8", "ru8"). Complex samples are
//   interleaved I[0] Q[0] I[1] Q[1] …. We need complex baseband, so every real ("r…") type is refused.
// - Integer scaling as sigmf-python's autoscale: unsigned values are centred by 2^(bits-1), then everything is
//   multiplied by 2^-(bits-1) (i16/32768, u8 (v-128)/128, i32/2^31, …).
// - core:num_channels (default 1) > 1 interleaves channels; refused here (the spec recommends collections instead).
// - captures are sorted by core:sample_start, the sample index in the dataset file where the segment starts;
//   `"captures": []` implies one segment at 0. core:header_bytes (Non-Conforming Datasets) are bytes before a
//   segment's samples, so segment i starts at byte Σ_{j<=i} header_bytes_j + sample_start_i · sample size (as
//   sigmf-python's get_capture_byte_boundarys); global core:trailing_bytes are ignored at the end of the file,
//   and global core:dataset names a non-conforming dataset file in the same folder (the `.sigmf-data` wins if both
//   exist, as in sigmf-python).
// - core:datetime is RFC 3339 with offset "Z" only and any number of fraction digits. We also accept "z" and
//   "+00:00" (the same instant) and refuse any other offset or none. Digits below the nanosecond are truncated
//   (not rounded), so a timestamp never moves into the next nanosecond. 23:59:60 (leap second) maps to the next
//   second's POSIX time.
// - core:geolocation: per capture (preferred since 1.2) with the global one as the RECOMMENDED fallback; GeoJSON
//   Point, coordinates [lon, lat, alt?].
// - core:sha512 is the SHA512 of the dataset file; collections list {name, hash} objects (or deprecated
//   [name, hash] tuples) where hash is the SHA512 of `<name>.sigmf-meta`.
// Decisions beyond the spec: a later capture that retunes (different core:frequency) is refused, since the
// Recording has one centre frequency; later captures' samples are otherwise read as one continuous stream.
// startUnixNs is captures[0]'s core:datetime; when two or more captures carry one, all of them go to
// meta.captureTimes ({sample, unixNs}[], sample = index in the concatenated stream) for the timing layer's fit.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { assertFiniteIq, type ReceiverInfo, type Recording, RecordingError, type RecordingProbe } from '../recording.js';

const SUPPORTED = 'c{f32,f64,i32,i16,u32,u16}_{le,be}, ci8, cu8';
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Layout of one complex SigMF sample type. */
interface SampleType {
  datatype: string;
  kind: 'f' | 'i' | 'u';
  bits: 8 | 16 | 32 | 64;
  littleEndian: boolean;
}

/** Parses `core:datatype`; throws (naming `source`) for real and unknown types. */
export function parseSigmfDatatype(datatype: string, source: string): SampleType {
  const m = /^([rc])(?:([fiu])(8|16|32|64)(?:_(le|be))?)$/.exec(datatype);
  const kind = m?.[2] as SampleType['kind'] | undefined;
  const bits = Number(m?.[3]) as SampleType['bits'];
  const end = m?.[4];
  const valid =
    m !== null &&
    kind !== undefined &&
    (bits === 8 ? kind !== 'f' && end === undefined : end !== undefined && (kind === 'f' ? bits >= 32 : bits <= 32));
  if (!valid) throw new RecordingError(source, `unsupported core:datatype '${datatype}' (supported: ${SUPPORTED})`);
  if (m[1] === 'r') {
    throw new RecordingError(
      source,
      `core:datatype '${datatype}' is real-valued; complex baseband IQ is needed (supported: ${SUPPORTED})`,
    );
  }
  return { datatype, kind, bits, littleEndian: end !== 'be' };
}

/** Decodes interleaved complex samples to full-scale float32 (integers scaled as sigmf-python's autoscale). */
export function decodeSigmfSamples(bytes: Uint8Array, t: SampleType, source: string): Float32Array {
  const width = t.bits / 8;
  const n = bytes.byteLength / width;
  if (t.kind === 'f' && t.bits === 32 && t.littleEndian && LITTLE_ENDIAN_HOST) {
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = t.littleEndian;
  const half = 2 ** (t.bits - 1);
  const scale = 1 / half; // exact power of two, so v * scale == v / half
  const key = `${t.kind}${t.bits}`;
  switch (key) {
    case 'f32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, le);
      break;
    case 'f64':
      for (let i = 0; i < n; i++) {
        const v = view.getFloat64(i * 8, le);
        const f = Math.fround(v);
        if (Number.isFinite(v) && !Number.isFinite(f)) {
          throw new RecordingError(source, `sample ${i >> 1} (${i % 2 === 0 ? 'I' : 'Q'}) is ${v}, beyond the float32 range`);
        }
        out[i] = f;
      }
      break;
    case 'i32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, le) * scale;
      break;
    case 'u32':
      for (let i = 0; i < n; i++) out[i] = (view.getUint32(i * 4, le) - half) * scale;
      break;
    case 'i16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, le) * scale;
      break;
    case 'u16':
      for (let i = 0; i < n; i++) out[i] = (view.getUint16(i * 2, le) - half) * scale;
      break;
    case 'i8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i) * scale;
      break;
    case 'u8':
      for (let i = 0; i < n; i++) out[i] = (view.getUint8(i) - half) * scale;
      break;
    default:
      throw new RecordingError(source, `unsupported core:datatype '${t.datatype}' (supported: ${SUPPORTED})`);
  }
  return out;
}

/**
 * Parses an RFC 3339 UTC timestamp to nanoseconds since the Unix epoch. Fraction digits beyond 9 are truncated.
 * Throws a RecordingError (naming `source` and `field`) for other offsets, missing offsets and invalid dates.
 */
export function parseSigmfDatetime(text: string, source: string, field = 'core:datetime'): bigint {
  const bad = (why: string): never => {
    throw new RecordingError(source, `${field} ${JSON.stringify(text)} ${why}`);
  };
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(.*)$/.exec(text);
  if (m === null) return bad('is not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z)');
  const offset = m[8] as string;
  if (offset === '') bad("has no time offset; SigMF requires UTC ('Z')");
  else if (/^[+-]\d{2}:\d{2}$/.test(offset) && offset !== '+00:00') bad(`has offset ${offset}; SigMF requires UTC ('Z')`);
  else if (offset !== 'Z' && offset !== 'z' && offset !== '+00:00')
    bad('is not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z)');
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (monthDays === undefined || d < 1 || d > monthDays || h > 23 || mi > 59 || s > 60 || (s === 60 && (h !== 23 || mi !== 59))) {
    bad('is not a valid date and time');
  }
  const ns = BigInt(((m[7] ?? '').slice(0, 9) || '0').padEnd(9, '0'));
  const seconds = BigInt(daysFromCivil(y, mo, d)) * 86_400n + BigInt(h * 3600 + mi * 60 + s);
  return seconds * 1_000_000_000n + ns;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The `.sigmf-meta` path and base for a path given as `.sigmf-meta`, `.sigmf-data` or the base path itself. */
export function sigmfMetaPath(path: string): string {
  if (path.endsWith('.sigmf-meta')) return path;
  if (path.endsWith('.sigmf-data')) return `${path.slice(0, -'.sigmf-data'.length)}.sigmf-meta`;
  if (path.endsWith('.sigmf')) {
    throw new RecordingError(
      path,
      'SigMF archives (.sigmf tar files) are not supported; extract the archive and read its .sigmf-meta',
    );
  }
  if (path.endsWith('.sigmf-collection')) {
    throw new RecordingError(path, 'is a SigMF collection, not a recording; read it with readSigmfCollection');
  }
  return `${path}.sigmf-meta`;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v));

function readJsonFile(path: string, what: string, missingSource = path, missing = `${what} not found`): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RecordingError(missingSource, missing);
    throw new RecordingError(path, `cannot read the ${what} (${code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RecordingError(path, `not valid JSON: ${(err as Error).message}`);
  }
}

function sha512Hex(bytes: Uint8Array): string {
  return createHash('sha512').update(bytes).digest('hex');
}

function nonNegativeInt(v: unknown, field: string, source: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new RecordingError(source, `${field} must be a non-negative integer, got ${show(v)}`);
  }
  return v;
}

function parseGeolocation(v: unknown, where: string, source: string): Pick<ReceiverInfo, 'lat' | 'lon' | 'altM'> {
  const field = `${where}.core:geolocation`;
  const c = isObject(v) ? v.coordinates : undefined;
  if (
    !isObject(v) ||
    v.type !== 'Point' ||
    !Array.isArray(c) ||
    c.length < 2 ||
    c.length > 3 ||
    !c.every((x) => typeof x === 'number' && Number.isFinite(x))
  ) {
    throw new RecordingError(
      source,
      `${field} must be a GeoJSON Point with coordinates [lon, lat] or [lon, lat, alt], got ${show(v)}`,
    );
  }
  const [lon, lat, altM] = c as number[];
  if (lat === undefined || Math.abs(lat) > 90) throw new RecordingError(source, `${field}: latitude ${lat} is outside [-90, 90]`);
  if (lon === undefined || Math.abs(lon) > 180)
    throw new RecordingError(source, `${field}: longitude ${lon} is outside [-180, 180]`);
  return altM === undefined ? { lat, lon } : { lat, lon, altM };
}

/**
 * Reads a SigMF recording. `path` may be the `.sigmf-meta`, the `.sigmf-data` or the base path without extension.
 * Errors are RecordingErrors naming the offending file.
 */
export function readSigmfRecording(path: string): Recording {
  const metaPath = sigmfMetaPath(path);
  const base = metaPath.slice(0, -'.sigmf-meta'.length);
  const dir = dirname(metaPath);
  const doc = readJsonFile(metaPath, 'metadata file', metaPath, 'metadata file not found');
  const fail = (msg: string): never => {
    throw new RecordingError(metaPath, msg);
  };
  if (!isObject(doc) || !isObject(doc.global)) return fail("not SigMF metadata: no 'global' object");
  const g = doc.global;

  // Datatype and channel layout.
  if (g['core:datatype'] === undefined) fail('core:datatype is missing');
  if (typeof g['core:datatype'] !== 'string') fail(`core:datatype must be a string, got ${show(g['core:datatype'])}`);
  const type = parseSigmfDatatype(g['core:datatype'] as string, metaPath);
  const channels = g['core:num_channels'];
  if (channels !== undefined) {
    if (typeof channels !== 'number' || !Number.isSafeInteger(channels) || channels < 1) {
      fail(`core:num_channels must be a positive integer, got ${show(channels)}`);
    }
    if (channels !== 1) {
      fail(
        `core:num_channels is ${channels}: multi-channel recordings are not supported (store each channel as its own recording, e.g. in a SigMF collection)`,
      );
    }
  }
  const rate = g['core:sample_rate'];
  if (rate === undefined) fail('core:sample_rate is missing; the sample rate is required');
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
    fail(`core:sample_rate must be a positive finite number, got ${show(rate)}`);
  }

  // Captures: the first one gives frequency, time and (preferably) position; all give the byte layout.
  const capturesRaw = doc.captures === undefined ? [] : doc.captures;
  if (!Array.isArray(capturesRaw)) return fail("'captures' must be an array");
  const captures: Json[] =
    capturesRaw.length === 0
      ? [{ 'core:sample_start': 0 }]
      : (capturesRaw as unknown[]).map((c, i) => {
          if (!isObject(c)) fail(`captures[${i}] must be an object`);
          return c as Json;
        });
  const first = captures[0] as Json;
  const freq = first['core:frequency'];
  if (freq === undefined) fail('captures[0] has no core:frequency; the centre frequency is required');
  if (typeof freq !== 'number' || !Number.isFinite(freq))
    fail(`captures[0].core:frequency must be a finite number, got ${show(freq)}`);
  const starts: number[] = [];
  const headers: number[] = [];
  captures.forEach((c, i) => {
    const start = nonNegativeInt(c['core:sample_start'], `captures[${i}].core:sample_start`, metaPath);
    const prev = starts[i - 1];
    if (prev !== undefined && start < prev) {
      fail(`captures[${i}].core:sample_start ${start} is before captures[${i - 1}]'s ${prev}; captures must be sorted`);
    }
    starts.push(start);
    headers.push(nonNegativeInt(c['core:header_bytes'], `captures[${i}].core:header_bytes`, metaPath));
    const f = c['core:frequency'];
    if (i > 0 && f !== undefined && f !== freq) {
      fail(
        `captures[${i}] retunes to ${show(f)} Hz (captures[0]: ${freq} Hz); recordings that change frequency are not supported`,
      );
    }
  });
  const datetime = first['core:datetime'];
  let startUnixNs: bigint | null = null;
  if (datetime !== undefined) {
    if (typeof datetime !== 'string') fail(`captures[0].core:datetime must be a string, got ${show(datetime)}`);
    startUnixNs = parseSigmfDatetime(datetime as string, metaPath, 'captures[0].core:datetime');
  }
  // Every capture's core:datetime, at its sample index in the concatenated stream: with two or more, the timing
  // layer fits the true rate and start to them (src/signal/timing/time-base.ts).
  const captureTimes: { sample: number; unixNs: bigint }[] = [];
  captures.forEach((c, i) => {
    const dt = c['core:datetime'];
    if (dt === undefined) return;
    if (typeof dt !== 'string') fail(`captures[${i}].core:datetime must be a string, got ${show(dt)}`);
    captureTimes.push({
      sample: (starts[i] as number) - (starts[0] as number),
      unixNs: parseSigmfDatetime(dt as string, metaPath, `captures[${i}].core:datetime`),
    });
  });
  const geo =
    first['core:geolocation'] !== undefined
      ? parseGeolocation(first['core:geolocation'], 'captures[0]', metaPath)
      : g['core:geolocation'] !== undefined
        ? parseGeolocation(g['core:geolocation'], 'global', metaPath)
        : {};

  // Receiver and timing extras (heimdall extension).
  const rxId = g['heimdall:receiver_id'];
  if (rxId !== undefined && (typeof rxId !== 'string' || rxId === '')) {
    fail(`heimdall:receiver_id must be a non-empty string, got ${show(rxId)}`);
  }
  const rxName = g['heimdall:receiver_name'];
  if (rxName !== undefined && typeof rxName !== 'string') fail(`heimdall:receiver_name must be a string, got ${show(rxName)}`);
  const sigma = g['heimdall:timestamp_sigma_s'];
  if (sigma !== undefined && sigma !== null && (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma < 0)) {
    fail(`heimdall:timestamp_sigma_s must be a non-negative number or null, got ${show(sigma)}`);
  }
  const receiver: ReceiverInfo = { id: (rxId as string | undefined) ?? basename(base) };
  if (rxName !== undefined) receiver.name = rxName as string;
  Object.assign(receiver, geo);

  // Dataset file: `<base>.sigmf-data`, else a non-conforming dataset named by core:dataset.
  let dataPath = `${base}.sigmf-data`;
  const ncd = g['core:dataset'];
  if (ncd !== undefined && !existsSync(dataPath)) {
    if (typeof ncd !== 'string' || ncd === '' || /[/\\]/.test(ncd)) {
      fail(`core:dataset must be a file name in the metadata's folder, got ${show(ncd)}`);
    }
    dataPath = join(dir, ncd as string);
  }
  let data: Buffer;
  try {
    data = readFileSync(dataPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new RecordingError(dataPath, `cannot read the dataset file (${code ?? (err as Error).message})`);
    if (g['core:metadata_only'] === true) fail('is metadata-only (core:metadata_only): there are no samples to read');
    throw new RecordingError(dataPath, `dataset file not found (described by ${metaPath})`);
  }
  // Byte ranges of the capture segments, from the first capture's first sample to the end (less trailing bytes).
  const sampleBytes = (2 * type.bits) / 8;
  const trailing = nonNegativeInt(g['core:trailing_bytes'], 'core:trailing_bytes', metaPath);
  const end = data.byteLength - trailing;
  const parts: Uint8Array[] = [];
  let headerSum = 0;
  for (let i = 0; i < captures.length; i++) {
    headerSum += headers[i] as number;
    const from = headerSum + (starts[i] as number) * sampleBytes;
    const next = starts[i + 1];
    const to = next === undefined ? end : from + (next - (starts[i] as number)) * sampleBytes;
    if (from > end || to > end) {
      throw new RecordingError(
        dataPath,
        `truncated: captures[${i}] needs bytes up to ${Math.max(from, to)} but the file has ${end} bytes of sample data (${data.byteLength} in all)`,
      );
    }
    if (next === undefined && (to - from) % sampleBytes !== 0) {
      throw new RecordingError(
        dataPath,
        `truncated: ${to - from} bytes of samples is not a whole number of ${type.datatype} samples (${sampleBytes} bytes each)`,
      );
    }
    parts.push(data.subarray(from, to));
  }
  // The layout check comes first: it says more about a truncated file than a hash mismatch would.
  const hash = g['core:sha512'];
  if (hash !== undefined) {
    if (typeof hash !== 'string' || !/^[0-9a-fA-F]{128}$/.test(hash))
      fail(`core:sha512 must be 128 hex digits, got ${show(hash)}`);
    const actual = sha512Hex(data);
    if (actual !== (hash as string).toLowerCase()) {
      throw new RecordingError(
        dataPath,
        `SHA512 mismatch: the file hashes to ${actual.slice(0, 16)}…, core:sha512 in ${basename(metaPath)} says ${(hash as string).slice(0, 16)}…; the dataset is corrupt or was changed`,
      );
    }
  }

  const payload = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
  const iq = decodeSigmfSamples(payload, type, dataPath);
  assertFiniteIq(iq, dataPath);

  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(g)) if (!k.startsWith('core:')) meta[k] = v;
  if (captureTimes.length >= 2) meta.captureTimes = captureTimes;
  return {
    iq,
    sampleRateHz: rate as number,
    centerFreqHz: freq as number,
    startUnixNs,
    timestampSigmaS: (sigma as number | null | undefined) ?? null,
    receiver,
    source: metaPath,
    meta,
  };
}

/**
 * What a SigMF recording says without reading its samples: receiver, frequency and start (captures[0]) from the
 * metadata, duration from the dataset file's size, the datatype and the rate. readSigmfRecording checks the rest.
 */
export function probeSigmfRecording(path: string): RecordingProbe {
  const metaPath = sigmfMetaPath(path);
  const base = metaPath.slice(0, -'.sigmf-meta'.length);
  const doc = readJsonFile(metaPath, 'metadata file', metaPath, 'metadata file not found');
  const fail = (msg: string): never => {
    throw new RecordingError(metaPath, msg);
  };
  if (!isObject(doc) || !isObject(doc.global)) return fail("not SigMF metadata: no 'global' object");
  const g = doc.global;
  if (typeof g['core:datatype'] !== 'string') return fail(`core:datatype must be a string, got ${show(g['core:datatype'])}`);
  const type = parseSigmfDatatype(g['core:datatype'], metaPath);
  const rate = g['core:sample_rate'];
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
    return fail(`core:sample_rate must be a positive finite number, got ${show(rate)}`);
  }
  const first = Array.isArray(doc.captures) && isObject(doc.captures[0]) ? doc.captures[0] : {};
  const freq = first['core:frequency'];
  if (typeof freq !== 'number' || !Number.isFinite(freq)) {
    return fail(`captures[0].core:frequency must be a finite number, got ${show(freq)}`);
  }
  const datetime = first['core:datetime'];
  if (datetime !== undefined && typeof datetime !== 'string') {
    fail(`captures[0].core:datetime must be a string, got ${show(datetime)}`);
  }
  const startUnixNs = typeof datetime === 'string' ? parseSigmfDatetime(datetime, metaPath, 'captures[0].core:datetime') : null;
  const rxId = g['heimdall:receiver_id'];
  const ncd = g['core:dataset'];
  let dataPath = `${base}.sigmf-data`;
  if (typeof ncd === 'string' && ncd !== '' && !/[/\\]/.test(ncd) && !existsSync(dataPath))
    dataPath = join(dirname(metaPath), ncd);
  let bytes = 0;
  try {
    bytes = statSync(dataPath).size;
  } catch {
    // No dataset: the reader says why when the recording is read; here it only has no duration.
  }
  return {
    path: metaPath,
    receiverId: typeof rxId === 'string' && rxId !== '' ? rxId : basename(base),
    centerFreqHz: freq,
    startUnixNs,
    durationS: bytes / ((2 * type.bits) / 8) / rate,
  };
}

/** One `core:streams` entry of a collection. */
export interface SigmfStream {
  name: string;
  /** SHA512 (hex, lower case) of the recording's `.sigmf-meta`, as listed in the collection. */
  hash: string;
  metaPath: string;
}

/** Reads a collection's streams and extra fields without opening the recordings. */
export function readSigmfCollectionIndex(collectionPath: string): { streams: SigmfStream[]; extra: Record<string, unknown> } {
  const doc = readJsonFile(collectionPath, 'collection file', collectionPath, 'collection file not found');
  const fail = (msg: string): never => {
    throw new RecordingError(collectionPath, msg);
  };
  if (!isObject(doc) || !isObject(doc.collection)) return fail("not a SigMF collection: no 'collection' object");
  const c = doc.collection;
  const raw = c['core:streams'];
  if (!Array.isArray(raw)) return fail(`core:streams must be an array, got ${show(raw)}`);
  if (raw.length === 0) fail('core:streams is empty: the collection lists no recordings');
  const dir = dirname(collectionPath);
  const seen = new Set<string>();
  const streams = (raw as unknown[]).map((s, i): SigmfStream => {
    let name: unknown;
    let hash: unknown;
    if (Array.isArray(s) && s.length === 2)
      [name, hash] = s; // deprecated [name, hash] tuple
    else if (isObject(s)) ({ name, hash } = s);
    else fail(`core:streams[${i}] must be a {name, hash} object or a [name, hash] pair, got ${show(s)}`);
    if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) {
      fail(`core:streams[${i}].name must be a recording base name without path separators, got ${show(name)}`);
    }
    if (seen.has(name as string)) fail(`core:streams[${i}]: stream '${name}' is listed twice`);
    seen.add(name as string);
    if (typeof hash !== 'string' || !/^[0-9a-fA-F]{128}$/.test(hash)) {
      fail(
        `stream '${name}' (core:streams[${i}]): hash must be the SHA512 (128 hex digits) of its .sigmf-meta, got ${show(hash)}`,
      );
    }
    return { name: name as string, hash: (hash as string).toLowerCase(), metaPath: join(dir, `${name}.sigmf-meta`) };
  });
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) if (!k.startsWith('core:')) extra[k] = v;
  return { streams, extra };
}

/**
 * Reads every recording of a `.sigmf-collection`, verifying each stream's hash (SHA512 of its `.sigmf-meta`).
 * Returns them in `core:streams` order, with the collection's non-core fields (e.g. heimdall:truth) in `extra`.
 */
export function readSigmfCollection(collectionPath: string): { recordings: Recording[]; extra: Record<string, unknown> } {
  const { streams, extra } = readSigmfCollectionIndex(collectionPath);
  const recordings = streams.map((s, i) => {
    const where = `stream '${s.name}' (core:streams[${i}])`;
    let metaBytes: Buffer;
    try {
      metaBytes = readFileSync(s.metaPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new RecordingError(
        collectionPath,
        `${where}: ${code === 'ENOENT' ? 'not found' : `cannot read (${code})`}: ${s.metaPath}`,
      );
    }
    if (sha512Hex(metaBytes) !== s.hash) {
      throw new RecordingError(
        collectionPath,
        `${where}: hash mismatch: ${s.metaPath} is not the file the collection lists (it changed since the collection was written)`,
      );
    }
    try {
      return readSigmfRecording(s.metaPath);
    } catch (err) {
      if (err instanceof RecordingError) throw new RecordingError(collectionPath, `${where}: ${err.message}`);
      throw err;
    }
  });
  return { recordings, extra };
}
