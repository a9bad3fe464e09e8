// The .npy (+ _metadata.json) recording format: write→read bit-exact, a file built byte by byte here from the NumPy
// format spec, every header variant the reader accepts, exact error messages, and — where /usr/bin/python3 has
// numpy — numpy.load of our files and np.save'd files read back exactly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readRecording } from '../../src/signal/formats/index.js';
import { npyHeaderC8, readNpyRecording, writeNpyRecording } from '../../src/signal/formats/npy.js';
import { type Recording, RecordingError } from '../../src/signal/recording.js';
import { writeSigmfRecording } from '../../src/signal/sigmf/index.js';
import { randomValues } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'heimdall-npy-'));
let folders = 0;
const freshDir = (): string => {
  const d = join(root, `d${folders++}`);
  mkdirSync(d);
  return d;
};

function throwsExactly(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RecordingError, `expected a RecordingError, got ${err}`);
    assert.equal(err.message, message);
    return true;
  });
}

function assertSameFloats(actual: Float32Array, expected: ArrayLike<number>): void {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Object.is(actual[i], expected[i]), `value ${i}: ${actual[i]} !== ${expected[i]}`);
  }
}

const special = [-0, 1.401298464324817e-45, 3.4028234663852886e38, -3.4028234663852886e38, 0.1, -1 / 3];
const iq = Float32Array.from([...special, ...randomValues(250, 11, -2, 2)]);

function recording(samples = iq): Recording {
  return {
    iq: samples,
    sampleRateHz: 2_048_000,
    centerFreqHz: 868_300_000,
    startUnixNs: 1_767_323_045_123_456_789n,
    timestampSigmaS: 2e-6,
    receiver: { id: 'rx-7', name: 'Roof', lat: 47.3769, lon: 8.5417, altM: 408 },
    source: 'memory',
    meta: {},
  };
}

/** The bytes np.save writes for a 1-D '<c8' array of 3 elements, spelled out from the format spec. */
function handBuiltNpy(values: number[]): Buffer {
  const dict = "{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }"; // 57 characters
  // 10 bytes of prefix + 57 + 20 spaces of growth room (21 - len('3')) + 40 spaces of alignment + '\n' = 128.
  const header = `${dict}${' '.repeat(60)}\n`;
  assert.equal(10 + header.length, 128);
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  const data = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    data.writeFloatLE(v, i * 4);
  });
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]);
}

/** A .npy with any header dict text and version; padded to 64 bytes like NumPy. */
function npyWith(dict: string, data: Uint8Array, version: 1 | 2 | 3 = 1): Buffer {
  const lenBytes = version === 1 ? 2 : 4;
  const body = Buffer.from(dict, version === 3 ? 'utf8' : 'latin1');
  const pad = 64 - ((8 + lenBytes + body.length + 1) % 64);
  const header = Buffer.concat([body, Buffer.alloc(pad, 0x20), Buffer.from('\n')]);
  const len = Buffer.alloc(lenBytes);
  if (version === 1) len.writeUInt16LE(header.length);
  else len.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]), len, header, data]);
}

const sidecar = {
  sampleRateHz: 12_000,
  centerFreqHz: 7_100_000,
  startUnixNs: '1767323045000000000',
  timestampSigmaS: null,
  receiver: { id: 'kiwi-3' },
};

/** Writes `<name>.npy` and its sidecar (none when `meta` is null); returns the .npy path. */
function writeNpyFiles(dir: string, name: string, npy: Uint8Array, meta: unknown = sidecar): string {
  const path = join(dir, `${name}.npy`);
  writeFileSync(path, npy);
  if (meta !== null) writeFileSync(join(dir, `${name}_metadata.json`), JSON.stringify(meta));
  return path;
}

const f32le = (values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    b.writeFloatLE(v, i * 4);
  });
  return b;
};

