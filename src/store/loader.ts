// Streams training batches of a dataset split: {mel, scalars, mask, target} with bounded memory.
// Per epoch the sessions are shuffled with (seed, epoch); targets are the transmitter's
// east/north metres in the network's local frame. Features come, fastest first, from
//   1. memory: assembled per-session features kept up to a byte budget (warm epochs of a
//      dataset that fits: no file access at all — the loader must hide behind a training step);
//   2. the feature cache on disk, keyed by the catalog's blob hashes (no IQ read, no hashing);
//   3. the extractor (blob read + worker threads), a few batches ahead of the consumer.
// The catalog rows of the whole split are read once, at create().
import { totalmem } from 'node:os';
import type { LocalFrame } from '../geo/local-frame.js';
import { Rng } from '../math/rng.js';
import { assembleBatch, type Batch, type BatchSource } from '../signal/features/batch.js';
import { contentFeatureKey, timingKey } from '../signal/features/cache.js';
import {
  assembleFeatures,
  fullScaleOffsetDbOf,
  type RecordingFeatures,
  type TransmissionFeatures,
} from '../signal/features/extract.js';
import type { FeatureExtractor } from '../signal/features/extractor.js';
import { type PriorSpec, prepareForModel } from '../signal/features/prior.js';
import { PriorPool } from '../signal/features/prior-pool.js';
import { applyTiming } from '../signal/features/session-timing.js';
import type { FeatureStats } from '../signal/features/stats.js';
import type { Recording } from '../signal/recording.js';
import { MAX_TIMESTAMP_SIGMA_S, needsTimeDifferences } from '../signal/timing/clock-rule.js';
import type { BlobStore } from './blobs/blob-store.js';
import type { Catalog } from './catalog/catalog.js';
import type { MeasurementRow } from './catalog/types.js';
import { measurementRecording } from './measurement-recording.js';
import type { Split } from './split.js';

export interface LoaderOptions {
  catalog: Catalog;
  blobs: BlobStore;
  extractor: FeatureExtractor;
  frame: LocalFrame;
  datasetId: number;
  split: Split;
  batchSize: number;
  seed: number;
  shuffle?: boolean;
  /** Normalization statistics (from the training split); omit for raw features. */
  stats?: FeatureStats;
  /**
   * The physics prior to compute per session (a model that corrects it needs it): a spec (computed
   * here) or a PriorPool (worker threads, remembered across the run's loaders); omit for none.
   */
  prior?: PriorSpec | PriorPool;
  /** Batches prepared ahead of the consumer (bounds memory). Default 3. */
  prefetch?: number;
  /**
   * Bytes of assembled, normalized features kept in memory across epochs; sessions beyond the
   * budget are re-read from the disk cache each epoch. Default a quarter of the machine's memory; 0 disables.
   */
  memoryBytes?: number;
  dropLast?: boolean;
}

interface SessionRef {
  id: number;
  east: number;
  north: number;
}

/** Default memory budget of one loader: a quarter of the machine's memory (6 GiB on 24 GiB). */
export const DEFAULT_LOADER_MEMORY_BYTES = Math.floor(totalmem() / 4);

export class DatasetLoader implements BatchSource {
  /** Normalized features per session, filled until the memory budget is reached. */
  readonly #memory = new Map<number, TransmissionFeatures>();
  #memoryBytes = 0;

  private constructor(
    readonly o: LoaderOptions,
    readonly sessions: SessionRef[],
    readonly measurements: Map<number, MeasurementRow[]>,
  ) {}

  /** Sessions whose features are held in memory (for tests and diagnostics). */
  get sessionsInMemory(): number {
    return this.#memory.size;
  }

