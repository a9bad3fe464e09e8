// Synthetic kiwirecorder --kiwi-wav files, built byte by byte after kiwirecorder.py's own struct.pack calls
// ('<4sI4s' RIFF, '<4sIHHIIHH' fmt, then per block '<4sIBBII' kiwi + '<4sI' data + 512 int16 I/Q pairs), with
// timestamps that behave like a real receiver's: a garbage first block, fresh fixes every few seconds, stale
// extrapolated timestamps in between, and outliers among the fresh ones. Shared by the reader's and the grouping tests.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../helpers.js';

export const NS = 1_000_000_000n;
export const GPS_EPOCH_UNIX_NS = 315_964_800n * NS; // 1980-01-06T00:00:00Z
export const WEEK_NS = 604_800n * NS;

/** Little-endian bytes, one at a time. */
export class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  length = 0;
  u8(v: number): this {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u8(v)
      .u8(v >>> 8)
      .u8(v >>> 16)
      .u8(v >>> 24);
  }
  ascii(s: string): this {
    for (const ch of s) this.u8(ch.charCodeAt(0));
    return this;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export interface BlockSpec {
  last: number;
  gpssec: number;
  gpsnsec: number;
}

export interface WavOptions {
  rateHz?: number;
  format?: number;
  channels?: number;
  bits?: number;
  /** Declared data chunk size (kiwirecorder writes 2048 for 512 I/Q pairs). */
  dataBytes?: number;
}

/** A kiwirecorder --kiwi-wav file: 36-byte header, then per block an 18-byte kiwi chunk and a 2056-byte data chunk. */
export function kiwiWav(blocks: BlockSpec[], samples: Int16Array, o: WavOptions = {}): Uint8Array {
  const rate = o.rateHz ?? 12001;
  const channels = o.channels ?? 2;
  const bits = o.bits ?? 16;
  const w = new ByteWriter();
  const total = 36 + blocks.length * 2074;
  w.ascii('RIFF')
    .u32(total - 8)
    .ascii('WAVE');
  w.ascii('fmt ')
    .u32(16)
    .u16(o.format ?? 1)
    .u16(channels)
    .u32(rate)
    .u32((rate * channels * bits) / 8);
  w.u16((channels * bits) / 8).u16(bits);
  blocks.forEach((b, i) => {
    w.ascii('kiwi').u32(10).u8(b.last).u8(0).u32(b.gpssec).u32(b.gpsnsec);
    w.ascii('data').u32(o.dataBytes ?? 2048);
    for (let k = 0; k < 1024; k++) w.u16(samples[i * 1024 + k] as number);
  });
  return w.bytes();
}

/** A test tone (int16 I/Q) with the int16 extremes in the first samples. */
export function tone(blocks: number, rateHz: number): Int16Array {
  const s = new Int16Array(blocks * 1024);
  for (let k = 0; k < blocks * 512; k++) {
    const ph = (2 * Math.PI * 1500 * k) / rateHz;
    s[2 * k] = Math.round(20000 * Math.cos(ph));
    s[2 * k + 1] = Math.round(20000 * Math.sin(ph));
  }
  s.set([-32768, 32767, -1, 1], 0);
  return s;
}

export interface Scenario {
  /** Truth: Unix time (ns) of sample 0. */
  startUnixNs: bigint;
  trueRateHz: number;
  nominalRateHz: number;
  blocks: number;
  firstFix: number;
  fixEvery: number;
  /** GPS − UTC (s) used to encode the timestamps. */
  leapS: number;
  /** Fresh-fix block → ns added to its timestamp. */
  offsets?: Record<number, bigint>;
  /** Fresh-fix block → raw (gpssec, gpsnsec) replacing its timestamp. */
  garbage?: Record<number, [number, number]>;
}

export interface Generated {
  blocks: BlockSpec[];
  fixes: number[];
  /** Worst |error| (ns) of the stale, receiver-extrapolated timestamps (blocks that are not fresh fixes). */
  worstStaleErrorNs: number;
}

export function towOf(gpsNs: bigint): { gpssec: number; gpsnsec: number } {
  const tow = ((gpsNs % WEEK_NS) + WEEK_NS) % WEEK_NS;
  return { gpssec: Number(tow / NS), gpsnsec: Number(tow % NS) };
}

/** Timestamps like a receiver's: see the file comment. Non-fix blocks are extrapolated at the nominal rate. */
export function generate(sc: Scenario): Generated {
  const rand = prng(7);
  const trueNs = (b: number): bigint => sc.startUnixNs + BigInt(Math.round(((512 * b) / sc.trueRateHz) * 1e9));
  const gpsNs = (unixNs: bigint): bigint => unixNs - GPS_EPOCH_UNIX_NS + BigInt(sc.leapS) * NS;
  const blocks: BlockSpec[] = [{ last: 0, gpssec: 123457, gpsnsec: 0 }]; // the server's uninitialised first packet
  const fixes: number[] = [];
  let worst = 0;
  for (let b = 1; b < sc.blocks; b++) {
    const isFix = b >= sc.firstFix && (b - sc.firstFix) % sc.fixEvery === 0;
    if (isFix) {
      fixes.push(b);
      const jitter = BigInt(Math.round((rand() - 0.5) * 600)); // ±300 ns
      let t = towOf(gpsNs(trueNs(b)) + jitter + (sc.offsets?.[b] ?? 0n));
      const g = sc.garbage?.[b];
      if (g) t = { gpssec: g[0], gpsnsec: g[1] };
      blocks.push({ last: 0, ...t });
      continue;
    }
    const virtual = b < sc.firstFix; // before the first fix in the file: a fix before the recording started
    const f = virtual ? sc.firstFix - sc.fixEvery : sc.firstFix + Math.floor((b - sc.firstFix) / sc.fixEvery) * sc.fixEvery;
    const ageS = ((b - f) * 512) / sc.trueRateHz;
    const staleNs = gpsNs(trueNs(f)) + BigInt(Math.round(((b - f) * 512 * 1e9) / sc.nominalRateHz)) + (virtual ? 40_000n : 0n);
    worst = Math.max(worst, Math.abs(Number(staleNs - gpsNs(trueNs(b)))));
    blocks.push({ last: Math.min(254, Math.floor(ageS) + (virtual ? 3 : 0)), ...towOf(staleNs) });
  }
  return { blocks, fixes, worstStaleErrorNs: worst };
}

/**
 * Writes a good KiwiSDR IQ WAV named `<YYYYMMDDTHHMMSSZ>_<freqHz>_<station>_iq.wav` (the name's time is the start's
 * whole second) into `dir`: 200 blocks (8.5 s at 12001 Hz) with a fresh GNSS fix every 50 blocks (2.1 s). Returns its path.
 */
export function writeKiwiIqWav(dir: string, station: string, startUnixNs: bigint, freqHz = 7_850_000): string {
  const sc: Scenario = {
    startUnixNs,
    trueRateHz: 12001.07,
    nominalRateHz: 12001,
    blocks: 200,
    firstFix: 13,
    fixEvery: 50,
    leapS: 18,
  };
  const stamp = new Date(Number(startUnixNs / 1_000_000n))
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const path = join(dir, `${stamp}_${freqHz}_${station}_iq.wav`);
  // Two samples tell files apart (distinct content, so imports do not see duplicates).
  const samples = tone(sc.blocks, sc.trueRateHz);
  samples[4] = Number((startUnixNs / 1_000_000_000n) % 30_000n);
  samples[5] = [...station].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  writeFileSync(path, kiwiWav(generate(sc).blocks, samples));
  return path;
}
