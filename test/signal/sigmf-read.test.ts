// The SigMF reader: round trips through our writer (bit-exact), files of every complex datatype built byte by byte
// here (so the expected floats come from the bytes, not from any code under test), datetimes, geolocation,
// collections, and the exact text of every error.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RecordingError } from '../../src/signal/recording.js';
import { type SigmfRecordingInput, writeSigmfCollection, writeSigmfRecording } from '../../src/signal/sigmf/index.js';
import { parseSigmfDatetime, readSigmfCollection, readSigmfRecording } from '../../src/signal/sigmf/read.js';
import { randomValues } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'heimdall-sigmf-read-'));
let folders = 0;
const freshDir = (): string => {
  const d = join(root, `d${folders++}`);
  mkdirSync(d);
  return d;
};
const sha512 = (b: Uint8Array): string => createHash('sha512').update(b).digest('hex');

/** Asserts that fn throws a RecordingError with exactly this message. */
function throwsExactly(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RecordingError, `expected a RecordingError, got ${err}`);
    assert.equal(err.message, message);
    return true;
  });
}

const special = [-0, 1.401298464324817e-45, 3.4028234663852886e38, -3.4028234663852886e38, 0.1, -1 / 3];
const iq = Float32Array.from([...special, ...randomValues(250, 7, -2, 2)]);
const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 123));
const whenNs = BigInt(when.getTime()) * 1_000_000n;

function simInput(): SigmfRecordingInput {
  // The fields src/sim/write-sample.ts writes.
  return {
    iq,
    sampleRateHz: 2_400_000,
    centerFreqHz: 433_920_000,
    datetime: when,
    datetimeExtraNs: 456_789,
    geolocation: { lat: 52.5163, lon: 13.3777, altM: 34.5 },
    description: 'tx-000001 as heard by Berlin',
    recorder: 'heimdall simulate',
    extensions: [{ name: 'heimdall', version: '0.1.0', optional: true }],
    extraGlobal: {
      'heimdall:receiver_id': 'rx-berlin',
      'heimdall:receiver_name': 'Berlin',
      'heimdall:gps_disciplined': true,
      'heimdall:timestamp_sigma_s': 1e-6,
      'heimdall:full_scale_dbm': -10,
      'heimdall:calibration_offset_db': 0.5,
    },
  };
}

/** Writes `<name>.sigmf-data` (raw bytes) and `<name>.sigmf-meta` by hand; returns the meta path. */
function handMade(
  dir: string,
  name: string,
  datatype: string,
  bytes: Uint8Array,
  global: Record<string, unknown> = {},
  captures: Record<string, unknown>[] = [{ 'core:sample_start': 0, 'core:frequency': 100e6 }],
): string {
  writeFileSync(join(dir, `${name}.sigmf-data`), bytes);
  const meta = {
    global: { 'core:datatype': datatype, 'core:version': '1.2.6', 'core:sample_rate': 48_000, ...global },
    captures,
    annotations: [],
  };
  const metaPath = join(dir, `${name}.sigmf-meta`);
  writeFileSync(metaPath, JSON.stringify(meta));
  return metaPath;
}

/** Bytes of the given values, each written with `set` at `width`-byte steps. */
function bytesOf(values: number[], width: number, set: (v: DataView, off: number, x: number) => void): Uint8Array {
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => {
    set(view, i * width, x);
  });
  return out;
}

function assertSameFloats(actual: Float32Array, expected: ArrayLike<number>): void {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Object.is(actual[i], expected[i]), `value ${i}: ${actual[i]} !== ${expected[i]}`);
  }
}

