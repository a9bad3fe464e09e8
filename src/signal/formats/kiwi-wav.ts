// KiwiSDR IQ WAV reader (`kiwirecorder.py -m iq --kiwi-wav`) with a GNSS time-base fit.
//
// Layout, verified in jks-prv/kiwiclient (kiwirecorder.py at commit 1430ccf383ca545f6c8754ba29a08c66250904e5;
// the same pack formats appear in the other versions and forks I looked at) — it agrees with the team's notes:
// - _write_wav_header: struct.pack('<4sI4s', b'RIFF', filesize - 8, b'WAVE') then
//   struct.pack('<4sIHHIIHH', b'fmt ', 16, 1, nchans, int(samplerate + 0.5), byte_rate, block_align, 16):
//   a 36-byte header, PCM (1), 16 bits, and — with --kiwi-wav — no data chunk of its own. The rate is the
//   nominal one rounded to an integer (e.g. 12001), so it cannot be trusted to better than ~0.5 Hz.
// - _write_samples, per IQ block: struct.pack('<4sIBBII', b'kiwi', 10, gps['last_gps_solution'], 0,
//   gps['gpssec'], gps['gpsnsec']) — 18 bytes: id, u32 size 10, u8 last, u8 pad, u32 gpssec, u32 gpsnsec —
//   then struct.pack('<4sI', b'data', samples.itemsize * len(samples)) and the int16 I,Q,I,Q… samples written
//   with numpy tofile (little-endian). An IQ block is 512 complex samples, so data is 2048 bytes and a block
//   2074 (kiwiclient's read_kiwi_iq_wav.cc divides the RIFF size by 2074 and scales int16 by 1/32768;
//   kiwi/wavreader.py and hcab14/TDoA's proc_kiwi_iq_wav.m take the block's timestamp as the time of its first
//   sample). Resampling (-r) would change the data size; such files are refused.
// - The file name (_get_output_filename): '%s_%d%s_%s.wav' % (strftime('%Y%m%dT%H%M%SZ', gmtime()),
//   int(freq_kHz * 1000), '_' + station, modulation) → <YYYYMMDDTHHMMSSZ>_<freq Hz>_<STATION>_iq.wav. The time is
//   the recording host's clock (whole seconds) when the first block arrived; TDoA encodes '/' in stations as '-'.
// - `last` (KiwiSDR server, rx_sound.cpp): u1_t(min(254 or 252, seconds since the last GNSS position solution)),
//   255 when the receiver has no GNSS clock, and 0 with gpsnsec 0 and an uninitialised gpssec in the very first
//   packet of a stream. So the first block looks fresh but is garbage, and `last` drops back to 0 whenever a new
//   solution arrives; in between, the receiver extrapolates its timestamps with its own clock model.
//
// Decisions:
// - Fresh fixes: block b >= 1 with last[b] < last[b-1] and last[b] <= 1 s — the rule of kiwiclient's
//   GNSSPerformance (last == 0 after a non-zero one) and TDoA's proc_kiwi_iq_wav.m (diff(gpslast) < 0). Blocks
//   that merely keep a small `last` carry timestamps extrapolated by the receiver and are not used; block 0 is
//   never used. Fresh timestamps with gpssec >= 604800 or gpsnsec >= 1e9 are counted as rejected.
// - GPS week (not in the file): each fresh timestamp is placed in the week that puts it closest to the time
//   the file name predicts for that block (file-name time + 512·b / nominal rate), which also unwraps a
//   recording that crosses a week boundary. meta.gpsWeek is the week of the first timestamp used.
// - GPS → Unix: Unix = GPS + 315964800 (1980-01-06) − (GPS − UTC), the leap-second offset taken from a table
//   (18 s since 2017-01-01) at the file-name time; a leap second inside a recording is not modelled.
// - Time base t = t0 + n / fs over the fresh fixes (n = 512·b): times relative to one timestamp (integer seconds
//   subtracted exactly, then nanoseconds), a robust start (median of pairwise slopes, median intercept), then
//   least squares, rejecting |residual| > max(5 µs, 5 × 1.4826 × MAD) and refitting until the set is stable
//   (src/math/robust-line.ts, shared with the timing layer's SigMF capture fit).
//   The final fit is expressed relative to the first timestamp used, and startUnixNs is assembled in bigint.
//   Fewer than 2 usable timestamps, or a fitted rate more than 0.1 % from the header's, is a RecordingError.
// - All samples are kept (block 0 too: its samples are fine, only its timestamp is not).
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { leastSquaresLine, lineInliers, residualRms } from '../../math/robust-line.js';
import { type Recording, RecordingError, type RecordingProbe } from '../recording.js';