describe('.npy recordings', () => {
  test('write → read is bit-exact and keeps every field; two files, no temporaries', () => {
    const dir = freshDir();
    const path = join(dir, 'rx-7.npy');
    writeNpyRecording(path, recording());
    assert.deepEqual(readdirSync(dir).sort(), ['rx-7.npy', 'rx-7_metadata.json']);
    const back = readNpyRecording(path);
    assertSameFloats(back.iq, iq);
    assert.deepEqual({ ...back, iq: null }, { ...recording(), iq: null, source: path });
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'rx-7_metadata.json'), 'utf8')), {
      sampleRateHz: 2_048_000,
      centerFreqHz: 868_300_000,
      startUnixNs: '1767323045123456789',
      timestampSigmaS: 2e-6,
      receiver: { id: 'rx-7', name: 'Roof', lat: 47.3769, lon: 8.5417, altM: 408 },
    });
    const bytes = readFileSync(path);
    assert.equal(bytes.byteLength, 128 + 8 * 128, '128-byte header, 8 bytes per complex64 sample');
    assert.equal(bytes.readUInt16LE(8) + 10, 128, 'data starts at a multiple of 64');

    // Unknown time and sigma round-trip as null; an empty recording is fine.
    writeNpyRecording(path, { ...recording(new Float32Array(0)), startUnixNs: null, timestampSigmaS: null });
    const empty = readNpyRecording(path);
    assert.equal(empty.iq.length, 0);
    assert.equal(empty.startUnixNs, null);
    assert.equal(empty.timestampSigmaS, null);
  });

  test('the writer produces exactly the bytes built here from the format spec, and reads them back', () => {
    const dir = freshDir();
    const values = [1, 2, -0.5, 0.25, 3, -4];
    const path = join(dir, 'three.npy');
    writeNpyRecording(path, recording(Float32Array.from(values)));
    assert.ok(readFileSync(path).equals(handBuiltNpy(values)), 'byte-identical');
    const hand = writeNpyFiles(dir, 'hand', handBuiltNpy(values));
    assertSameFloats(readNpyRecording(hand).iq, values);

    // The header length stays a multiple of 64 for every digit count of N (growth room shrinks as N grows).
    for (const n of [0, 9, 10, 99_999, 123_456_789, 2 ** 53 - 1]) {
      const h = npyHeaderC8(n);
      assert.equal(h.byteLength % 64, 0, `N=${n}`);
      assert.equal(h.readUInt16LE(8) + 10, h.byteLength);
      assert.equal(h[h.byteLength - 1], 0x0a, 'newline-terminated');
      assert.ok(h.toString('latin1').includes(`'shape': (${n},), }`));
    }
  });

  test('accepted variants: versions 1.0/2.0/3.0, any key order, >c8, <c16, >c16, fortran_order True in 1-D, no growth room', () => {
    const dir = freshDir();
    const values = [0.1, -2.5, 1e-40, 65504];
    const expected = values.map(Math.fround);
    const be32 = Buffer.alloc(16);
    const le64 = Buffer.alloc(32);
    const be64 = Buffer.alloc(32);
    values.forEach((v, i) => {
      be32.writeFloatBE(v, i * 4);
      le64.writeDoubleLE(v, i * 8);
      be64.writeDoubleBE(v, i * 8);
    });
    const cases: [string, Buffer][] = [
      ['v1', npyWith("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", f32le(values))],
      ['v2', npyWith("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", f32le(values), 2)],
      ['v3', npyWith("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", f32le(values), 3)],
      ['order', npyWith('{"shape": (2,), "fortran_order": False, "descr": "<c8"}', f32le(values))],
      ['fortran', npyWith("{'descr': '<c8', 'fortran_order': True, 'shape': (2,), }", f32le(values))],
      ['be32', npyWith("{'descr': '>c8', 'fortran_order': False, 'shape': (2,), }", be32)],
      ['le64', npyWith("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", le64)],
      ['be64', npyWith("{'descr': '>c16', 'fortran_order': False, 'shape': (2,), }", be64)],
      ['py2', npyWith("{'descr': '<c8', 'fortran_order': False, 'shape': (2L,), }", f32le(values))],
    ];
    for (const [name, bytes] of cases) {
      const rec = readNpyRecording(writeNpyFiles(dir, name, bytes));
      assertSameFloats(rec.iq, expected);
      assert.equal(rec.receiver.id, 'kiwi-3');
      assert.equal(rec.startUnixNs, 1_767_323_045_000_000_000n);
    }
  });

  test('sidecar: optional fields default, unknown keys go to meta, receiver id defaults to the file name', () => {
    const dir = freshDir();
    const npy = npyWith("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", f32le([1, 0]));
    const p = writeNpyFiles(dir, 'bare', npy, { sampleRateHz: 1e6, centerFreqHz: 0, gain_db: 40 });
    const rec = readNpyRecording(p);
    assert.deepEqual(
      { ...rec, iq: null },
      {
        iq: null,
        sampleRateHz: 1e6,
        centerFreqHz: 0,
        startUnixNs: null,
        timestampSigmaS: null,
        receiver: { id: 'bare' },
        source: p,
        meta: { gain_db: 40 },
      },
    );
  });

  test('every error names the file and says what is wrong', () => {
    const dir = freshDir();
    const ok = "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }";
    const data = f32le([1, 2, 3, 4]);
    const npyCases: [string, Uint8Array, string][] = [
      [
        'magic',
        Buffer.from('PK\x03\x04 not numpy at all'),
        'not a .npy file: it does not start with the magic string \\x93NUMPY',
      ],
      [
        'version',
        Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 4, 0, 0, 0]),
        'unsupported .npy format version 4.0 (1.0, 2.0 and 3.0 are supported)',
      ],
      ['short', Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 1]), 'truncated .npy header: the file has only 9 bytes'],
      [
        'cuthdr',
        Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0, 0x7b]),
        'truncated .npy header: HEADER_LEN is 118 bytes but only 1 follow',
      ],
      [
        'f4',
        npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", data),
        "unsupported dtype '<f4': a complex IQ array is needed, '<c8' or '>c8' (complex64) or '<c16' or '>c16' (complex128)",
      ],
      [
        'struct',
        npyWith("{'descr': [('re', '<f4'), ('im', '<f4')], 'fortran_order': False, 'shape': (2,), }", data),
        "unsupported dtype [('re', '<f4'), ('im', '<f4')]: a complex IQ array is needed, '<c8' or '>c8' (complex64) or '<c16' or '>c16' (complex128)",
      ],
      [
        'twod',
        npyWith("{'descr': '<c8', 'fortran_order': False, 'shape': (1, 2), }", data),
        'shape (1, 2) is not 1-D; a recording is a 1-D complex array of shape (N,)',
      ],
      [
        'twodf',
        npyWith("{'descr': '<c8', 'fortran_order': True, 'shape': (2, 1), }", data),
        'shape (2, 1) is not 1-D; a recording is a 1-D complex array of shape (N,)',
      ],
      [
        'scalar',
        npyWith("{'descr': '<c8', 'fortran_order': False, 'shape': (), }", data),
        'shape () is not 1-D; a recording is a 1-D complex array of shape (N,)',
      ],
      [
        'shapeint',
        npyWith("{'descr': '<c8', 'fortran_order': False, 'shape': 2, }", data),
        'shape must be a tuple of non-negative integers, got 2',
      ],
      [
        'fortranstr',
        npyWith("{'descr': '<c8', 'fortran_order': 'no', 'shape': (2,), }", data),
        "fortran_order must be True or False, got 'no'",
      ],
      [
        'keys',
        npyWith("{'descr': '<c8', 'shape': (2,), }", data),
        "the .npy header must have exactly the keys 'descr', 'fortran_order', 'shape'; it has 'descr', 'shape'",
      ],
      [
        'syntax',
        npyWith("{'descr': '<c8', 'fortran_order': False 'shape': (2,), }", data),
        `cannot parse the .npy header "{'descr': '<c8', 'fortran_order': False 'shape': (2,), }": expected ',' or '}' at character 40`,
      ],
      ['cut', npyWith(ok, data.subarray(0, 13)), "truncated: shape (2,) of '<c8' needs 16 data bytes, the file has 13"],
      [
        'long',
        npyWith(ok, Buffer.concat([data, data])),
        "32 data bytes follow the header but shape (2,) of '<c8' needs 16; the header and the data disagree",
      ],
      ['nan', npyWith(ok, f32le([1, 2, Number.NaN, 4])), 'sample 1 (I) is NaN; NaN/Inf samples are not accepted'],
      [
        'inf',
        npyWith(ok, f32le([1, Number.POSITIVE_INFINITY, 3, 4])),
        'sample 0 (Q) is Infinity; NaN/Inf samples are not accepted',
      ],
      [
        'big',
        npyWith("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", Buffer.from(new Float64Array([0, 1e39]).buffer)),
        'sample 0 (Q) is 1e+39, beyond the float32 range',
      ],
    ];
    for (const [name, bytes, msg] of npyCases) {
      const p = writeNpyFiles(dir, name, bytes);
      throwsExactly(() => readNpyRecording(p), `${p}: ${msg}`);
    }
    throwsExactly(() => readNpyRecording(join(dir, 'absent.npy')), `${join(dir, 'absent.npy')}: file not found`);

    // Sidecar problems: a missing sidecar names the expected path; the others name the sidecar.
    const good = npyWith(ok, data);
    const lonely = writeNpyFiles(dir, 'lonely', good, null);
    throwsExactly(
      () => readNpyRecording(lonely),
      `${lonely}: metadata sidecar not found: expected ${join(dir, 'lonely_metadata.json')}`,
    );
    const sidecarCases: [string, unknown, string][] = [
      ['rate', { ...sidecar, sampleRateHz: -1 }, 'sampleRateHz must be a positive finite number, got -1'],
      ['norate', { centerFreqHz: 1 }, 'sampleRateHz must be a positive finite number, got missing'],
      ['freq', { ...sidecar, centerFreqHz: '7.1 MHz' }, 'centerFreqHz must be a finite number, got "7.1 MHz"'],
      [
        'ns',
        { ...sidecar, startUnixNs: 1767323045000000000 },
        'startUnixNs must be a decimal string of nanoseconds since the Unix epoch (e.g. "1767323045123456789") or null, got 1767323045000000000',
      ],
      ['sigma', { ...sidecar, timestampSigmaS: -1e-6 }, 'timestampSigmaS must be a non-negative number or null, got -0.000001'],
      ['rx', { ...sidecar, receiver: { id: 7 } }, 'receiver.id must be a non-empty string, got 7'],
      ['lat', { ...sidecar, receiver: { id: 'a', lat: 'north' } }, 'receiver.lat must be a finite number, got "north"'],
      ['array', [1, 2], 'the metadata sidecar must be a JSON object'],
    ];
    for (const [name, meta, msg] of sidecarCases) {
      const p = writeNpyFiles(dir, `sc-${name}`, good, meta);
      throwsExactly(() => readNpyRecording(p), `${join(dir, `sc-${name}_metadata.json`)}: ${msg}`);
    }
    const badJson = writeNpyFiles(dir, 'badjson', good, null);
    writeFileSync(join(dir, 'badjson_metadata.json'), '{"sampleRateHz": 1e6,}');
    let parseMessage = '';
    try {
      JSON.parse('{"sampleRateHz": 1e6,}');
    } catch (err) {
      parseMessage = (err as Error).message;
    }
    throwsExactly(() => readNpyRecording(badJson), `${join(dir, 'badjson_metadata.json')}: not valid JSON: ${parseMessage}`);
  });

  test('the writer refuses what the reader could not read back, and leaves existing files untouched', () => {
    const dir = freshDir();
    const path = join(dir, 'keep.npy');
    writeNpyRecording(path, recording());
    const before = [readFileSync(path), readFileSync(join(dir, 'keep_metadata.json'))];
    const bad = Float32Array.from(iq);
    bad[3] = Number.NaN;
    throwsExactly(
      () => writeNpyRecording(path, recording(bad)),
      `${path}: sample 1 (Q) is NaN; NaN/Inf samples are not accepted`,
    );
    const cases: [Recording, string][] = [
      [{ ...recording(), sampleRateHz: 0 }, 'sampleRateHz must be a positive finite number, got 0'],
      [{ ...recording(), centerFreqHz: Number.NaN }, 'centerFreqHz must be a finite number, got NaN'],
      [{ ...recording(), timestampSigmaS: -1 }, 'timestampSigmaS must be a non-negative number or null, got -1'],
      [{ ...recording(), receiver: { id: '' } }, 'receiver.id must be a non-empty string'],
      [{ ...recording(), receiver: { id: 'x', lat: Number.POSITIVE_INFINITY } }, 'receiver.lat must be finite, got Infinity'],
      [recording(new Float32Array(3)), 'iq length 3 is odd; expected interleaved I,Q pairs'],
    ];
    for (const [rec, msg] of cases)
      assert.throws(() => writeNpyRecording(path, rec), { message: `writeNpyRecording(${path}): ${msg}` });
    assert.throws(() => writeNpyRecording(join(dir, 'x.bin'), recording()), {
      message: `writeNpyRecording(${join(dir, 'x.bin')}): path must end with '.npy'`,
    });
    assert.ok(readFileSync(path).equals(before[0] as Buffer));
    assert.ok(readFileSync(join(dir, 'keep_metadata.json')).equals(before[1] as Buffer));
    assert.deepEqual(readdirSync(dir).sort(), ['keep.npy', 'keep_metadata.json']);
  });

  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' });
  const skip = probe.status === 0 ? false : `numpy not available to ${python}; the byte-by-byte file above covers the format`;

  test('numpy.load reads our file: complex64, shape (N,), the same values', { skip }, () => {
    const dir = freshDir();
    const path = join(dir, 'ours.npy');
    writeNpyRecording(path, recording());
    const script = [
      'import json, sys, numpy as np',
      'x = np.load(sys.argv[1])',
      'print(json.dumps({"dtype": x.dtype.str, "shape": list(x.shape), "v": [[float(z.real), float(z.imag)] for z in x]}))',
    ].join('\n');
    const r = spawnSync(python, ['-c', script, path], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { dtype: string; shape: number[]; v: [number, number][] };
    assert.equal(out.dtype, '<c8');
    assert.deepEqual(out.shape, [iq.length / 2]);
    // float32 → double is exact and Python's json keeps -0.0, so strict equality holds for every value.
    out.v.forEach(([re, im], k) => {
      assert.equal(re, iq[2 * k], `I of sample ${k}`);
      assert.equal(im, iq[2 * k + 1], `Q of sample ${k}`);
    });
  });

  test("np.save'd files (<c8, >c8, <c16) read back exactly; np.save's <c8 file equals ours byte for byte", { skip }, () => {
    const dir = freshDir();
    const raw = join(dir, 'values.f32');
    writeFileSync(raw, Buffer.from(iq.buffer, iq.byteOffset, iq.byteLength));
    const script = [
      'import sys, numpy as np, numpy.lib.format as fmt',
      "x = np.fromfile(sys.argv[1], dtype='<f4').view('<c8')",
      "np.save(sys.argv[2] + '/le64.npy', x)",
      "np.save(sys.argv[2] + '/be64.npy', x.astype('>c8'))",
      "np.save(sys.argv[2] + '/le128.npy', x.astype('<c16'))",
      "print(hasattr(fmt, 'GROWTH_AXIS_MAX_DIGITS'))",
    ].join('\n');
    const r = spawnSync(python, ['-c', script, raw, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['le64', 'be64', 'le128']) {
      writeFileSync(join(dir, `${name}_metadata.json`), JSON.stringify(sidecar));
      assertSameFloats(readNpyRecording(join(dir, `${name}.npy`)).iq, iq);
    }
    const ours = join(dir, 'ours.npy');
    writeNpyRecording(ours, recording());
    const theirs = readFileSync(join(dir, 'le64.npy'));
    if (r.stdout.trim() === 'True') {
      assert.ok(readFileSync(ours).equals(theirs), 'byte-identical to np.save');
    } else {
      // NumPy before the growth-room padding writes a shorter (still 64-aligned) header; the data must match.
      assert.ok(
        readFileSync(ours)
          .subarray(128)
          .equals(theirs.subarray(theirs.readUInt16LE(8) + 10)),
      );
    }
  });
});

describe('readRecording', () => {
  test('readRecording dispatches by extension and names the supported ones otherwise', () => {
    const dir = freshDir();
    const npy = join(dir, 'a.npy');
    writeNpyRecording(npy, recording());
    assertSameFloats(readRecording(npy).iq, iq);
    const s = writeSigmfRecording(dir, 'b', { iq, sampleRateHz: 1e6, centerFreqHz: 1e8, datetime: new Date(0) });
    assertSameFloats(readRecording(s.metaPath).iq, iq);
    assertSameFloats(readRecording(s.dataPath).iq, iq);
    throwsExactly(
      () => readRecording(join(dir, 'c.iq')),
      `${join(dir, 'c.iq')}: unsupported file type '.iq'; supported: .sigmf-meta, .sigmf-data, .npy, .wav`,
    );
    throwsExactly(
      () => readRecording(join(dir, 'c')),
      `${join(dir, 'c')}: no file extension; supported: .sigmf-meta, .sigmf-data, .npy, .wav`,
    );
    throwsExactly(
      () => readRecording(join(dir, 'c.sigmf-collection')),
      `${join(dir, 'c.sigmf-collection')}: is a SigMF collection (several recordings); read it with readSigmfCollection`,
    );
  });
});
