// Recording formats: .npy bytes and sidecars, KiwiSDR IQ WAV bytes, SigMF metadata and datasets. Seeds come from
// the project's writers (npy, SigMF) and the kiwirecorder-layout fixture; file-based readers get a temp file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKiwiWav } from '../../../src/signal/formats/kiwi-wav.js';
import { decodeNpyIq, encodeNpyIq, npySidecarPath, readNpySidecar } from '../../../src/signal/formats/npy.js';
import { probeSigmfRecording, readSigmfRecording } from '../../../src/signal/sigmf/read.js';
import { writeSigmfRecording } from '../../../src/signal/sigmf/write.js';
import { GPS_EPOCH_UNIX_NS, kiwiWav, NS, tone, towOf } from '../../../test/signal/kiwi-wav-fixture.js';
import type { FuzzTarget } from '../target.js';
import { checkProbe, checkRecording } from './recording-check.js';

const utf8 = (s: string) => Buffer.from(s, 'utf8');

function iq(n: number, scale = 0.5): Float32Array {
  return Float32Array.from({ length: 2 * n }, (_, i) => scale * Math.sin(i * 0.37));
}

export function npyTarget(): FuzzTarget {
  const c16 = encodeNpyIq(iq(16));
  // The same array as '<c16' (complex128) and '>c8' (big-endian): the other branches of the decoder.
  const header = Buffer.from(c16.subarray(0, 128)).toString('latin1');
  const asC16 = Buffer.concat([
    // One character longer: one padding space fewer keeps HEADER_LEN and the 64-byte alignment.
    Buffer.from(header.replace("'<c8'", "'<c16'").replace(' \n', '\n'), 'latin1'),
    Buffer.from(new Float64Array(iq(16)).buffer),
  ]);
  return {
    name: 'npy',
    kind: 'bytes',
    seeds: [c16, encodeNpyIq(iq(0)), encodeNpyIq(iq(300)), asC16],
    source: 'fuzz.npy',
    run: (input) => decodeNpyIq(input, 'fuzz.npy'),
    check: (r) => {
      const a = r as Float32Array;
      if (!(a instanceof Float32Array) || a.length % 2 !== 0) return 'not interleaved I,Q float32';
      return a.every(Number.isFinite) ? undefined : 'non-finite sample';
    },
  };
}

export function npySidecarTarget(dir: string): FuzzTarget {
  const npyPath = join(dir, 'sidecar.npy');
  const sidecar = npySidecarPath(npyPath);
  const seeds = [
    utf8(
      JSON.stringify({
        sampleRateHz: 48000,
        centerFreqHz: 145.5e6,
        startUnixNs: '1767323045123456789',
        timestampSigmaS: 1e-6,
        receiver: { id: 'north', name: 'North', lat: 45.1, lon: 7.6, altM: 300 },
        operator: 'x',
      }),
    ),
    utf8(JSON.stringify({ sampleRateHz: 2e6, centerFreqHz: 0, startUnixNs: null })),
  ];
  return {
    name: 'npy-sidecar',
    kind: 'json',
    seeds,
    source: 'sidecar',
    run: (input) => {
      writeFileSync(sidecar, input);
      return readNpySidecar(npyPath);
    },
    check: (r) => checkRecording({ ...(r as object), iq: new Float32Array(0) }),
  };
}

const KIWI_NAME = '20260301T100000Z_7100000_FUZZ-1_iq.wav';

export function kiwiWavTarget(): FuzzTarget {
  const startUnixNs = 1_772_359_200n * NS; // the file name's time
  const rateHz = 12001;
  // Small files with the real timing pattern: a garbage first block, then `last` dropping to 0 at each fresh
  // GNSS fix (every other block here, so a few blocks hold enough fixes for the time-base fit).
  const wav = (blocks: number, trueRateHz: number) => {
    const specs = Array.from({ length: blocks }, (_, b) => {
      if (b === 0) return { last: 0, gpssec: 123457, gpsnsec: 0 };
      const unixNs = startUnixNs + BigInt(Math.round(((512 * b) / trueRateHz) * 1e9));
      const tow = towOf(unixNs - GPS_EPOCH_UNIX_NS + 18n * NS);
      return b % 2 === 0 ? { last: 0, ...tow } : { last: 3, ...tow };
    });
    return kiwiWav(specs, tone(blocks, rateHz));
  };
  return {
    name: 'kiwi-wav',
    kind: 'bytes',
    seeds: [wav(5, 12001.13), wav(8, 12000.9), wav(6, 12001)],
    source: KIWI_NAME,
    run: (input) => parseKiwiWav(input, KIWI_NAME),
    check: checkRecording,
  };
}