const HEADER_BYTES = 36;
const BLOCK_SAMPLES = 512;
const KIWI_CHUNK_BYTES = 18;
const DATA_HEADER_BYTES = 8;
const DATA_BYTES = BLOCK_SAMPLES * 4;
const BLOCK_BYTES = KIWI_CHUNK_BYTES + DATA_HEADER_BYTES + DATA_BYTES; // 2074
const WEEK_S = 604_800;
const GPS_EPOCH_UNIX_S = 315_964_800; // 1980-01-06T00:00:00Z
/** Largest `last` (s since the GNSS solution) a fresh fix may have. */
const MAX_FRESH_LAST_S = 1;
const OUTLIER_FLOOR_S = 5e-6;
const MIN_SIGMA_S = 1e-7;
/** A fitted rate further than this (relative) from the header's means the timestamps are inconsistent. */
const MAX_RATE_DEVIATION = 1e-3;

/** GPS − UTC (s) from each UTC instant on (leap seconds since 1980). */
const LEAP_SECONDS: ReadonlyArray<readonly [number, number]> = (
  [
    [1981, 7, 1],
    [1982, 7, 1],
    [1983, 7, 1],
    [1985, 7, 1],
    [1988, 1, 1],
    [1990, 1, 1],
    [1991, 1, 1],
    [1992, 7, 1],
    [1993, 7, 1],
    [1994, 7, 1],
    [1996, 1, 1],
    [1997, 7, 1],
    [1999, 1, 1],
    [2006, 1, 1],
    [2009, 1, 1],
    [2012, 7, 1],
    [2015, 7, 1],
    [2017, 1, 1],
  ] as const
).map(([y, m, d], i) => [Date.UTC(y, m - 1, d) / 1000, i + 1] as const);

/** GPS − UTC in seconds at a Unix time (s). */
function gpsMinusUtcS(unixS: number): number {
  let offset = 0;
  for (const [from, value] of LEAP_SECONDS) if (unixS >= from) offset = value;
  return offset;
}

/** What kiwirecorder's default file name says: station, centre frequency, start time (host clock). */
export interface KiwiFileName {
  station: string;
  centerFreqHz: number;
  /** The file name's UTC time, Unix seconds. */
  unixS: number;
}

/** The suffix is matched case-insensitively (readRecording routes .WAV here too). */
const NAME_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z_(\d+)_(.+)_[iI][qQ]\.[wW][aA][vV]$/;

/** Parses `<YYYYMMDDTHHMMSSZ>_<freq Hz>_<STATION>_iq.wav` (directories are ignored), or says what is wrong. */
export function parseKiwiFileName(fileName: string): KiwiFileName | { error: string } {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const m = NAME_PATTERN.exec(base);
  const expected = `cannot get station/frequency/time from the file name "${base}": expected <YYYYMMDDTHHMMSSZ>_<freq Hz>_<STATION>_iq.wav`;
  if (m === null) return { error: expected };
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const t = new Date(ms);
  if (
    t.getUTCFullYear() !== y ||
    t.getUTCMonth() !== mo - 1 ||
    t.getUTCDate() !== d ||
    t.getUTCHours() !== h ||
    t.getUTCMinutes() !== mi ||
    t.getUTCSeconds() !== s
  ) {
    return { error: `${expected} (${base.slice(0, 16)} is not a valid UTC time)` };
  }
  const centerFreqHz = Number(m[7]);
  if (!Number.isSafeInteger(centerFreqHz)) return { error: `${expected} (frequency ${m[7]} is out of range)` };
  return { station: m[8] as string, centerFreqHz, unixS: ms / 1000 };
}

