// The SigMF writer, checked by parsing its files independently (JSON.parse, DataView little-endian) rather
// than with any reader of ours; optionally cross-checked with numpy where /usr/bin/python3 has it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  formatSigmfDatetime,
  SIGMF_VERSION,
  type SigmfRecordingInput,
  writeSigmfCollection,
  writeSigmfRecording,
} from '../../src/signal/sigmf/index.js';
import { randomValues } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'heimdall-sigmf-'));
let folders = 0;
const freshDir = (): string => {
  const d = join(root, `d${folders++}`);
  mkdirSync(d);
  return d;
};
const sha512 = (b: Uint8Array): string => createHash('sha512').update(b).digest('hex');

/** Reads a cf32_le file as [I, Q] pairs of doubles, straight from the bytes. */
function readCf32Le(path: string): { bytes: Buffer; values: number[] } {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: number[] = [];
  for (let off = 0; off < bytes.byteLength; off += 4) values.push(view.getFloat32(off, true));
  return { bytes, values };
}

// Awkward values on purpose: -0, the smallest subnormal, the largest float32, and non-representable decimals.
const special = [-0, 1.401298464324817e-45, 3.4028234663852886e38, -3.4028234663852886e38, 0.1, -1 / 3];
const iq = Float32Array.from([...special, ...randomValues(250, 42, -2, 2)]); // 128 complex samples
const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 123));

function fullInput(): SigmfRecordingInput {
  return {
    iq,
    sampleRateHz: 2_400_000,
    centerFreqHz: 433_920_000,
    datetime: when,
    datetimeExtraNs: 456_789,
    geolocation: { lat: 52.5163, lon: 13.3777, altM: 34.5 },
    description: 'rx1 capture, héimdall',
    author: 'Heimdall test',
    recorder: 'heimdall 0.1.0',
    hw: 'RTL-SDR v3, 1/4-wave whip',
    extraGlobal: { 'heimdall:snr_db': 17.25, 'heimdall:rx': { id: 'rx1', gains: [20, 30] } },
    extensions: [{ name: 'heimdall', version: '0.1.0', optional: true }],
    annotations: [
      { sampleStart: 64, sampleCount: 10, label: 'burst-b', freqLowerEdgeHz: 433_900_000, freqUpperEdgeHz: 433_940_000 },
      { sampleStart: 3, sampleCount: 5, comment: 'first burst' },
    ],
  };
}

