// The original project's recording format: `np.save` of a 1-D complex64 array plus a `<base>_metadata.json` sidecar.
//
// .npy layout (NumPy's numpy/lib/format.py docstring, "NEP 1"; checked against NumPy 1.24.2's source):
// - 6-byte magic "\x93NUMPY", 1 byte major and 1 byte minor version, then HEADER_LEN: a little-endian uint16 in
//   version 1.0, uint32 in 2.0 and 3.0.
// - HEADER_LEN bytes of header: a Python dict literal with exactly the keys 'descr', 'fortran_order', 'shape'
//   (ASCII/latin1 in 1.0 and 2.0, UTF-8 in 3.0), padded with spaces and ended by '\n' so that
//   magic + version + length + header is a multiple of 64 (ARRAY_ALIGN). Readers must not rely on key order.
// - Then the raw array bytes: product(shape) × itemsize, C order unless fortran_order.
// - np.save writes keys sorted ("{'descr': '<c8', 'fortran_order': False, 'shape': (N,), }") and, since
//   numpy/numpy#20321 (NumPy 1.24), 21 − len(str(N)) extra spaces after the dict (GROWTH_AXIS_MAX_DIGITS) so the
//   shape can be rewritten in place; we write the same, so our files are byte-identical to np.save's.
// - '<c8' is complex64 little-endian: float32 real, float32 imaginary — the same bytes as interleaved cf32_le IQ.
// Decisions: '<c8'/'>c8' and '<c16'/'>c16' (converted to float32; a finite value beyond float32 range is refused)
// are read; anything else is refused. fortran_order True is accepted for 1-D arrays only, where the layout is
// identical to C order; every other shape than (N,) is refused. Data bytes beyond the shape are refused too
// (numpy ignores them, but they mean the header and the data disagree).
import { closeSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename } from 'node:path';
import { commitTemps, writeTemp } from '../../util/atomic-file.js';
import { assertFiniteIq, type ReceiverInfo, type Recording, RecordingError, type RecordingProbe } from '../recording.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ARRAY_ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';
const SIDECAR_KEYS = new Set(['sampleRateHz', 'centerFreqHz', 'startUnixNs', 'timestampSigmaS', 'receiver']);

/** `<base>_metadata.json` for `<base>.npy` (or for `path` itself when it lacks the extension). */
export function npySidecarPath(path: string): string {
  const base = path.endsWith('.npy') ? path.slice(0, -4) : path;
  return `${base}_metadata.json`;
}

/** The .npy v1.0 header np.save writes for a 1-D '<c8' array of n elements (data starts at a multiple of 64). */
export function npyHeaderC8(n: number): Buffer {
  const dict = `{'descr': '<c8', 'fortran_order': False, 'shape': (${n},), }`;
  const text = dict + ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(n).length));
  const hlen = text.length + 1; // + '\n'
  const pad = ARRAY_ALIGN - ((MAGIC.length + 2 + 2 + hlen) % ARRAY_ALIGN);
  const total = MAGIC.length + 2 + 2 + hlen + pad;
  const out = Buffer.alloc(total, 0x20);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(hlen + pad, 8);
  out.write(text, 10, 'latin1');
  out[total - 1] = 0x0a;
  return out;
}

/**
 * Writes `path` (.npy, complex64) and `<base>_metadata.json`, each atomically (temporary name, fsync, rename).
 * Refuses non-finite samples and metadata a reader could not read back.
 */