describe('SigMF reader', () => {
  test('round trip with writeSigmfRecording: bit-exact samples, every field, from any of the three paths', () => {
    const dir = freshDir();
    const out = writeSigmfRecording(dir, 'rx-berlin', simInput());
    const rec = readSigmfRecording(out.metaPath);
    assertSameFloats(rec.iq, iq); // -0, the smallest subnormal and ±FLT_MAX survive
    assert.equal(rec.sampleRateHz, 2_400_000);
    assert.equal(rec.centerFreqHz, 433_920_000);
    assert.equal(rec.startUnixNs, whenNs + 456_789n);
    assert.equal(rec.startUnixNs, 1_767_323_045_123_456_789n);
    assert.equal(rec.timestampSigmaS, 1e-6);
    assert.deepEqual(rec.receiver, { id: 'rx-berlin', name: 'Berlin', lat: 52.5163, lon: 13.3777, altM: 34.5 });
    assert.equal(rec.source, out.metaPath);
    assert.deepEqual(rec.meta, {
      'heimdall:receiver_id': 'rx-berlin',
      'heimdall:receiver_name': 'Berlin',
      'heimdall:gps_disciplined': true,
      'heimdall:timestamp_sigma_s': 1e-6,
      'heimdall:full_scale_dbm': -10,
      'heimdall:calibration_offset_db': 0.5,
    });
    for (const p of [out.dataPath, join(dir, 'rx-berlin')]) {
      const again = readSigmfRecording(p);
      assertSameFloats(again.iq, iq);
      assert.equal(again.source, out.metaPath);
    }
  });

  test('without heimdall fields: receiver id is the base name, timestamp sigma null, meta empty', () => {
    const dir = freshDir();
    const small = Float32Array.from([1, -1, 0.5, -0.5]);
    const out = writeSigmfRecording(dir, 'kiwi-17', { iq: small, sampleRateHz: 12_000, centerFreqHz: 0, datetime: when });
    const rec = readSigmfRecording(out.metaPath);
    assert.deepEqual(rec.receiver, { id: 'kiwi-17' });
    assert.equal(rec.timestampSigmaS, null);
    assert.equal(rec.startUnixNs, whenNs);
    assert.equal(rec.centerFreqHz, 0);
    assert.deepEqual(rec.meta, {});
    assertSameFloats(rec.iq, [1, -1, 0.5, -0.5]);
  });

  test('integer and float datatypes built by hand decode to exact full-scale floats', () => {
    const dir = freshDir();
    const le = true;
    const be = false;
    const i16 = [0, 1, -1, 32767, -32768, 16384];
    const i16Expected = [0, 1 / 32768, -1 / 32768, 32767 / 32768, -1, 0.5];
    const cases: [string, Uint8Array, number[]][] = [
      ['ci16_le', bytesOf(i16, 2, (v, o, x) => v.setInt16(o, x, le)), i16Expected],
      ['ci16_be', bytesOf(i16, 2, (v, o, x) => v.setInt16(o, x, be)), i16Expected],
      ['cu8', Uint8Array.from([0, 128, 255, 1]), [-1, 0, 127 / 128, -127 / 128]],
      ['ci8', Uint8Array.from([0x80, 0, 0x7f, 0xff]), [-1, 0, 127 / 128, -1 / 128]],
      ['cu16_le', bytesOf([0, 65535, 32768, 49152], 2, (v, o, x) => v.setUint16(o, x, le)), [-1, 32767 / 32768, 0, 0.5]],
      [
        'ci32_le',
        bytesOf([2 ** 31 - 1, -(2 ** 31), 1, 2 ** 30], 4, (v, o, x) => v.setInt32(o, x, le)),
        // (2^31-1)/2^31 needs 31 significant bits: float32 rounds it to 1; 2^-31 is exact.
        [1, -1, 2 ** -31, 0.5],
      ],
      ['cu32_be', bytesOf([0, 2 ** 31, 2 ** 32 - 1, 3 * 2 ** 30], 4, (v, o, x) => v.setUint32(o, x, be)), [-1, 0, 1, 0.5]],
      [
        'cf32_be',
        bytesOf([0.1, -2.5, 1.401298464324817e-45, -0], 4, (v, o, x) => v.setFloat32(o, x, be)),
        [Math.fround(0.1), -2.5, 1.401298464324817e-45, -0],
      ],
      [
        'cf64_le',
        bytesOf([0.1, -1 / 3, 1e-300, 65504.123456789], 8, (v, o, x) => v.setFloat64(o, x, le)),
        [Math.fround(0.1), Math.fround(-1 / 3), 0, Math.fround(65504.123456789)],
      ],
      ['cf64_be', bytesOf([0.25, -0.75], 8, (v, o, x) => v.setFloat64(o, x, be)), [0.25, -0.75]],
    ];
    for (const [datatype, bytes, expected] of cases) {
      const rec = readSigmfRecording(handMade(dir, datatype, datatype, bytes));
      assertSameFloats(rec.iq, expected.map(Math.fround));
    }
    // A float64 that float32 cannot hold is refused rather than turned into Infinity.
    const big = handMade(
      dir,
      'big',
      'cf64_le',
      bytesOf([0, 1e300], 8, (v, o, x) => v.setFloat64(o, x, le)),
    );
    throwsExactly(
      () => readSigmfRecording(big),
      `${join(dir, 'big.sigmf-data')}: sample 0 (Q) is 1e+300, beyond the float32 range`,
    );
  });

  test('geolocation: the first capture wins over global; global is the fallback; altitude optional', () => {
    const dir = freshDir();
    const bytes = Uint8Array.from([128, 128]);
    const capGeo = { type: 'Point', coordinates: [-107.6183682, 34.0787916, 2120] };
    const globalGeo = { type: 'Point', coordinates: [13.3777, 52.5163] };
    const both = handMade(dir, 'both', 'cu8', bytes, { 'core:geolocation': globalGeo }, [
      { 'core:sample_start': 0, 'core:frequency': 1e6, 'core:geolocation': capGeo },
    ]);
    assert.deepEqual(readSigmfRecording(both).receiver, { id: 'both', lat: 34.0787916, lon: -107.6183682, altM: 2120 });
    const globalOnly = handMade(dir, 'global', 'cu8', bytes, { 'core:geolocation': globalGeo });
    assert.deepEqual(readSigmfRecording(globalOnly).receiver, { id: 'global', lat: 52.5163, lon: 13.3777 });
    const none = handMade(dir, 'none', 'cu8', bytes);
    assert.deepEqual(readSigmfRecording(none).receiver, { id: 'none' });

    const bad = handMade(dir, 'bad', 'cu8', bytes, { 'core:geolocation': { type: 'Point', coordinates: [10] } });
    throwsExactly(
      () => readSigmfRecording(bad),
      `${bad}: global.core:geolocation must be a GeoJSON Point with coordinates [lon, lat] or [lon, lat, alt], got {"type":"Point","coordinates":[10]}`,
    );
    const swapped = handMade(dir, 'swapped', 'cu8', bytes, {}, [
      { 'core:sample_start': 0, 'core:frequency': 1e6, 'core:geolocation': { type: 'Point', coordinates: [52.5, 113.4] } },
    ]);
    throwsExactly(
      () => readSigmfRecording(swapped),
      `${swapped}: captures[0].core:geolocation: latitude 113.4 is outside [-90, 90]`,
    );
  });

  test('datetimes: 0, 3, 6, 9 and 12 fraction digits to exact nanoseconds (beyond 9 digits truncated, not rounded)', () => {
    const s = BigInt(Date.UTC(2026, 0, 2, 3, 4, 5)) * 1_000_000n;
    const cases: [string, bigint][] = [
      ['2026-01-02T03:04:05Z', s],
      ['2026-01-02T03:04:05.123Z', s + 123_000_000n],
      ['2026-01-02T03:04:05.123456Z', s + 123_456_000n],
      ['2026-01-02T03:04:05.123456789Z', s + 123_456_789n],
      ['2026-01-02T03:04:05.123456789999Z', s + 123_456_789n], // rounding would give …790
      ['2026-01-02T03:04:05.999999999999Z', s + 999_999_999n], // …and rounding here would carry into the next second
      ['2026-01-02T03:04:05.5z', s + 500_000_000n],
      ['2026-01-02T03:04:05.5+00:00', s + 500_000_000n],
      ['1955-11-05T14:00:00.000Z', BigInt(Date.UTC(1955, 10, 5, 14)) * 1_000_000n], // before the epoch
      ['0001-01-01T00:00:00Z', -62_135_596_800n * 1_000_000_000n],
      ['2024-02-29T12:00:00Z', BigInt(Date.UTC(2024, 1, 29, 12)) * 1_000_000n],
      ['2016-12-31T23:59:60Z', BigInt(Date.UTC(2017, 0, 1)) * 1_000_000n], // leap second → POSIX time of the next second
    ];
    for (const [text, ns] of cases) assert.equal(parseSigmfDatetime(text, 'f'), ns, text);

    const errors: [string, string][] = [
      ['2026-01-02T03:04:05+02:00', `f: core:datetime "2026-01-02T03:04:05+02:00" has offset +02:00; SigMF requires UTC ('Z')`],
      ['2026-01-02T03:04:05-00:00', `f: core:datetime "2026-01-02T03:04:05-00:00" has offset -00:00; SigMF requires UTC ('Z')`],
      ['2026-01-02T03:04:05.25', `f: core:datetime "2026-01-02T03:04:05.25" has no time offset; SigMF requires UTC ('Z')`],
      ['2026-02-29T00:00:00Z', 'f: core:datetime "2026-02-29T00:00:00Z" is not a valid date and time'],
      ['2026-01-02T24:00:00Z', 'f: core:datetime "2026-01-02T24:00:00Z" is not a valid date and time'],
      ['2026-01-02T12:00:60Z', 'f: core:datetime "2026-01-02T12:00:60Z" is not a valid date and time'],
      [
        '2026-01-02 03:04:05Z',
        'f: core:datetime "2026-01-02 03:04:05Z" is not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z)',
      ],
      [
        '2026-01-02T03:04:05.Z',
        'f: core:datetime "2026-01-02T03:04:05.Z" is not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z)',
      ],
      [
        '2026-01-02T03:04:05ZZ',
        'f: core:datetime "2026-01-02T03:04:05ZZ" is not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z)',
      ],
    ];
    for (const [text, msg] of errors) throwsExactly(() => parseSigmfDatetime(text, 'f'), msg);

    // In a file: the first capture's datetime, and the error names the meta file and the field.
    const dir = freshDir();
    const ok = handMade(dir, 'ok', 'cu8', Uint8Array.from([1, 2]), {}, [
      { 'core:sample_start': 0, 'core:frequency': 1e6, 'core:datetime': '2026-01-02T03:04:05.123456789999Z' },
    ]);
    assert.equal(readSigmfRecording(ok).startUnixNs, s + 123_456_789n);
    const local = handMade(dir, 'local', 'cu8', Uint8Array.from([1, 2]), {}, [
      { 'core:sample_start': 0, 'core:frequency': 1e6, 'core:datetime': '2026-01-02T05:04:05+02:00' },
    ]);
    throwsExactly(
      () => readSigmfRecording(local),
      `${local}: captures[0].core:datetime "2026-01-02T05:04:05+02:00" has offset +02:00; SigMF requires UTC ('Z')`,
    );
  });

  test('captures: sample_start and header_bytes select the samples; core:dataset and trailing_bytes (non-conforming)', () => {
    const dir = freshDir();
    // Two segments of cu8 samples, each behind a 4-byte header (the spec's own example layout), 3 trailing bytes.
    const file = Uint8Array.from([9, 9, 9, 9, 0, 128, 255, 1, 9, 9, 9, 9, 64, 192, 7, 7, 7]);
    writeFileSync(join(dir, 'capture.dat'), file);
    const meta = {
      global: {
        'core:datatype': 'cu8',
        'core:version': '1.2.6',
        'core:sample_rate': 1e6,
        'core:dataset': 'capture.dat',
        'core:trailing_bytes': 3,
      },
      captures: [
        { 'core:sample_start': 0, 'core:header_bytes': 4, 'core:frequency': 5e6, 'core:datetime': '2026-01-02T03:04:05Z' },
        { 'core:sample_start': 2, 'core:header_bytes': 4, 'core:frequency': 5e6 },
      ],
      annotations: [],
    };
    writeFileSync(join(dir, 'ncd.sigmf-meta'), JSON.stringify(meta));
    const rec = readSigmfRecording(join(dir, 'ncd.sigmf-meta'));
    assertSameFloats(rec.iq, [-1, 0, 127 / 128, -127 / 128, -0.5, 0.5]);
    assert.equal(rec.centerFreqHz, 5e6);

    // A first capture starting at sample 1 skips sample 0 (its datetime is the time of sample 1).
    const skip = handMade(dir, 'skip', 'ci8', Uint8Array.from([1, 2, 64, 0xc0, 32, 0xe0]), {}, [
      { 'core:sample_start': 1, 'core:frequency': 1e6 },
    ]);
    assertSameFloats(readSigmfRecording(skip).iq, [0.5, -0.5, 0.25, -0.25]);

    // A later capture that retunes is refused (one Recording has one centre frequency).
    const retune = handMade(dir, 'retune', 'cu8', Uint8Array.from([1, 2, 3, 4]), {}, [
      { 'core:sample_start': 0, 'core:frequency': 1e6 },
      { 'core:sample_start': 1, 'core:frequency': 2e6 },
    ]);
    throwsExactly(
      () => readSigmfRecording(retune),
      `${retune}: captures[1] retunes to 2000000 Hz (captures[0]: 1000000 Hz); recordings that change frequency are not supported`,
    );
    // A segment that ends beyond the file.
    const short = handMade(dir, 'short', 'cu8', Uint8Array.from([1, 2]), {}, [
      { 'core:sample_start': 0, 'core:frequency': 1e6 },
      { 'core:sample_start': 3, 'core:frequency': 1e6 },
    ]);
    throwsExactly(
      () => readSigmfRecording(short),
      `${join(dir, 'short.sigmf-data')}: truncated: captures[0] needs bytes up to 6 but the file has 2 bytes of sample data (2 in all)`,
    );
    const unsorted = handMade(dir, 'unsorted', 'cu8', Uint8Array.from([1, 2, 3, 4]), {}, [
      { 'core:sample_start': 1, 'core:frequency': 1e6 },
      { 'core:sample_start': 0 },
    ]);
    throwsExactly(
      () => readSigmfRecording(unsorted),
      `${unsorted}: captures[1].core:sample_start 0 is before captures[0]'s 1; captures must be sorted`,
    );
  });

  test('core:sha512 is verified: a changed dataset is refused, naming the data file', () => {
    const dir = freshDir();
    const out = writeSigmfRecording(dir, 'rx', simInput());
    const good = readFileSync(out.dataPath);
    const bad = Buffer.from(good);
    bad[17] = (bad[17] as number) ^ 0x01; // one flipped bit
    writeFileSync(out.dataPath, bad);
    throwsExactly(
      () => readSigmfRecording(out.metaPath),
      `${out.dataPath}: SHA512 mismatch: the file hashes to ${sha512(bad).slice(0, 16)}…, core:sha512 in rx.sigmf-meta says ${sha512(good).slice(0, 16)}…; the dataset is corrupt or was changed`,
    );
  });

  test('every input error names the file and says what is wrong', () => {
    const dir = freshDir();
    const two = Uint8Array.from([1, 2, 3, 4]);
    const meta = (name: string) => join(dir, `${name}.sigmf-meta`);
    const data = (name: string) => join(dir, `${name}.sigmf-data`);

    throwsExactly(() => readSigmfRecording(join(dir, 'absent')), `${meta('absent')}: metadata file not found`);

    writeFileSync(meta('json'), '{"global": {');
    let parseMessage = '';
    try {
      JSON.parse('{"global": {');
    } catch (err) {
      parseMessage = (err as Error).message;
    }
    throwsExactly(() => readSigmfRecording(meta('json')), `${meta('json')}: not valid JSON: ${parseMessage}`);

    writeFileSync(meta('noglobal'), '{"captures": []}');
    throwsExactly(() => readSigmfRecording(meta('noglobal')), `${meta('noglobal')}: not SigMF metadata: no 'global' object`);

    const nodata = handMade(dir, 'nodata', 'cu8', two);
    rmSync(data('nodata'));
    throwsExactly(() => readSigmfRecording(nodata), `${data('nodata')}: dataset file not found (described by ${nodata})`);

    // Truncated: 7 bytes of ci16 (4 bytes a sample); with a (now stale) hash, truncation is still what is reported.
    const out = writeSigmfRecording(dir, 'cut', simInput());
    truncateSync(out.dataPath, 8 * 128 - 3);
    throwsExactly(
      () => readSigmfRecording(out.metaPath),
      `${out.dataPath}: truncated: 1021 bytes of samples is not a whole number of cf32_le samples (8 bytes each)`,
    );
    const odd = handMade(dir, 'odd', 'ci16_le', Uint8Array.from([1, 2, 3, 4, 5, 6, 7]));
    throwsExactly(
      () => readSigmfRecording(odd),
      `${data('odd')}: truncated: 7 bytes of samples is not a whole number of ci16_le samples (4 bytes each)`,
    );

    const supported = 'supported: c{f32,f64,i32,i16,u32,u16}_{le,be}, ci8, cu8';
    for (const real of ['rf32_le', 'ri16_be', 'ru8', 'ri8']) {
      const p = handMade(dir, `real-${real}`, real, two);
      throwsExactly(
        () => readSigmfRecording(p),
        `${p}: core:datatype '${real}' is real-valued; complex baseband IQ is needed (${supported})`,
      );
    }
    for (const unknown of ['cf16_le', 'cf32', 'ci8_le', 'ci64_le', 'i8', 'CF32_LE', 'cf32_le ']) {
      const p = handMade(dir, `unknown-${unknown.trim()}`, unknown, two);
      throwsExactly(() => readSigmfRecording(p), `${p}: unsupported core:datatype '${unknown}' (${supported})`);
    }

    const multi = handMade(dir, 'multi', 'ci16_le', new Uint8Array(16), { 'core:num_channels': 2 });
    throwsExactly(
      () => readSigmfRecording(multi),
      `${multi}: core:num_channels is 2: multi-channel recordings are not supported (store each channel as its own recording, e.g. in a SigMF collection)`,
    );
    const one = handMade(dir, 'one', 'cu8', two, { 'core:num_channels': 1 });
    assert.equal(readSigmfRecording(one).iq.length, 4, 'core:num_channels 1 is fine');

    const norate = handMade(dir, 'norate', 'cu8', two, { 'core:sample_rate': undefined });
    throwsExactly(() => readSigmfRecording(norate), `${norate}: core:sample_rate is missing; the sample rate is required`);
    const badrate = handMade(dir, 'badrate', 'cu8', two, { 'core:sample_rate': 0 });
    throwsExactly(() => readSigmfRecording(badrate), `${badrate}: core:sample_rate must be a positive finite number, got 0`);
    const nofreq = handMade(dir, 'nofreq', 'cu8', two, {}, [{ 'core:sample_start': 0 }]);
    throwsExactly(
      () => readSigmfRecording(nofreq),
      `${nofreq}: captures[0] has no core:frequency; the centre frequency is required`,
    );
    const nodatatype = handMade(dir, 'nodatatype', 'cu8', two, { 'core:datatype': undefined });
    throwsExactly(() => readSigmfRecording(nodatatype), `${nodatatype}: core:datatype is missing`);

    // NaN / Inf samples (assertFiniteIq's message, naming the data file).
    const nan = handMade(
      dir,
      'nan',
      'cf32_le',
      bytesOf([0, 1, 2, Number.NaN], 4, (v, o, x) => v.setFloat32(o, x, true)),
    );
    throwsExactly(() => readSigmfRecording(nan), `${data('nan')}: sample 1 (Q) is NaN; NaN/Inf samples are not accepted`);
    const inf = handMade(
      dir,
      'inf',
      'cf64_be',
      bytesOf([Number.NEGATIVE_INFINITY, 0], 8, (v, o, x) => v.setFloat64(o, x, false)),
    );
    throwsExactly(() => readSigmfRecording(inf), `${data('inf')}: sample 0 (I) is -Infinity; NaN/Inf samples are not accepted`);

    const badsigma = handMade(dir, 'badsigma', 'cu8', two, { 'heimdall:timestamp_sigma_s': -1 });
    throwsExactly(
      () => readSigmfRecording(badsigma),
      `${badsigma}: heimdall:timestamp_sigma_s must be a non-negative number or null, got -1`,
    );
    const badid = handMade(dir, 'badid', 'cu8', two, { 'heimdall:receiver_id': '' });
    throwsExactly(() => readSigmfRecording(badid), `${badid}: heimdall:receiver_id must be a non-empty string, got ""`);

    throwsExactly(
      () => readSigmfRecording(join(dir, 'x.sigmf')),
      `${join(dir, 'x.sigmf')}: SigMF archives (.sigmf tar files) are not supported; extract the archive and read its .sigmf-meta`,
    );
  });
});