/** A chunk id for messages: printable ASCII as is, other bytes as \xNN. */
function fourcc(bytes: Uint8Array, off: number): string {
  let s = '';
  for (let i = off; i < off + 4 && i < bytes.length; i++) {
    const c = bytes[i] as number;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

interface Block {
  last: number;
  gpssec: number;
  gpsnsec: number;
}

/** One fresh timestamp: sample index of its block's first sample, absolute GPS seconds (week resolved), ns. */
interface Fix {
  n: number;
  sec: number;
  nsec: number;
}

/** Times (s) of the fixes relative to fixes[ref]: integer seconds subtracted first, so no nanoseconds are lost. */
function relativeTimes(fixes: Fix[], ref: Fix): number[] {
  return fixes.map((f) => f.sec - ref.sec + (f.nsec - ref.nsec) * 1e-9);
}

/** Container parse: nominal rate, per-block GNSS fields, samples. */
function parseContainer(
  bytes: Uint8Array,
  fail: (problem: string) => never,
): { nominalRateHz: number; blocks: Block[]; iq: Float32Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (off: number): number => view.getUint32(off, true);
  const u16 = (off: number): number => view.getUint16(off, true);
  const id = (off: number): string => fourcc(bytes, off);

  if (bytes.length < 12) fail(`not a RIFF/WAVE file (only ${bytes.length} bytes)`);
  if (id(0) !== 'RIFF' || id(8) !== 'WAVE') fail(`not a RIFF/WAVE file (starts with "${id(0)}" … "${id(8)}")`);
  if (bytes.length < HEADER_BYTES) fail(`the WAVE header is truncated: ${bytes.length} of ${HEADER_BYTES} bytes present`);
  if (id(12) !== 'fmt ') fail(`expected the "fmt " chunk at byte 12, found "${id(12)}"`);
  const fmtSize = u32(16);
  if (fmtSize !== 16) fail(`"fmt " chunk size ${fmtSize} (expected 16, as kiwirecorder writes it)`);
  const format = u16(20);
  const channels = u16(22);
  const nominalRateHz = u32(24);
  const blockAlign = u16(32);
  const bits = u16(34);
  if (format !== 1) fail(`unsupported WAVE format: format tag ${format} (expected 1 = PCM)`);
  if (channels !== 2) fail(`unsupported WAVE format: ${channels} channel(s) (expected 2 = I and Q)`);
  if (bits !== 16) fail(`unsupported WAVE format: ${bits} bits per sample (expected 16)`);
  if (blockAlign !== 4) fail(`unsupported WAVE format: block align ${blockAlign} (expected 4)`);
  if (nominalRateHz === 0) fail('unsupported WAVE format: sample rate 0 Hz');

  if (bytes.length === HEADER_BYTES) fail(`no "kiwi" chunks (the file ends after the ${HEADER_BYTES}-byte header)`);
  if (bytes.length - HEADER_BYTES >= 4 && id(HEADER_BYTES) !== 'kiwi') {
    fail(`no "kiwi" chunks (found "${id(HEADER_BYTES)}" at byte ${HEADER_BYTES}): not a kiwirecorder --kiwi-wav file`);
  }

  const count = Math.ceil((bytes.length - HEADER_BYTES) / BLOCK_BYTES);
  const blocks: Block[] = [];
  const iq = new Float32Array(count * BLOCK_SAMPLES * 2);
  for (let b = 0; b < count; b++) {
    const off = HEADER_BYTES + b * BLOCK_BYTES;
    const present = Math.min(BLOCK_BYTES, bytes.length - off);
    // Ids and sizes first (as far as the bytes go), so a foreign layout is not reported as a truncation.
    const dataOff = off + KIWI_CHUNK_BYTES;
    if (present >= 4 && id(off) !== 'kiwi') fail(`block ${b}: expected a "kiwi" chunk at byte ${off}, found "${id(off)}"`);
    if (present >= 8 && u32(off + 4) !== 10) fail(`block ${b}: "kiwi" chunk size ${u32(off + 4)} (expected 10)`);
    if (present >= KIWI_CHUNK_BYTES + 4 && id(dataOff) !== 'data') {
      fail(`block ${b}: expected a "data" chunk at byte ${dataOff}, found "${id(dataOff)}"`);
    }
    if (present >= KIWI_CHUNK_BYTES + DATA_HEADER_BYTES && u32(dataOff + 4) !== DATA_BYTES) {
      fail(`block ${b}: data chunk size ${u32(dataOff + 4)} (expected ${DATA_BYTES} = ${BLOCK_SAMPLES} I/Q pairs)`);
    }
    if (present < BLOCK_BYTES) {
      fail(`block ${b} is truncated: ${present} of ${BLOCK_BYTES} bytes present (${BLOCK_BYTES - present} missing)`);
    }
    blocks.push({ last: bytes[off + 8] as number, gpssec: u32(off + 10), gpsnsec: u32(off + 14) });
    const samplesOff = dataOff + DATA_HEADER_BYTES;
    const out = b * BLOCK_SAMPLES * 2;
    for (let i = 0; i < BLOCK_SAMPLES * 2; i++) iq[out + i] = view.getInt16(samplesOff + 2 * i, true) / 32768;
  }
  return { nominalRateHz, blocks, iq };
}

/**
 * Parses a kiwirecorder `--kiwi-wav` IQ file. `fileName` (a path is fine) gives the station, centre frequency and
 * approximate start time, and names the file in errors.
 */
export function parseKiwiWav(bytes: Uint8Array, fileName: string): Recording {
  const fail = (problem: string): never => {
    throw new RecordingError(fileName, problem);
  };
  const { nominalRateHz, blocks, iq } = parseContainer(bytes, fail);
  const name = parseKiwiFileName(fileName);
  if ('error' in name) return fail(name.error);

  // Fresh fixes (see the header comment), with their GPS week resolved against the file-name time.
  const leapS = gpsMinusUtcS(name.unixS);
  const fileGpsS = name.unixS - GPS_EPOCH_UNIX_S + leapS;
  const fixes: Fix[] = [];
  let fresh = 0;
  for (let b = 1; b < blocks.length; b++) {
    const blk = blocks[b] as Block;
    const prev = blocks[b - 1] as Block;
    if (!(blk.last < prev.last && blk.last <= MAX_FRESH_LAST_S)) continue;
    fresh++;
    if (blk.gpssec >= WEEK_S || blk.gpsnsec >= 1e9) continue;
    const n = b * BLOCK_SAMPLES;
    const expectedGpsS = fileGpsS + n / nominalRateHz;
    const week = Math.round((expectedGpsS - blk.gpssec - blk.gpsnsec * 1e-9) / WEEK_S);
    fixes.push({ n, sec: week * WEEK_S + blk.gpssec, nsec: blk.gpsnsec });
  }

  const n = fixes.map((f) => f.n);
  const inliers = fixes.length > 0 ? lineInliers(n, relativeTimes(fixes, fixes[0] as Fix), OUTLIER_FLOOR_S) : [];
  if (inliers.length < 2) {
    fail(
      `too few valid GNSS timestamps: ${inliers.length} usable of ${fresh} fresh fixes in ${blocks.length} blocks ` +
        `(need at least 2; a fresh fix is a block after the first whose "last" drops to <= ${MAX_FRESH_LAST_S} s)`,
    );
  }
  const ref = fixes[inliers[0] as number] as Fix;
  const x = relativeTimes(fixes, ref);
  const line = leastSquaresLine(n, x, inliers);
  const fittedRateHz = 1 / line.s;
  if (!(Math.abs(fittedRateHz / nominalRateHz - 1) <= MAX_RATE_DEVIATION)) {
    fail(
      `the GNSS timestamps give a sample rate of ${fittedRateHz} Hz, more than ${MAX_RATE_DEVIATION * 100} % from the header's ` +
        `${nominalRateHz} Hz: the timestamps are inconsistent`,
    );
  }
  const residualRmsS = residualRms(n, x, inliers, line);

  const refUnixS = ref.sec + GPS_EPOCH_UNIX_S - leapS;
  const startUnixNs = BigInt(refUnixS) * 1_000_000_000n + BigInt(ref.nsec) + BigInt(Math.round(line.a * 1e9));

  return {
    iq,
    sampleRateHz: fittedRateHz,
    centerFreqHz: name.centerFreqHz,
    startUnixNs,
    timestampSigmaS: Math.max(MIN_SIGMA_S, residualRmsS),
    receiver: { id: name.station, name: name.station },
    source: fileName,
    meta: {
      nominalSampleRateHz: nominalRateHz,
      fittedSampleRateHz: fittedRateHz,
      blocks: blocks.length,
      timestampsUsed: inliers.length,
      timestampsRejected: fresh - inliers.length,
      gpsWeek: Math.floor(ref.sec / WEEK_S),
      residualRmsS,
    },
  };
}

/** Reads a kiwirecorder `--kiwi-wav` IQ file (see parseKiwiWav). */
export function readKiwiWav(path: string): Recording {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RecordingError(path, 'file not found');
    throw new RecordingError(path, `cannot read the file (${code ?? (err as Error).message})`);
  }
  return parseKiwiWav(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/**
 * What a KiwiSDR WAV says without reading its samples: station, frequency and start time from the file name (the
 * recording host's clock, whole seconds), duration from the header's rate and the file size. Recordings of one
 * moment share the file name's time prefix (`nameKey`).
 */
export function probeKiwiWav(path: string): RecordingProbe {
  const name = parseKiwiFileName(path);
  if ('error' in name) throw new RecordingError(path, name.error);
  let size: number;
  const header = new Uint8Array(HEADER_BYTES);
  try {
    size = statSync(path).size;
    const fd = openSync(path, 'r');
    try {
      readSync(fd, header, 0, HEADER_BYTES, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RecordingError(path, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? (err as Error).message})`);
  }
  const rateHz = new DataView(header.buffer).getUint32(24, true);
  const samples = Math.max(0, Math.floor((size - HEADER_BYTES) / BLOCK_BYTES)) * BLOCK_SAMPLES;
  const base = path.split(/[\\/]/).pop() ?? path;
  return {
    path,
    receiverId: name.station,
    centerFreqHz: name.centerFreqHz,
    startUnixNs: BigInt(name.unixS) * 1_000_000_000n,
    durationS: rateHz > 0 ? samples / rateHz : 0,
    nameKey: base.slice(0, base.indexOf('_', 17)),
  };
}
