// Feature cache keyed by content: SHA-256 of the samples the features use, the sample rate, the
// calibration offset, the feature configuration and the feature-code version. Same content →
// same key, whatever the file is called; any change of parameters or of the feature code
// (FEATURE_CODE_VERSION) → a new key, so stale features are never served. Files are written atomically (temp + rename);
// an unreadable or wrong-sized entry is treated as a miss and rewritten.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-file.js';
import type { Recording } from '../recording.js';
import { FEATURE_CODE_VERSION } from './code-version.js';
import type { FeatureConfig } from './config.js';
import { fullScaleOffsetDb, type RecordingFeatures } from './extract.js';
import { SCALAR_COUNT } from './scalars.js';
import type { SessionTiming } from './session-timing.js';

const MAGIC = 0x31434648; // "HFC1"
const HEADER = 12;

export function featureKey(r: Recording, c: FeatureConfig, codeVersion = FEATURE_CODE_VERSION): string {
  const h = createHash('sha256');
  const iq = r.iq.subarray(0, 2 * c.samples);
  h.update(new Uint8Array(iq.buffer, iq.byteOffset, iq.byteLength));
  h.update(JSON.stringify({ c, rate: r.sampleRateHz, cal: fullScaleOffsetDb(r), code: codeVersion }));
  return h.digest('hex');
}

/**
 * A key from content already hashed elsewhere (the catalog's SHA-256 of a stored blob), so a
 * warm epoch finds features without reading or hashing any IQ. Distinct from featureKey's keys
 * (a different hash domain), equally content-addressed.
 */
export function contentFeatureKey(
  contentSha256: string,
  sampleRateHz: number,
  fullScaleOffsetDb: number | null,
  c: FeatureConfig,
  codeVersion = FEATURE_CODE_VERSION,
): string {
  return createHash('sha256')
    .update(JSON.stringify({ blob: contentSha256, c, rate: sampleRateHz, cal: fullScaleOffsetDb, code: codeVersion }))
    .digest('hex');
}

/** What a transmission's timing depends on, per recording (a catalog measurement row has all of it). */
export interface TimedRecordingRef {
  receiverId: string;
  contentHash: string;
  sampleRateHz: number;
  startUnixNs: bigint | null;
  timestampSigmaS: number | null;
  /** Time-base fits (KiwiSDR GNSS fit, SigMF capture times) live here. */
  meta: Record<string, unknown>;
  /** The receiver's position: it bounds the lags searched (measure.ts, pairMaxLag). */
  rxLat?: number | null;
  rxLon?: number | null;
}

/**
 * Key of a transmission's timing (session-timing.ts): every recording's content, clock, time-base
 * metadata and receiver position, the feature configuration (its `heard` rule picks the participants), the clock threshold
 * and the code version. Any of them changing gives a new key.
 */
export function timingKey(
  recordings: readonly TimedRecordingRef[],
  c: FeatureConfig,
  maxTimestampSigmaS: number,
  codeVersion = FEATURE_CODE_VERSION,
): string {
  const parts = [...recordings]
    .sort((a, b) => (a.receiverId < b.receiverId ? -1 : a.receiverId > b.receiverId ? 1 : 0))
    .map((r) => [
      r.receiverId,
      r.contentHash,
      r.sampleRateHz,
      r.startUnixNs,
      r.timestampSigmaS,
      r.meta,
      r.rxLat ?? null,
      r.rxLon ?? null,
    ]);
  const json = JSON.stringify({ timing: parts, c, maxTimestampSigmaS, code: codeVersion }, (_k, v) =>
    typeof v === 'bigint' ? `${v}n` : v,
  );
  return createHash('sha256').update(json).digest('hex');
}

export class FeatureCache {
  hits = 0;
  misses = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  #path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.f32`);
  }

  get(key: string, c: FeatureConfig): RecordingFeatures | undefined {
    let buf: Buffer;
    try {
      buf = readFileSync(this.#path(key));
    } catch {
      this.misses++;
      return undefined;
    }
    return this.#decode(buf, c);
  }

  /** As get(), but the read runs on libuv's thread pool: a loader's prefetch overlaps a training step. */
  async getAsync(key: string, c: FeatureConfig): Promise<RecordingFeatures | undefined> {
    let buf: Buffer;
    try {
      buf = await readFile(this.#path(key));
    } catch {
      this.misses++;
      return undefined;
    }
    return this.#decode(buf, c);
  }

  #decode(buf: Buffer, c: FeatureConfig): RecordingFeatures | undefined {
    const melLen = c.melBands * c.frames;
    const ok =
      buf.byteLength === HEADER + 4 * melLen + 8 * SCALAR_COUNT &&
      buf.readUInt32LE(0) === MAGIC &&
      buf.readUInt32LE(4) === melLen;
    if (!ok) {
      this.misses++;
      return undefined;
    }
    const copy = new Uint8Array(buf.byteLength - HEADER);
    copy.set(buf.subarray(HEADER));
    this.hits++;
    return { mel: new Float32Array(copy.buffer, 0, melLen), scalars: new Float64Array(copy.buffer.slice(4 * melLen)) };
  }

  #timingPath(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.timing.json`);
  }

  /** A transmission's cached timing, or undefined (absent or unreadable: a miss, recomputed). */
  async getTiming(key: string): Promise<SessionTiming | undefined> {
    try {
      const v = JSON.parse(await readFile(this.#timingPath(key), 'utf8')) as SessionTiming & { key?: string };
      if (v.key !== key || !Array.isArray(v.tdoas)) return undefined;
      return { tdoas: v.tdoas, reason: v.reason ?? null };
    } catch {
      return undefined;
    }
  }

  putTiming(key: string, t: SessionTiming): void {
    mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
    // The key is stored inside too: a file renamed or copied to another key's name is a miss.
    writeFileAtomic(this.#timingPath(key), [Buffer.from(JSON.stringify({ key, ...t }))], false);
  }

  put(key: string, f: RecordingFeatures): void {
    const path = this.#path(key);
    mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
    const header = Buffer.alloc(HEADER);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(f.mel.length, 4);
    header.writeUInt32LE(f.scalars.length, 8);
    // Not fsync'd: a cache entry lost in a crash is recomputed (a torn one is a miss, see get()).
    writeFileAtomic(
      path,
      [
        header,
        new Uint8Array(f.mel.buffer, f.mel.byteOffset, f.mel.byteLength),
        new Uint8Array(f.scalars.buffer, f.scalars.byteOffset, f.scalars.byteLength),
      ],
      false,
    );
  }
}