describe('SigMF writer', () => {
  test('a full recording: every metadata field, cf32_le bytes round-trip exactly, hashes', () => {
    const dir = freshDir();
    const out = writeSigmfRecording(dir, 'rx1', fullInput());
    assert.equal(out.metaPath, join(dir, 'rx1.sigmf-meta'));
    assert.equal(out.dataPath, join(dir, 'rx1.sigmf-data'));

    const { bytes, values } = readCf32Le(out.dataPath);
    assert.equal(bytes.byteLength, 8 * (iq.length / 2), 'byte length = 8 x complex samples');
    values.forEach((v, i) => {
      assert.ok(Object.is(v, iq[i]), `sample ${i}: ${v} !== ${iq[i]}`);
    });

    const metaBytes = readFileSync(out.metaPath);
    assert.equal(out.sha512, sha512(metaBytes));
    const meta = JSON.parse(metaBytes.toString('utf8'));
    assert.deepEqual(meta, {
      global: {
        'core:datatype': 'cf32_le',
        'core:version': SIGMF_VERSION,
        'core:sample_rate': 2_400_000,
        'core:sha512': sha512(bytes),
        'core:description': 'rx1 capture, héimdall',
        'core:author': 'Heimdall test',
        'core:recorder': 'heimdall 0.1.0',
        'core:hw': 'RTL-SDR v3, 1/4-wave whip',
        'core:geolocation': { type: 'Point', coordinates: [13.3777, 52.5163, 34.5] },
        'core:extensions': [{ name: 'heimdall', version: '0.1.0', optional: true }],
        'heimdall:snr_db': 17.25,
        'heimdall:rx': { id: 'rx1', gains: [20, 30] },
      },
      captures: [{ 'core:sample_start': 0, 'core:frequency': 433_920_000, 'core:datetime': '2026-01-02T03:04:05.123456789Z' }],
      // sorted by core:sample_start, as the spec requires
      annotations: [
        { 'core:sample_start': 3, 'core:sample_count': 5, 'core:comment': 'first burst' },
        {
          'core:sample_start': 64,
          'core:sample_count': 10,
          'core:label': 'burst-b',
          'core:freq_lower_edge': 433_900_000,
          'core:freq_upper_edge': 433_940_000,
        },
      ],
    });
    assert.deepEqual(Object.keys(meta), ['global', 'captures', 'annotations']);
    assert.match(SIGMF_VERSION, /^\d+\.\d+\.\d+$/);
    assert.deepEqual(readdirSync(dir).sort(), ['rx1.sigmf-data', 'rx1.sigmf-meta'], 'no temporary files left');
  });

  test('geolocation is a GeoJSON Point with coordinates [lon, lat, alt]', () => {
    const dir = freshDir();
    const out = writeSigmfRecording(dir, 'geo', { ...fullInput(), geolocation: { lat: -33.8568, lon: 151.2153, altM: -12 } });
    const geo = JSON.parse(readFileSync(out.metaPath, 'utf8')).global['core:geolocation'];
    assert.equal(geo.type, 'Point');
    assert.equal(geo.coordinates[0], 151.2153, 'longitude first');
    assert.equal(geo.coordinates[1], -33.8568, 'latitude second');
    assert.equal(geo.coordinates[2], -12, 'altitude third');
  });

  test('a minimal recording writes only the required and given fields', () => {
    const dir = freshDir();
    const small = Float32Array.from([1, -1, 0.5, -0.5]);
    const out = writeSigmfRecording(dir, 'min', { iq: small, sampleRateHz: 1e6, centerFreqHz: 0, datetime: when });
    const meta = JSON.parse(readFileSync(out.metaPath, 'utf8'));
    assert.deepEqual(meta, {
      global: {
        'core:datatype': 'cf32_le',
        'core:version': SIGMF_VERSION,
        'core:sample_rate': 1e6,
        'core:sha512': sha512(readFileSync(out.dataPath)),
      },
      captures: [{ 'core:sample_start': 0, 'core:frequency': 0, 'core:datetime': '2026-01-02T03:04:05.123Z' }],
      annotations: [],
    });
    assert.deepEqual(readCf32Le(out.dataPath).values, [1, -1, 0.5, -0.5]);
  });

  test('a collection lists {name, hash} streams whose hash is the SHA512 of each meta file', () => {
    const dir = freshDir();
    const a = writeSigmfRecording(dir, 'rx-a', fullInput());
    const b = writeSigmfRecording(dir, 'rx-b', { ...fullInput(), centerFreqHz: 868e6 });
    const path = writeSigmfCollection(dir, 'event-1', {
      streams: [
        { baseName: 'rx-a', metaSha512: a.sha512 },
        { baseName: 'rx-b', metaSha512: b.sha512 },
      ],
      description: 'one transmission, two receivers',
      extra: { 'heimdall:event_id': 7 },
    });
    assert.equal(path, join(dir, 'event-1.sigmf-collection'));
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    assert.deepEqual(doc, {
      collection: {
        'core:version': SIGMF_VERSION,
        'core:description': 'one transmission, two receivers',
        'heimdall:event_id': 7,
        'core:streams': [
          { name: 'rx-a', hash: sha512(readFileSync(join(dir, 'rx-a.sigmf-meta'))) },
          { name: 'rx-b', hash: sha512(readFileSync(join(dir, 'rx-b.sigmf-meta'))) },
        ],
      },
    });
    assert.equal(readdirSync(dir).length, 5, 'two recordings + the collection, no temporaries');

    // A stale hash (the recording was rewritten since) is refused, naming the stream.
    writeSigmfRecording(dir, 'rx-b', { ...fullInput(), description: 'rewritten' });
    assert.throws(
      () => writeSigmfCollection(dir, 'event-1', { streams: [{ baseName: 'rx-b', metaSha512: b.sha512 }] }),
      /writeSigmfCollection\(event-1\): streams\[0\]\.metaSha512 does not match the SHA512 of .*rx-b\.sigmf-meta/,
    );
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), doc, 'the failed write left the collection untouched');
  });

  test('datetimes are RFC 3339 UTC with Z, with optional nanoseconds', () => {
    assert.equal(formatSigmfDatetime(when), '2026-01-02T03:04:05.123Z');
    assert.equal(formatSigmfDatetime(when, 456_789), '2026-01-02T03:04:05.123456789Z');
    assert.equal(formatSigmfDatetime(when, 7), '2026-01-02T03:04:05.123000007Z');
    assert.equal(formatSigmfDatetime(when, 0), '2026-01-02T03:04:05.123000000Z');
    assert.equal(formatSigmfDatetime(new Date(Date.UTC(1955, 10, 5, 14))), '1955-11-05T14:00:00.000Z');
    // The spec's ABNF: full-date "T" time-hour ":" time-minute ":" time-second ["." 1*DIGIT] "Z".
    const abnf = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
    assert.match(formatSigmfDatetime(when, 999_999), abnf);
    assert.throws(() => formatSigmfDatetime(when, 1_000_000), /extraNs must be an integer in \[0, 999999\], got 1000000/);
    assert.throws(() => formatSigmfDatetime(when, -1), /extraNs must be an integer in \[0, 999999\], got -1/);
    assert.throws(() => formatSigmfDatetime(when, 1.5), /extraNs must be an integer in \[0, 999999\], got 1.5/);
    assert.throws(() => formatSigmfDatetime(new Date(Number.NaN)), /datetime is an invalid Date/);
    assert.throws(() => formatSigmfDatetime(new Date(Date.UTC(10000, 0, 1))), /year 10000 is outside 0000-9999/);
  });

  test('writes are atomic: a refused or failed write leaves the existing recording untouched, no temporaries', () => {
    const dir = freshDir();
    const out = writeSigmfRecording(dir, 'keep', fullInput());
    const before = [readFileSync(out.dataPath), readFileSync(out.metaPath)];
    const bad = Float32Array.from(iq);
    bad[5] = Number.NaN;
    assert.throws(
      () => writeSigmfRecording(dir, 'keep', { ...fullInput(), iq: bad }),
      /writeSigmfRecording\(keep\): iq\[5\] \(Q of complex sample 2\) is NaN; samples must be finite/,
    );
    assert.ok(readFileSync(out.dataPath).equals(before[0] as Buffer), 'data untouched');
    assert.ok(readFileSync(out.metaPath).equals(before[1] as Buffer), 'meta untouched');
    assert.deepEqual(readdirSync(dir).sort(), ['keep.sigmf-data', 'keep.sigmf-meta']);

    // An I/O failure (missing folder) throws and leaves nothing behind either.
    assert.throws(() => writeSigmfRecording(join(dir, 'missing'), 'x', fullInput()), /ENOENT/);
    assert.deepEqual(readdirSync(dir).sort(), ['keep.sigmf-data', 'keep.sigmf-meta']);

    // A successful rewrite replaces both files.
    const again = writeSigmfRecording(dir, 'keep', { ...fullInput(), iq: Float32Array.from([9, 8]), annotations: [] });
    assert.deepEqual(readCf32Le(again.dataPath).values, [9, 8]);
    assert.equal(again.sha512, sha512(readFileSync(again.metaPath)));
    assert.deepEqual(readdirSync(dir).sort(), ['keep.sigmf-data', 'keep.sigmf-meta']);
  });

  test('invalid input is refused with an error naming the field', () => {
    const dir = freshDir();
    const rec =
      (patch: Partial<SigmfRecordingInput>, name = 'v') =>
      () =>
        writeSigmfRecording(dir, name, { ...fullInput(), ...patch });
    const cases: [() => unknown, RegExp][] = [
      [rec({ iq: new Float32Array(3) }), /\(v\): iq length 3 is odd; expected interleaved I,Q pairs/],
      [rec({ iq: Float32Array.from([0, 0, Number.POSITIVE_INFINITY, 0]) }), /iq\[2\] \(I of complex sample 1\) is Infinity/],
      [rec({ sampleRateHz: 0 }), /sampleRateHz must be a finite number in \(0, 1e12\], got 0/],
      [rec({ sampleRateHz: -5 }), /sampleRateHz must be a finite number in \(0, 1e12\], got -5/],
      [rec({ sampleRateHz: Number.NaN }), /sampleRateHz must be a finite number in \(0, 1e12\], got NaN/],
      [rec({ sampleRateHz: Number.POSITIVE_INFINITY }), /sampleRateHz must be .*, got Infinity/],
      [rec({ centerFreqHz: Number.NaN }), /centerFreqHz must be a finite number in \[-1e12, 1e12\], got NaN/],
      [rec({ centerFreqHz: Number.NEGATIVE_INFINITY }), /centerFreqHz must be .*, got -Infinity/],
      [rec({ datetime: new Date('nope') }), /\(v\): datetime: datetime is an invalid Date/],
      [rec({ datetimeExtraNs: 1e6 }), /datetime: extraNs must be an integer in \[0, 999999\]/],
      [rec({}, 'a/b'), /baseName must not contain path separators, got "a\/b"/],
      [rec({}, 'a\\b'), /baseName must not contain path separators, got "a\\\\b"/],
      [rec({}, ''), /baseName must be a non-empty file name, got ""/],
      [rec({}, '..'), /baseName must be a non-empty file name, got "\.\."/],
      [rec({ extraGlobal: { snr_db: 3 } }), /extraGlobal key 'snr_db' must be namespaced as 'namespace:name'/],
      [rec({ extraGlobal: { 'a:b:c': 3 } }), /extraGlobal key 'a:b:c' must be namespaced/],
      [rec({ extraGlobal: { 'core:author': 'x' } }), /extraGlobal key 'core:author' is in the reserved 'core' namespace/],
      [rec({ extraGlobal: { 'heimdall:snr_db': Number.NaN } }), /extraGlobal\['heimdall:snr_db'\] is NaN, which JSON/],
      [rec({ extraGlobal: { 'heimdall:x': { y: undefined } } }), /extraGlobal\['heimdall:x'\]\.y is not a plain JSON value/],
      [rec({ geolocation: { lat: 91, lon: 0, altM: 0 } }), /geolocation\.lat must be in \[-90, 90\], got 91/],
      [rec({ geolocation: { lat: 0, lon: -181, altM: 0 } }), /geolocation\.lon must be in \[-180, 180\], got -181/],
      [rec({ geolocation: { lat: 0, lon: 0, altM: Number.NaN } }), /geolocation\.altM must be finite, got NaN/],
      [rec({ extensions: [{ name: 'core', version: '1', optional: true }] }), /extensions\[0\]\.name must be a namespace/],
      [
        rec({
          extensions: [
            { name: 'x', version: '1', optional: true },
            { name: 'x', version: '2', optional: true },
          ],
        }),
        /extensions\[1\]\.name 'x' is listed twice/,
      ],
      [
        rec({ annotations: [{ sampleStart: -1, sampleCount: 1 }] }),
        /annotations\[0\]\.sampleStart must be a non-negative integer/,
      ],
      [rec({ annotations: [{ sampleStart: 0, sampleCount: 1.5 }] }), /annotations\[0\]\.sampleCount must be a non-negative/],
      [
        rec({ annotations: [{ sampleStart: 120, sampleCount: 9 }] }),
        /annotations\[0\] covers samples \[120, 129\) but the recording has 128/,
      ],
      [
        rec({ annotations: [{ sampleStart: 0, sampleCount: 1, freqLowerEdgeHz: 1 }] }),
        /annotations\[0\]: freqLowerEdgeHz and freqUpperEdgeHz must be given together/,
      ],
      [
        rec({ annotations: [{ sampleStart: 0, sampleCount: 1, freqLowerEdgeHz: 2, freqUpperEdgeHz: 1 }] }),
        /annotations\[0\]: freqLowerEdgeHz 2 is above freqUpperEdgeHz 1/,
      ],
    ];
    for (const [fn, re] of cases) assert.throws(fn, re);
    assert.deepEqual(readdirSync(dir), [], 'nothing was written by refused calls');

    const good = writeSigmfRecording(dir, 'ok', fullInput());
    const col =
      (c: Parameters<typeof writeSigmfCollection>[2], name = 'c') =>
      () =>
        writeSigmfCollection(dir, name, c);
    const stream = { baseName: 'ok', metaSha512: good.sha512 };
    const collectionCases: [() => unknown, RegExp][] = [
      [col({ streams: [stream] }, 'x/y'), /writeSigmfCollection\(x\/y\): name must not contain path separators/],
      [col({ streams: [] }), /streams must be a non-empty array/],
      [col({ streams: [{ baseName: '../ok', metaSha512: good.sha512 }] }), /streams\[0\]\.baseName must not contain path/],
      [col({ streams: [stream, stream] }), /streams\[1\]\.baseName 'ok' is listed twice/],
      [col({ streams: [{ baseName: 'ok', metaSha512: 'abc' }] }), /streams\[0\]\.metaSha512 must be 128 hex digits/],
      [col({ streams: [{ baseName: 'nope', metaSha512: good.sha512 }] }), /streams\[0\]: cannot read .*nope\.sigmf-meta/],
      [col({ streams: [stream], extra: { event: 1 } }), /extra key 'event' must be namespaced/],
    ];
    for (const [fn, re] of collectionCases) assert.throws(fn, re);
    assert.deepEqual(readdirSync(dir).sort(), ['ok.sigmf-data', 'ok.sigmf-meta']);
  });

  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' });
  const skip = probe.status === 0 ? false : `numpy not available to ${python}; the DataView checks above cover the format`;
  test('numpy reads the data file as <c8 (complex64 little-endian) with the same values', { skip }, () => {
    const dir = freshDir();
    const out = writeSigmfRecording(dir, 'np', fullInput());
    const script = [
      'import json, sys, numpy as np',
      "x = np.fromfile(sys.argv[1], dtype='<c8')",
      'print(json.dumps([[float(v.real), float(v.imag)] for v in x]))',
    ].join('\n');
    const r = spawnSync(python, ['-c', script, out.dataPath], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const pairs = JSON.parse(r.stdout) as [number, number][];
    assert.equal(pairs.length, iq.length / 2);
    // float32 -> double is exact and Python's json keeps -0.0, so strictEqual (Object.is) holds for every value.
    pairs.forEach(([re, im], k) => {
      assert.equal(re, iq[2 * k], `I of sample ${k}`);
      assert.equal(im, iq[2 * k + 1], `Q of sample ${k}`);
    });
  });
});

describe('ci16_le output', () => {
  test('an Int16Array is written as ci16_le, byte for byte, and read back as v / 32768', async () => {
    const { readSigmfRecording } = await import('../../src/signal/sigmf/read.js');
    const dir = freshDir();
    const ints = Int16Array.from([-32768, 32767, 0, -1, 1, 12345, -23456, 7]);
    const r = writeSigmfRecording(dir, 'ints', { iq: ints, sampleRateHz: 12_000, centerFreqHz: 7e6, datetime: when });
    const meta = JSON.parse(readFileSync(r.metaPath, 'utf8'));
    assert.equal(meta.global['core:datatype'], 'ci16_le');
    const bytes = readFileSync(r.dataPath);
    assert.equal(bytes.byteLength, 2 * ints.length);
    for (let i = 0; i < ints.length; i++) assert.equal(bytes.readInt16LE(2 * i), ints[i]);
    assert.equal(meta.global['core:sha512'], sha512(bytes));
    assert.deepEqual(
      [...readSigmfRecording(r.metaPath).iq],
      [...ints].map((v) => v / 32768),
    );
  });
});
