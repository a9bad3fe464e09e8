// The KiwiSDR IQ WAV reader, fed files built byte by byte by kiwi-wav-fixture.ts after kiwirecorder.py's own
// struct.pack calls, with timestamps that behave like a real receiver's.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseKiwiWav, readKiwiWav } from '../../src/signal/formats/kiwi-wav.js';
import { RecordingError } from '../../src/signal/recording.js';
import { type BlockSpec, ByteWriter, generate, kiwiWav, NS, type Scenario, tone } from './kiwi-wav-fixture.js';

const absNs = (a: bigint, b: bigint): bigint => (a > b ? a - b : b - a);
const utcNs = (y: number, mo: number, d: number, h: number, mi: number, s: number): bigint =>
  BigInt(Date.UTC(y, mo - 1, d, h, mi, s)) * 1_000_000n;

const main: Scenario = {
  startUnixNs: utcNs(2024, 3, 9, 12, 34, 56) + 723_456_789n,
  trueRateHz: 12001.07,
  nominalRateHz: 12001,
  blocks: 800,
  firstFix: 13,
  fixEvery: 70, // ~3 s
  leapS: 18,
  offsets: { 223: 60_000n }, // a fresh fix 60 µs off
  garbage: { 433: [7, 5] }, // and one with a nonsense time
};
const mainName = '20240309T123456Z_7850000_F1JEK-P_iq.wav';

