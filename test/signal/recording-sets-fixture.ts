// Small recordings for the grouping tests: SigMF and .npy recordings at given times, and a KiwiSDR "moment" (one
// WAV per station with the same file-name time), on disk.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpyRecording } from '../../src/signal/formats/index.js';
import { writeSigmfCollection, writeSigmfRecording } from '../../src/signal/sigmf/index.js';
import { randomValues } from '../helpers.js';
import { writeKiwiIqWav } from './kiwi-wav-fixture.js';

export const RATE_HZ = 100_000;
export const FREQ_HZ = 145_500_000;
/** 2023-11-14T22:13:20Z, ns. */
export const T0_NS = 1_700_000_000_000_000_000n;
export const MS = 1_000_000n;

/** `seconds` of noise at RATE_HZ (seeded by `seed`). */
export function noise(seconds: number, seed: number): Float32Array {
  return Float32Array.from(randomValues(2 * Math.round(seconds * RATE_HZ), seed, -0.1, 0.1));
}

/** A SigMF recording `<dir>/<rx>.sigmf-meta` of receiver `rx` starting at `startNs` (ms resolution), `seconds` long. */
export function sigmfAt(dir: string, rx: string, startNs: bigint, seconds = 0.1, freqHz = FREQ_HZ, seed = 1): string {
  mkdirSync(dir, { recursive: true });
  return writeSigmfRecording(dir, rx, {
    iq: noise(seconds, seed),
    sampleRateHz: RATE_HZ,
    centerFreqHz: freqHz,
    datetime: new Date(Number(startNs / MS)),
    extraGlobal: { 'heimdall:receiver_id': rx },
  }).metaPath;
}

/** `<dir>/<name>.npy` + sidecar of receiver `rx` starting at `startNs` (null: no start time), `seconds` long. */
export function npyAt(dir: string, name: string, rx: string, startNs: bigint | null, seconds = 0.1, seed = 2): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.npy`);
  writeNpyRecording(path, {
    iq: noise(seconds, seed),
    sampleRateHz: RATE_HZ,
    centerFreqHz: FREQ_HZ,
    startUnixNs: startNs,
    timestampSigmaS: startNs === null ? null : 1e-6,
    receiver: { id: rx },
    source: path,
    meta: {},
  });
  return path;
}

/** A collection `<dir>/<name>.sigmf-collection` of SigMF recordings of the given receivers, all at `startNs`. */
export function collectionAt(dir: string, name: string, rxs: string[], startNs: bigint): string {
  mkdirSync(dir, { recursive: true });
  const streams = rxs.map((rx, i) => {
    const r = writeSigmfRecording(dir, rx, {
      iq: noise(0.05, 10 + i),
      sampleRateHz: RATE_HZ,
      centerFreqHz: FREQ_HZ,
      datetime: new Date(Number(startNs / MS)),
      extraGlobal: { 'heimdall:receiver_id': rx },
    });
    return { baseName: rx, metaSha512: r.sha512 };
  });
  return writeSigmfCollection(dir, name, { streams });
}

export const STATIONS = ['F1JEK', 'G8JNJ', 'DF0KL'];

/** Where a KiwiSDR moment's first sample is, after the whole second its file names give. */
export const KIWI_START_OFFSET_NS = 150n * MS;

/**
 * One KiwiSDR WAV per station, all named with the whole second `startNs` (their first samples KIWI_START_OFFSET_NS
 * later, 1 µs apart); returns the paths in station order.
 */
export function kiwiMoment(dir: string, startNs: bigint, stations = STATIONS): string[] {
  mkdirSync(dir, { recursive: true });
  return stations.map((s, i) => writeKiwiIqWav(dir, s, startNs + KIWI_START_OFFSET_NS + BigInt(i) * 1000n));
}