/** SigMF recordings as the writer makes them: cf32 and ci16, with and without position and core:sha512. */
function sigmfSeeds(dir: string): { meta: Uint8Array; data: Uint8Array }[] {
  const out: { meta: Uint8Array; data: Uint8Array }[] = [];
  const variants = [
    { iq: iq(64), geolocation: { lat: 45.1, lon: 7.6, altM: 300 } },
    { iq: Int16Array.from(iq(64, 20000), Math.round) },
    { iq: iq(1) },
  ];
  variants.forEach((v, i) => {
    const base = `seed${i}`;
    const r = writeSigmfRecording(dir, base, {
      ...v,
      sampleRateHz: 48000,
      centerFreqHz: 145.5e6,
      datetime: new Date('2026-03-01T10:00:00.123Z'),
      datetimeExtraNs: 456789,
      extraGlobal: { 'heimdall:receiver_id': `rx${i}`, 'heimdall:timestamp_sigma_s': 1e-6 },
      durable: false,
    });
    const meta = JSON.parse(readFileSync(r.metaPath, 'utf8')) as { global: Record<string, unknown>; captures: unknown[] };
    const data = readFileSync(r.dataPath);
    out.push({ meta: utf8(JSON.stringify(meta)), data });
    // Without the hash, so mutated datasets reach the layout and sample checks; with two captures, so the
    // segment arithmetic is exercised.
    delete meta.global['core:sha512'];
    meta.captures = [
      { ...(meta.captures[0] as object), 'core:sample_start': 0 },
      { 'core:sample_start': 1, 'core:header_bytes': 0, 'core:datetime': '2026-03-01T10:00:00.2Z' },
    ];
    out.push({ meta: utf8(JSON.stringify(meta)), data });
  });
  return out;
}

/** Reads and probes the recording at `base` (both must agree that it is valid or refuse it clearly). */
function readSigmf(base: string) {
  const probe = probeSigmfRecording(`${base}.sigmf-meta`);
  const recording = readSigmfRecording(`${base}.sigmf-meta`);
  return { probe, recording };
}

const checkSigmf = (r: unknown) => {
  const { probe, recording } = r as ReturnType<typeof readSigmf>;
  return checkProbe(probe) ?? checkRecording(recording);
};

export function sigmfMetaTarget(dir: string): FuzzTarget {
  const seeds = sigmfSeeds(dir);
  const base = join(dir, 'fuzz-meta');
  writeFileSync(`${base}.sigmf-data`, seeds[0]?.data as Uint8Array);
  return {
    name: 'sigmf-meta',
    kind: 'json',
    // One dataset for every meta: seeds whose sample type differs still describe bytes of a fitting size.
    seeds: seeds.filter((s) => s.data.byteLength === seeds[0]?.data.byteLength).map((s) => s.meta),
    source: 'fuzz-meta.sigmf-',
    run: (input) => {
      writeFileSync(`${base}.sigmf-meta`, input);
      return readSigmf(base);
    },
    check: checkSigmf,
  };
}

export function sigmfDataTarget(dir: string): FuzzTarget {
  const seeds = sigmfSeeds(dir);
  const metas = seeds.map((s) => s.meta);
  const base = join(dir, 'fuzz-data');
  return {
    name: 'sigmf-data',
    kind: 'bytes',
    // Each seed is a 4-byte index of the meta to pair it with, then the dataset: byte mutations hit the dataset
    // mostly, and sometimes switch it to another meta (another sample type, one or two captures).
    seeds: seeds.map((s, i) => {
      const head = Buffer.alloc(4);
      head.writeUInt32LE(i);
      return Buffer.concat([head, s.data]);
    }),
    source: 'fuzz-data.sigmf-',
    run: (input) => {
      const which = input.byteLength >= 4 ? Buffer.from(input).readUInt32LE(0) % metas.length : 0;
      writeFileSync(`${base}.sigmf-meta`, metas[which] as Uint8Array);
      writeFileSync(`${base}.sigmf-data`, input.subarray(4));
      return readSigmf(base);
    },
    check: checkSigmf,
  };
}