export function writeNpyRecording(path: string, rec: Recording): void {
  const fail = (msg: string): never => {
    throw new Error(`writeNpyRecording(${path}): ${msg}`);
  };
  if (!path.endsWith('.npy')) fail("path must end with '.npy'");
  const { iq } = rec;
  if (!(iq instanceof Float32Array)) fail('iq must be a Float32Array of interleaved I,Q values');
  if (iq.length % 2 !== 0) fail(`iq length ${iq.length} is odd; expected interleaved I,Q pairs`);
  assertFiniteIq(iq, path);
  if (!(Number.isFinite(rec.sampleRateHz) && rec.sampleRateHz > 0))
    fail(`sampleRateHz must be a positive finite number, got ${rec.sampleRateHz}`);
  if (!Number.isFinite(rec.centerFreqHz)) fail(`centerFreqHz must be a finite number, got ${rec.centerFreqHz}`);
  if (rec.startUnixNs !== null && typeof rec.startUnixNs !== 'bigint') fail('startUnixNs must be a bigint or null');
  const sigma = rec.timestampSigmaS;
  if (sigma !== null && !(Number.isFinite(sigma) && sigma >= 0))
    fail(`timestampSigmaS must be a non-negative number or null, got ${sigma}`);
  const r = rec.receiver;
  if (typeof r?.id !== 'string' || r.id === '') fail('receiver.id must be a non-empty string');
  const receiver: ReceiverInfo = { id: r.id };
  if (r.name !== undefined) receiver.name = r.name;
  for (const k of ['lat', 'lon', 'altM'] as const) {
    const v = r[k];
    if (v === undefined) continue;
    if (!Number.isFinite(v)) fail(`receiver.${k} must be finite, got ${v}`);
    receiver[k] = v;
  }
  const sidecar = {
    sampleRateHz: rec.sampleRateHz,
    centerFreqHz: rec.centerFreqHz,
    startUnixNs: rec.startUnixNs === null ? null : rec.startUnixNs.toString(),
    timestampSigmaS: sigma,
    receiver,
  };

  const header = npyHeaderC8(iq.length / 2);
  const data = LITTLE_ENDIAN_HOST ? new Uint8Array(iq.buffer, iq.byteOffset, iq.byteLength) : encodeF32Le(iq);
  const sidecarPath = npySidecarPath(path);
  const npyTmp = writeTemp(path, [header, data]);
  let jsonTmp: string;
  try {
    jsonTmp = writeTemp(sidecarPath, [Buffer.from(`${JSON.stringify(sidecar, null, 2)}\n`, 'utf8')]);
  } catch (err) {
    rmSync(npyTmp, { force: true });
    throw err;
  }
  commitTemps([
    { tmp: npyTmp, path },
    { tmp: jsonTmp, path: sidecarPath },
  ]);
}

function encodeF32Le(iq: Float32Array): Uint8Array {
  const out = new Uint8Array(iq.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < iq.length; i++) view.setFloat32(i * 4, iq[i] as number, true);
  return out;
}

// ---- Reading ----

/** A parsed .npy header. */
export interface NpyHeader {
  version: string;
  descr: unknown;
  fortranOrder: unknown;
  shape: unknown;
  /** Byte offset of the array data. */
  dataOffset: number;
}

type Py = string | number | boolean | null | PyTuple | Py[] | Map<string, Py>;
class PyTuple {
  constructor(readonly items: Py[]) {}
}