  static async create(o: LoaderOptions): Promise<DatasetLoader> {
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1)
      throw new RangeError(`loader: batchSize must be a positive integer, got ${o.batchSize}`);
    const rows = await o.catalog.datasetSessions(o.datasetId, o.split);
    const sessions = rows.map((s) => {
      if (s.truthLat === null || s.truthLon === null) {
        throw new Error(`loader: session ${s.id} (${s.source}) has no true position; a training dataset needs labelled sessions`);
      }
      const { east, north } = o.frame.toLocal({ lat: s.truthLat, lon: s.truthLon });
      return { id: s.id, east, north };
    });
    const measurements = await o.catalog.datasetMeasurements(o.datasetId, o.split);
    return new DatasetLoader(o, sessions, measurements);
  }

  get batchesPerEpoch(): number {
    const n = this.sessions.length / this.o.batchSize;
    return this.o.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** Session order of an epoch: a seeded shuffle, the same for the same (seed, epoch). */
  order(epoch: number): SessionRef[] {
    const list = [...this.sessions];
    if (this.o.shuffle === false) return list;
    return new Rng(this.o.seed, 'epoch', epoch).shuffle(list);
  }

  #measurementsOf(sessionId: number): MeasurementRow[] {
    const ms = this.measurements.get(sessionId);
    if (ms === undefined || ms.length === 0)
      throw new Error(`loader: session ${sessionId} is in the dataset but has no recordings in the catalog`);
    return ms;
  }

  async #recordings(sessionId: number, ms: MeasurementRow[]): Promise<Recording[]> {
    return Promise.all(ms.map((m) => measurementRecording(this.o.blobs, sessionId, m)));
  }

  /**
   * A session's features, normalized with the loader's statistics (if any): from memory, else
   * from the disk cache by blob hash, else extracted from the IQ (and then cached).
   */
  async #features(sessionId: number): Promise<TransmissionFeatures> {
    const held = this.#memory.get(sessionId);
    if (held !== undefined) return held;
    const ms = this.#measurementsOf(sessionId);
    const { config, receivers, cache } = this.o.extractor.o;
    // Cache keys from catalog rows alone: the blob hashes stand for the IQ.
    const keys = ms.map((m) => contentFeatureKey(m.contentHash, m.sampleRateHz, fullScaleOffsetDbOf(m.meta), config));
    const cached = cache ? await Promise.all(keys.map((k) => cache.getAsync(k, config))) : [];
    const complete = cache !== undefined && cached.every((x) => x !== undefined);
    // Arrival-time features come from the transmission's time differences, cached under a key of
    // the catalog rows alone (content, clocks, config, code): a warm session reads no IQ at all.
    const maxSigmaS = this.o.extractor.o.maxTimestampSigmaS ?? MAX_TIMESTAMP_SIGMA_S;
    const timed = complete && needsTimeDifferences(ms, maxSigmaS);
    const tKey = timingKey(ms, config, maxSigmaS);
    const timing = complete && timed ? await cache.getTiming(tKey) : undefined;
    let f: TransmissionFeatures;
    if (complete && (!timed || timing !== undefined)) {
      f = assembleFeatures(
        ms.map((m) => m.receiverId),
        cached as RecordingFeatures[],
        receivers,
        config,
      );
      if (timing !== undefined) applyTiming(f, timing.tdoas);
    } else {
      f = await this.o.extractor.extract(await this.#recordings(sessionId, ms), { keys, precomputed: cached, timingKey: tKey });
    }
    const prior = this.o.prior;
    if (prior instanceof PriorPool) f.prior = await prior.compute(f); // from the raw scalars, like prepareForModel
    prepareForModel(f, { prior: prior instanceof PriorPool ? undefined : prior, stats: this.o.stats });
    const bytes = f.mel.byteLength + f.scalars.byteLength + f.mask.byteLength + (f.prior?.byteLength ?? 0);
    if (this.#memoryBytes + bytes <= (this.o.memoryBytes ?? DEFAULT_LOADER_MEMORY_BYTES)) {
      this.#memory.set(sessionId, f);
      this.#memoryBytes += bytes;
    }
    return f;
  }

  async #batch(refs: SessionRef[]): Promise<Batch> {
    const { config: c, receivers } = this.o.extractor.o;
    const features = await Promise.all(refs.map((s) => this.#features(s.id)));
    return assembleBatch(
      features,
      { receivers: receivers.length, melBands: c.melBands, frames: c.frames },
      { targets: refs, sessionIds: refs.map((s) => s.id) },
    );
  }

  /** The batches of one epoch, prepared up to `prefetch` ahead; order fixed by (seed, epoch). */
  async *epoch(epoch: number): AsyncGenerator<Batch> {
    const order = this.order(epoch);
    const size = this.o.batchSize;
    const groups: SessionRef[][] = [];
    for (let i = 0; i < order.length; i += size) {
      const g = order.slice(i, i + size);
      if (g.length < size && this.o.dropLast) break;
      groups.push(g);
    }
    const ahead = Math.max(1, this.o.prefetch ?? 3);
    const pending: Promise<Batch>[] = [];
    let next = 0;
    const fill = () => {
      while (pending.length < ahead && next < groups.length) {
        const p = this.#batch(groups[next++] as SessionRef[]);
        // A prefetched batch may fail before it is awaited: mark it handled here (the error is
        // still thrown where the consumer awaits it) so Node does not abort on an unhandled rejection.
        p.catch(() => {});
        pending.push(p);
      }
    };
    fill();
    while (pending.length > 0) {
      const batch = await (pending.shift() as Promise<Batch>);
      fill();
      yield batch;
    }
  }
}