describe('SigMF collection reader', () => {
  function writeSet(dir: string) {
    const a = writeSigmfRecording(dir, 'rx-a', simInput());
    const b = writeSigmfRecording(dir, 'rx-b', {
      ...simInput(),
      iq: Float32Array.from([0.25, -0.5]),
      geolocation: { lat: 48.1, lon: 11.6, altM: 520 },
      extraGlobal: { 'heimdall:receiver_id': 'rx-munich', 'heimdall:timestamp_sigma_s': 2.5e-3 },
    });
    const truth = { lat: 50.1, lon: 8.7, tx_power_dbm: 30, signal: 'ook' };
    const path = writeSigmfCollection(dir, 'tx-000001', {
      streams: [
        { baseName: 'rx-a', metaSha512: a.sha512 },
        { baseName: 'rx-b', metaSha512: b.sha512 },
      ],
      description: 'one transmission',
      extra: { 'heimdall:truth': truth, 'heimdall:seed': 42 },
    });
    return { a, b, path, truth };
  }

  test('round trip: recordings in core:streams order, non-core fields in extra', () => {
    const dir = freshDir();
    const { a, path, truth } = writeSet(dir);
    const { recordings, extra } = readSigmfCollection(path);
    assert.deepEqual(extra, { 'heimdall:truth': truth, 'heimdall:seed': 42 });
    assert.deepEqual(
      recordings.map((r) => r.receiver.id),
      ['rx-berlin', 'rx-munich'],
    );
    assert.deepEqual(recordings[0], readSigmfRecording(a.metaPath));
    assertSameFloats((recordings[1] as { iq: Float32Array }).iq, [0.25, -0.5]);
    assert.equal(recordings[1]?.timestampSigmaS, 2.5e-3);
    assert.deepEqual(recordings[1]?.receiver, { id: 'rx-munich', lat: 48.1, lon: 11.6, altM: 520 });
  });

  test('legacy [name, hash] tuples are accepted', () => {
    const dir = freshDir();
    const { a, b } = writeSet(dir);
    const path = join(dir, 'tuples.sigmf-collection');
    writeFileSync(
      path,
      JSON.stringify({
        collection: {
          'core:version': '1.0.0',
          'core:streams': [
            ['rx-b', b.sha512],
            ['rx-a', a.sha512.toUpperCase()],
          ],
        },
      }),
    );
    const { recordings, extra } = readSigmfCollection(path);
    assert.deepEqual(
      recordings.map((r) => r.receiver.id),
      ['rx-munich', 'rx-berlin'],
    );
    assert.deepEqual(extra, {});
  });

  test('a stream whose meta file changed since the collection was written is detected; errors name collection and stream', () => {
    const dir = freshDir();
    const { path } = writeSet(dir);
    writeSigmfRecording(dir, 'rx-b', { ...simInput(), description: 'rewritten' });
    throwsExactly(
      () => readSigmfCollection(path),
      `${path}: stream 'rx-b' (core:streams[1]): hash mismatch: ${join(dir, 'rx-b.sigmf-meta')} is not the file the collection lists (it changed since the collection was written)`,
    );

    // An error inside a stream's recording keeps the recording's own message after the stream's name.
    const dir2 = freshDir();
    const set2 = writeSet(dir2);
    rmSync(set2.a.dataPath);
    throwsExactly(
      () => readSigmfCollection(set2.path),
      `${set2.path}: stream 'rx-a' (core:streams[0]): ${set2.a.dataPath}: dataset file not found (described by ${set2.a.metaPath})`,
    );
    rmSync(set2.a.metaPath);
    throwsExactly(
      () => readSigmfCollection(set2.path),
      `${set2.path}: stream 'rx-a' (core:streams[0]): not found: ${set2.a.metaPath}`,
    );

    const dir3 = freshDir();
    const bad = (name: string, collection: unknown): string => {
      const p = join(dir3, `${name}.sigmf-collection`);
      writeFileSync(p, JSON.stringify(collection));
      return p;
    };
    const hash = 'ab'.repeat(64);
    const cases: [string, unknown, string][] = [
      ['empty', { collection: { 'core:streams': [] } }, 'core:streams is empty: the collection lists no recordings'],
      ['nostreams', { collection: {} }, 'core:streams must be an array, got undefined'],
      ['notcollection', { streams: [] }, "not a SigMF collection: no 'collection' object"],
      [
        'escape',
        { collection: { 'core:streams': [{ name: '../rx', hash }] } },
        'core:streams[0].name must be a recording base name without path separators, got "../rx"',
      ],
      [
        'twice',
        {
          collection: {
            'core:streams': [{ name: 'rx', hash }, ['rx', hash]],
          },
        },
        "core:streams[1]: stream 'rx' is listed twice",
      ],
      [
        'nohash',
        { collection: { 'core:streams': [{ name: 'rx' }] } },
        "stream 'rx' (core:streams[0]): hash must be the SHA512 (128 hex digits) of its .sigmf-meta, got undefined",
      ],
      [
        'number',
        { collection: { 'core:streams': [7] } },
        'core:streams[0] must be a {name, hash} object or a [name, hash] pair, got 7',
      ],
    ];
    for (const [name, doc, msg] of cases) {
      const p = bad(name, doc);
      throwsExactly(() => readSigmfCollection(p), `${p}: ${msg}`);
    }
    throwsExactly(
      () => readSigmfCollection(join(dir3, 'none.sigmf-collection')),
      `${join(dir3, 'none.sigmf-collection')}: collection file not found`,
    );
  });
});