/** Python repr of the literal subset a .npy header uses. */
function pyRepr(v: Py): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (v instanceof PyTuple) return `(${v.items.map(pyRepr).join(', ')}${v.items.length === 1 ? ',' : ''})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${[...v].map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

/** Parses the Python literal subset of .npy headers: dicts, tuples, lists, str, int, True/False/None. */
function parsePyLiteral(text: string): Py {
  let i = 0;
  const err = (what: string): never => {
    throw new Error(`${what} at character ${i}`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const expect = (ch: string) => {
    ws();
    if (text[i] !== ch) err(`expected '${ch}'`);
    i++;
  };
  const seq = (close: string, item: () => void): number => {
    let n = 0;
    let comma = false;
    for (;;) {
      ws();
      if (text[i] === close) {
        i++;
        return comma ? -n : n; // negative: ended with a comma (matters for 1-tuples)
      }
      if (n > 0 && !comma) err(`expected ',' or '${close}'`);
      item();
      n++;
      ws();
      comma = text[i] === ',';
      if (comma) i++;
    }
  };
  const value = (): Py => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const map = new Map<string, Py>();
      seq('}', () => {
        const k = value();
        if (typeof k !== 'string') err('dict keys must be strings');
        expect(':');
        map.set(k as string, value());
      });
      return map;
    }
    if (c === '(' || c === '[') {
      i++;
      const items: Py[] = [];
      const n = seq(c === '(' ? ')' : ']', () => items.push(value()));
      if (c === '[') return items;
      return n === 1 ? (items[0] as Py) : new PyTuple(items); // (x) is x; (x,) and () are tuples
    }
    if (c === "'" || c === '"') {
      i++;
      let s = '';
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\') {
          i++;
          const e = text[i++];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
        } else s += text[i++];
      }
      if (i >= text.length) err('unterminated string');
      i++;
      return s;
    }
    const word = /^(?:-?\d+L?|True|False|None)/.exec(text.slice(i))?.[0];
    if (word === undefined) return err('unexpected input');
    i += word.length;
    if (word === 'True' || word === 'False') return word === 'True';
    if (word === 'None') return null;
    const n = Number(word.replace(/L$/, ''));
    if (!Number.isSafeInteger(n)) err(`integer ${word} is too large`);
    return n;
  };
  const v = value();
  ws();
  if (i !== text.length) err('unexpected text after the literal');
  return v;
}

/** Parses the magic, version and header dict of a .npy file (throws RecordingError naming `source`). */
export function parseNpyHeader(bytes: Uint8Array, source: string): NpyHeader & { descr: Py; fortranOrder: Py; shape: Py } {
  const fail = (msg: string): never => {
    throw new RecordingError(source, msg);
  };
  if (bytes.byteLength < 6 || !MAGIC.equals(bytes.subarray(0, 6))) {
    fail('not a .npy file: it does not start with the magic string \\x93NUMPY');
  }
  if (bytes.byteLength < 8) fail(`truncated .npy header: the file has only ${bytes.byteLength} bytes`);
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    fail(`unsupported .npy format version ${major}.${minor} (1.0, 2.0 and 3.0 are supported)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.byteLength < 8 + lenBytes) fail(`truncated .npy header: the file has only ${bytes.byteLength} bytes`);
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (start + hlen > bytes.byteLength) {
    fail(`truncated .npy header: HEADER_LEN is ${hlen} bytes but only ${bytes.byteLength - start} follow`);
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, hlen).toString(major === 3 ? 'utf8' : 'latin1');
  let dict: Py;
  try {
    dict = parsePyLiteral(text);
  } catch (err) {
    return fail(`cannot parse the .npy header ${JSON.stringify(text.trimEnd())}: ${(err as Error).message}`);
  }
  if (!(dict instanceof Map)) return fail(`the .npy header is not a dict: ${JSON.stringify(text.trimEnd())}`);
  const keys = [...dict.keys()].sort();
  if (keys.join() !== 'descr,fortran_order,shape') {
    fail(
      `the .npy header must have exactly the keys 'descr', 'fortran_order', 'shape'; it has ${keys.map((k) => `'${k}'`).join(', ')}`,
    );
  }
  return {
    version: `${major}.${minor}`,
    descr: dict.get('descr') as Py,
    fortranOrder: dict.get('fortran_order') as Py,
    shape: dict.get('shape') as Py,
    dataOffset: start + hlen,
  };
}

const DTYPES: Record<string, { bytes: 4 | 8; littleEndian: boolean }> = {
  '<c8': { bytes: 4, littleEndian: true },
  '>c8': { bytes: 4, littleEndian: false },
  '<c16': { bytes: 8, littleEndian: true },
  '>c16': { bytes: 8, littleEndian: false },
};