describe('KiwiSDR IQ WAV reader', () => {
  test('fits the time base to the fresh GNSS fixes: rate, start, outliers, samples, name', () => {
    const g = generate(main);
    assert.deepEqual(g.fixes, [13, 83, 153, 223, 293, 363, 433, 503, 573, 643, 713, 783]);
    assert.ok(g.worstStaleErrorNs > 15_000, `stale timestamps must be visibly wrong (${g.worstStaleErrorNs} ns)`);
    const samples = tone(main.blocks, main.trueRateHz);
    const bytes = kiwiWav(g.blocks, samples);
    assert.equal(bytes.length, 36 + 800 * 2074);
    const r = parseKiwiWav(bytes, mainName);

    assert.ok(Math.abs(r.sampleRateHz - 12001.07) < 0.005, `fitted rate ${r.sampleRateHz}`);
    const err = absNs(r.startUnixNs as bigint, main.startUnixNs);
    assert.ok(err <= 1000n, `start off by ${err} ns`);
    assert.equal(r.centerFreqHz, 7_850_000);
    assert.deepEqual(r.receiver, { id: 'F1JEK-P', name: 'F1JEK-P' });
    assert.equal(r.source, mainName);
    const m = r.meta;
    assert.deepEqual(Object.keys(m).sort(), [
      'blocks',
      'fittedSampleRateHz',
      'gpsWeek',
      'nominalSampleRateHz',
      'residualRmsS',
      'timestampsRejected',
      'timestampsUsed',
    ]);
    assert.equal(m.nominalSampleRateHz, 12001);
    assert.equal(m.fittedSampleRateHz, r.sampleRateHz);
    assert.equal(m.blocks, 800);
    assert.equal(m.timestampsUsed, 10, '12 fresh fixes, 2 of them outliers');
    assert.equal(m.timestampsRejected, 2);
    assert.equal(m.gpsWeek, 2304);
    const rms = m.residualRmsS as number;
    assert.ok(rms > 1e-8 && rms < 3e-7, `residual RMS ${rms} (jitter is uniform ±300 ns)`);
    assert.equal(r.timestampSigmaS, Math.max(1e-7, rms));

    assert.equal(r.iq.length, 800 * 1024);
    assert.deepEqual(Array.from(r.iq.subarray(0, 4)), [-1, 32767 / 32768, -1 / 32768, 1 / 32768]);
    for (let i = 0; i < samples.length; i++) {
      if (r.iq[i] !== (samples[i] as number) / 32768) assert.fail(`sample value ${i}: ${r.iq[i]} != ${samples[i]}/32768`);
    }
  });

  test('the first block (last = 0, garbage time) and stale blocks never count; exactly two fixes are enough', () => {
    const sc: Scenario = { ...main, blocks: 200, firstFix: 40, fixEvery: 100, offsets: {}, garbage: {} };
    const g = generate(sc);
    assert.deepEqual(g.fixes, [40, 140]);
    const r = parseKiwiWav(kiwiWav(g.blocks, tone(200, sc.trueRateHz)), mainName);
    assert.equal(r.meta.timestampsUsed, 2);
    assert.equal(r.meta.timestampsRejected, 0);
    assert.equal(r.meta.residualRmsS, 0);
    assert.equal(r.timestampSigmaS, 1e-7, 'never below 1e-7 s');
    assert.ok(Math.abs(r.sampleRateHz - 12001.07) < 0.005, `fitted rate ${r.sampleRateHz}`);
    assert.ok(absNs(r.startUnixNs as bigint, sc.startUnixNs) <= 1000n);
  });

  test('readKiwiWav reads the file from disk; the path names it and the directory is ignored for the name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'heimdall-kiwi-'));
    const path = join(dir, mainName);
    const bytes = kiwiWav(generate(main).blocks, tone(main.blocks, main.trueRateHz));
    writeFileSync(path, bytes);
    const fromDisk = readKiwiWav(path);
    assert.deepEqual(fromDisk, { ...parseKiwiWav(bytes, mainName), source: path });
    assert.throws(() => readKiwiWav(join(dir, 'missing.wav')), {
      name: 'RecordingError',
      message: `${join(dir, 'missing.wav')}: file not found`,
    });
  });

  test('leap seconds: hand-computed GPS times of week give the exact Unix start (18 s in 2024, 17 s in 2016)', () => {
    // 12800 Hz: a block is exactly 40 ms, so fixes every 25 blocks are exactly 1 s apart.
    const handMade = (firstTow: number): BlockSpec[] =>
      Array.from({ length: 130 }, (_, b) => {
        if (b === 0) return { last: 0, gpssec: 99, gpsnsec: 0 };
        if (b % 25 === 0) return { last: 0, gpssec: firstTow + (b / 25 - 1), gpsnsec: 0 };
        return { last: b < 25 ? 5 : 1, gpssec: 0, gpsnsec: 0 }; // stale blocks with nonsense times
      });
    // Block 25 at 2024-03-09T12:34:56Z: Saturday (day 6) 12:34:56 → 6·86400 + 45296 = 563696 s, + 18 s = 563714.
    const r2024 = parseKiwiWav(
      kiwiWav(handMade(563714), new Int16Array(130 * 1024), { rateHz: 12800 }),
      '20240309T123455Z_10000_X_iq.wav',
    );
    assert.equal(r2024.startUnixNs, 1709987695n * NS, 'sample 0 is 1 s before block 25: 2024-03-09T12:34:55Z');
    assert.equal(r2024.meta.gpsWeek, 2304);
    assert.equal(r2024.sampleRateHz, 12800);
    // Block 25 at 2016-06-15T12:00:01Z: Wednesday (day 3) → 259200 + 43201 = 302401 s, + 17 s = 302418.
    const r2016 = parseKiwiWav(
      kiwiWav(handMade(302418), new Int16Array(130 * 1024), { rateHz: 12800 }),
      '20160615T120000Z_10000_X_iq.wav',
    );
    assert.equal(r2016.startUnixNs, BigInt(Date.UTC(2016, 5, 15, 12, 0, 0) / 1000) * NS);
    assert.equal(r2016.meta.gpsWeek, 1901);
  });

  // GPS week 2300 starts 2024-02-04T00:00:00 GPS = 2024-02-03T23:59:42Z.
  const weekScenario = (start: bigint): Scenario => ({ ...main, startUnixNs: start, offsets: {}, garbage: {} });

  test('a recording that crosses a GPS week boundary (gpssec wraps to 0 mid-file)', () => {
    const sc = weekScenario(utcNs(2024, 2, 3, 23, 59, 30) + 600_000_000n);
    const g = generate(sc);
    const secs = g.fixes.map((b) => (g.blocks[b] as BlockSpec).gpssec);
    assert.ok(secs[0] !== undefined && secs[0] > 604_780 && Math.min(...secs) < 30, `tow wraps: ${secs.join(', ')}`);
    const r = parseKiwiWav(kiwiWav(g.blocks, tone(sc.blocks, sc.trueRateHz)), '20240203T235930Z_7850000_DF0KL_iq.wav');
    assert.equal(r.meta.gpsWeek, 2299, 'the week of the first timestamp used');
    assert.equal(r.meta.timestampsUsed, 12);
    assert.equal(r.meta.timestampsRejected, 0);
    assert.ok(Math.abs(r.sampleRateHz - 12001.07) < 0.005, `fitted rate ${r.sampleRateHz}`);
    assert.ok(absNs(r.startUnixNs as bigint, sc.startUnixNs) <= 1000n);
  });

  test('the week is the one nearest the file-name time, on either side of the boundary', () => {
    // File named before the boundary, first fresh fix just after it → week 2300.
    const after = weekScenario(utcNs(2024, 2, 3, 23, 59, 41) + 500_000_000n);
    const ga = generate({ ...after, firstFix: 30 });
    assert.ok((ga.blocks[30] as BlockSpec).gpssec < 5);
    const ra = parseKiwiWav(kiwiWav(ga.blocks, tone(after.blocks, after.trueRateHz)), '20240203T235941Z_7850000_DF0KL_iq.wav');
    assert.equal(ra.meta.gpsWeek, 2300);
    assert.ok(absNs(ra.startUnixNs as bigint, after.startUnixNs) <= 1000n);
    // The recording host's clock 7 s fast: named after the boundary, but the fixes are before it → week 2299.
    const before = weekScenario(utcNs(2024, 2, 3, 23, 59, 38) + 200_000_000n);
    const gb = generate(before);
    assert.ok((gb.blocks[13] as BlockSpec).gpssec > 604_790);
    const rb = parseKiwiWav(kiwiWav(gb.blocks, tone(before.blocks, before.trueRateHz)), '20240203T235945Z_7850000_DF0KL_iq.wav');
    assert.equal(rb.meta.gpsWeek, 2299);
    assert.ok(absNs(rb.startUnixNs as bigint, before.startUnixNs) <= 1000n);
  });

  describe('malformed files: exact messages', () => {
    const name = '20240309T123456Z_7850000_DF0KL_iq.wav';
    const fiveBlocks = (): { blocks: BlockSpec[]; samples: Int16Array } => ({
      blocks: generate({ ...main, blocks: 5, firstFix: 2, fixEvery: 2, offsets: {}, garbage: {} }).blocks,
      samples: tone(5, 12001),
    });
    const throwsWith = (bytes: Uint8Array, message: string, fileName = name): void => {
      assert.throws(
        () => parseKiwiWav(bytes, fileName),
        (e: unknown) => {
          assert.ok(e instanceof RecordingError, `expected a RecordingError, got ${e}`);
          assert.equal(e.message, `${fileName}: ${message}`);
          assert.equal(e.source, fileName);
          return true;
        },
      );
    };
    const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

    test('not RIFF/WAVE', () => {
      const { blocks, samples } = fiveBlocks();
      const good = kiwiWav(blocks, samples);
      const rifx = good.slice();
      rifx.set(ascii('RIFX'), 0);
      throwsWith(rifx, 'not a RIFF/WAVE file (starts with "RIFX" … "WAVE")');
      const avi = good.slice();
      avi.set(ascii('AVI\x01'), 8);
      throwsWith(avi, 'not a RIFF/WAVE file (starts with "RIFF" … "AVI\\x01")');
      throwsWith(ascii('RIFF!'), 'not a RIFF/WAVE file (only 5 bytes)');
    });

    test('wrong format: not PCM, not 2 channels, not 16-bit', () => {
      const { blocks, samples } = fiveBlocks();
      throwsWith(kiwiWav(blocks, samples, { format: 3 }), 'unsupported WAVE format: format tag 3 (expected 1 = PCM)');
      throwsWith(kiwiWav(blocks, samples, { channels: 1 }), 'unsupported WAVE format: 1 channel(s) (expected 2 = I and Q)');
      throwsWith(kiwiWav(blocks, samples, { bits: 8 }), 'unsupported WAVE format: 8 bits per sample (expected 16)');
    });

    test('no kiwi chunks', () => {
      throwsWith(kiwiWav([], new Int16Array(0)), 'no "kiwi" chunks (the file ends after the 36-byte header)');
      // A plain 16-bit stereo WAV: header, then an ordinary data chunk.
      const plain = new ByteWriter()
        .ascii('RIFF')
        .u32(36 + 8 + 16 - 8)
        .ascii('WAVE');
      plain.ascii('fmt ').u32(16).u16(1).u16(2).u32(12000).u32(48000).u16(4).u16(16);
      plain.ascii('data').u32(16).u32(0).u32(0).u32(0).u32(0);
      throwsWith(plain.bytes(), 'no "kiwi" chunks (found "data" at byte 36): not a kiwirecorder --kiwi-wav file');
    });

    test('a truncated block says which block and how many bytes are missing', () => {
      const { blocks, samples } = fiveBlocks();
      const good = kiwiWav(blocks, samples);
      throwsWith(good.subarray(0, good.length - 1000), 'block 4 is truncated: 1074 of 2074 bytes present (1000 missing)');
      throwsWith(good.subarray(0, 36 + 2 * 2074 + 3), 'block 2 is truncated: 3 of 2074 bytes present (2071 missing)');
    });

    test('data chunk size not 2048, and a foreign chunk where a kiwi chunk belongs', () => {
      const { blocks, samples } = fiveBlocks();
      throwsWith(kiwiWav(blocks, samples, { dataBytes: 1024 }), 'block 0: data chunk size 1024 (expected 2048 = 512 I/Q pairs)');
      const bytes = kiwiWav(blocks, samples);
      bytes.set(ascii('LIST'), 36 + 2 * 2074);
      throwsWith(bytes, 'block 2: expected a "kiwi" chunk at byte 4184, found "LIST"');
    });

    test('bad file names', () => {
      const { blocks, samples } = fiveBlocks();
      const bytes = kiwiWav(blocks, samples);
      const expected = '<YYYYMMDDTHHMMSSZ>_<freq Hz>_<STATION>_iq.wav';
      throwsWith(
        bytes,
        `cannot get station/frequency/time from the file name "recording.wav": expected ${expected}`,
        'recording.wav',
      );
      throwsWith(
        bytes,
        `cannot get station/frequency/time from the file name "20240309T123456Z_7850000_DF0KL_usb.wav": expected ${expected}`,
        '/data/kiwi/20240309T123456Z_7850000_DF0KL_usb.wav',
      );
      throwsWith(
        bytes,
        `cannot get station/frequency/time from the file name "20241301T000000Z_7850000_DF0KL_iq.wav": expected ${expected} ` +
          '(20241301T000000Z is not a valid UTC time)',
        '20241301T000000Z_7850000_DF0KL_iq.wav',
      );
    });

    test('too few valid timestamps', () => {
      const samples = tone(40, 12001);
      const noGnss = Array.from({ length: 40 }, () => ({ last: 255, gpssec: 0, gpsnsec: 0 }));
      throwsWith(
        kiwiWav(noGnss, samples),
        'too few valid GNSS timestamps: 0 usable of 0 fresh fixes in 40 blocks ' +
          '(need at least 2; a fresh fix is a block after the first whose "last" drops to <= 1 s)',
      );
      const oneFix = noGnss.map((b, i) => (i === 20 ? { last: 0, gpssec: 563714, gpsnsec: 0 } : b));
      throwsWith(
        kiwiWav(oneFix, samples),
        'too few valid GNSS timestamps: 1 usable of 1 fresh fixes in 40 blocks ' +
          '(need at least 2; a fresh fix is a block after the first whose "last" drops to <= 1 s)',
      );
      // Two fresh fixes, one with gpsnsec out of range: counted as fresh, not usable.
      const badNs = oneFix.map((b, i) => (i === 30 ? { last: 0, gpssec: 563715, gpsnsec: 1_000_000_000 } : b));
      throwsWith(
        kiwiWav(badNs, samples),
        'too few valid GNSS timestamps: 1 usable of 2 fresh fixes in 40 blocks ' +
          '(need at least 2; a fresh fix is a block after the first whose "last" drops to <= 1 s)',
      );
    });

    test('timestamps that contradict the nominal rate', () => {
      // Two fixes 10 blocks (5120 samples) apart but exactly 1 s apart in time: 5120 Hz against 12001 Hz.
      const blocks = Array.from({ length: 40 }, (_, i) =>
        i === 10 || i === 20 ? { last: 0, gpssec: 563714 + (i === 20 ? 1 : 0), gpsnsec: 0 } : { last: 4, gpssec: 0, gpsnsec: 0 },
      );
      throwsWith(
        kiwiWav(blocks, tone(40, 12001)),
        "the GNSS timestamps give a sample rate of 5120 Hz, more than 0.1 % from the header's 12001 Hz: the timestamps are inconsistent",
      );
    });
  });
});