/** Reads `<base>.npy` (1-D complex64/complex128) and its `<base>_metadata.json` sidecar. */
export function readNpyRecording(path: string): Recording {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RecordingError(path, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? (err as Error).message})`);
  }
  const iq = decodeNpyIq(bytes, path);
  return { iq, ...readNpySidecar(path), source: path };
}

/** Bytes read for a probe: np.save headers are 128 bytes; ones longer than this are refused as truncated. */
const PROBE_HEADER_BYTES = 65_536;

/**
 * What `<base>.npy` and its sidecar say without reading the samples: receiver, frequency and start from the sidecar,
 * duration from the header's data type, the file size and the sidecar's rate. The reader checks the rest.
 */
export function probeNpyRecording(path: string): RecordingProbe {
  const sidecar = readNpySidecar(path);
  let size: number;
  let head: Uint8Array;
  try {
    size = statSync(path).size;
    head = new Uint8Array(Math.min(size, PROBE_HEADER_BYTES));
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RecordingError(path, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? (err as Error).message})`);
  }
  const h = parseNpyHeader(head, path);
  const itemBytes = typeof h.descr === 'string' ? 2 * (DTYPES[h.descr]?.bytes ?? 4) : 8;
  return {
    path,
    receiverId: sidecar.receiver.id,
    centerFreqHz: sidecar.centerFreqHz,
    startUnixNs: sidecar.startUnixNs,
    durationS: Math.max(0, size - h.dataOffset) / itemBytes / sidecar.sampleRateHz,
  };
}

/** The bytes of a .npy file holding `iq` as a 1-D complex64 array (what np.save writes). */
export function encodeNpyIq(iq: Float32Array): Uint8Array {
  const header = npyHeaderC8(iq.length / 2);
  const out = new Uint8Array(header.byteLength + iq.byteLength);
  out.set(header, 0);
  out.set(encodeF32Le(iq), header.byteLength);
  return out;
}

/** IQ samples from the bytes of a .npy file (1-D complex64/complex128); `source` names it in errors. */
export function decodeNpyIq(bytes: Uint8Array, source: string): Float32Array {
  const fail = (msg: string): never => {
    throw new RecordingError(source, msg);
  };
  const h = parseNpyHeader(bytes, source);
  const dtype = typeof h.descr === 'string' ? DTYPES[h.descr] : undefined;
  if (dtype === undefined) {
    return fail(
      `unsupported dtype ${pyRepr(h.descr)}: a complex IQ array is needed, '<c8' or '>c8' (complex64) or '<c16' or '>c16' (complex128)`,
    );
  }
  if (typeof h.fortranOrder !== 'boolean') fail(`fortran_order must be True or False, got ${pyRepr(h.fortranOrder)}`);
  const shape = h.shape;
  if (!(shape instanceof PyTuple) || !shape.items.every((d) => typeof d === 'number' && d >= 0)) {
    return fail(`shape must be a tuple of non-negative integers, got ${pyRepr(shape)}`);
  }
  if (shape.items.length !== 1) {
    fail(`shape ${pyRepr(shape)} is not 1-D; a recording is a 1-D complex array of shape (N,)`);
  }
  const n = shape.items[0] as number;
  const expected = n * 2 * dtype.bytes;
  const actual = bytes.byteLength - h.dataOffset;
  const what = `shape ${pyRepr(shape)} of ${pyRepr(h.descr)}`;
  if (actual < expected) fail(`truncated: ${what} needs ${expected} data bytes, the file has ${actual}`);
  if (actual > expected)
    fail(`${actual} data bytes follow the header but ${what} needs ${expected}; the header and the data disagree`);

  const data = bytes.subarray(h.dataOffset, h.dataOffset + expected);
  const iq = new Float32Array(2 * n);
  if (dtype.bytes === 4 && dtype.littleEndian === LITTLE_ENDIAN_HOST) {
    new Uint8Array(iq.buffer).set(data);
  } else {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < iq.length; i++) {
      if (dtype.bytes === 4) {
        iq[i] = view.getFloat32(i * 4, dtype.littleEndian);
        continue;
      }
      const v = view.getFloat64(i * 8, dtype.littleEndian);
      const f = Math.fround(v);
      if (Number.isFinite(v) && !Number.isFinite(f))
        fail(`sample ${i >> 1} (${i % 2 === 0 ? 'I' : 'Q'}) is ${v}, beyond the float32 range`);
      iq[i] = f;
    }
  }
  assertFiniteIq(iq, source);
  return iq;
}

/** Reads and checks the `<base>_metadata.json` sidecar of `<base>.npy` (errors name the sidecar or the .npy). */
export function readNpySidecar(npyPath: string): Omit<Recording, 'iq' | 'source'> {
  const path = npySidecarPath(npyPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RecordingError(npyPath, `metadata sidecar not found: expected ${path}`);
    throw new RecordingError(path, `cannot read the metadata sidecar (${code ?? (err as Error).message})`);
  }
  const fail = (msg: string): never => {
    throw new RecordingError(path, msg);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return fail(`not valid JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('the metadata sidecar must be a JSON object');
  const d = doc as Record<string, unknown>;
  const show = (v: unknown) => (v === undefined ? 'missing' : JSON.stringify(v));
  const { sampleRateHz, centerFreqHz, startUnixNs, timestampSigmaS, receiver } = d;
  if (typeof sampleRateHz !== 'number' || !Number.isFinite(sampleRateHz) || sampleRateHz <= 0) {
    fail(`sampleRateHz must be a positive finite number, got ${show(sampleRateHz)}`);
  }
  if (typeof centerFreqHz !== 'number' || !Number.isFinite(centerFreqHz))
    fail(`centerFreqHz must be a finite number, got ${show(centerFreqHz)}`);
  if (startUnixNs !== undefined && startUnixNs !== null && (typeof startUnixNs !== 'string' || !/^-?\d+$/.test(startUnixNs))) {
    fail(
      `startUnixNs must be a decimal string of nanoseconds since the Unix epoch (e.g. "1767323045123456789") or null, got ${show(startUnixNs)}`,
    );
  }
  if (
    timestampSigmaS !== undefined &&
    timestampSigmaS !== null &&
    (typeof timestampSigmaS !== 'number' || !Number.isFinite(timestampSigmaS) || timestampSigmaS < 0)
  ) {
    fail(`timestampSigmaS must be a non-negative number or null, got ${show(timestampSigmaS)}`);
  }
  const rx: ReceiverInfo = { id: basename(npyPath).replace(/\.npy$/, '') };
  if (receiver !== undefined) {
    if (typeof receiver !== 'object' || receiver === null || Array.isArray(receiver))
      fail(`receiver must be an object, got ${show(receiver)}`);
    const r = receiver as Record<string, unknown>;
    if (r.id !== undefined) {
      if (typeof r.id !== 'string' || r.id === '') fail(`receiver.id must be a non-empty string, got ${show(r.id)}`);
      rx.id = r.id as string;
    }
    if (r.name !== undefined) {
      if (typeof r.name !== 'string') fail(`receiver.name must be a string, got ${show(r.name)}`);
      rx.name = r.name as string;
    }
    for (const k of ['lat', 'lon', 'altM'] as const) {
      const v = r[k];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`receiver.${k} must be a finite number, got ${show(v)}`);
      rx[k] = v as number;
    }
  }
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) if (!SIDECAR_KEYS.has(k)) meta[k] = v;
  return {
    sampleRateHz: sampleRateHz as number,
    centerFreqHz: centerFreqHz as number,
    startUnixNs: typeof startUnixNs === 'string' ? BigInt(startUnixNs) : null,
    timestampSigmaS: (timestampSigmaS as number | null | undefined) ?? null,
    receiver: rx,
    meta,
  };
}
