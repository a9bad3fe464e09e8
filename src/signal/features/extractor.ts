// Feature extraction for many transmissions: per-recording features come from the cache or are
// computed in worker threads (in parallel, off the caller's event loop), then assembled in the
// network's receiver order. Deterministic: results do not depend on the worker count.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Recording, RecordingError } from '../recording.js';
import { type FeatureCache, featureKey } from './cache.js';
import type { FeatureConfig } from './config.js';
import {
  checkRecording,
  extractFeatures,
  type RecordingFeatures,
  recordingFeatures,
  type TransmissionFeatures,
} from './extract.js';

interface Pending {
  resolve: (f: RecordingFeatures[]) => void;
  reject: (e: Error) => void;
  source: string;
}

export interface ExtractorOptions {
  config: FeatureConfig;
  /** Network receiver ids, in model input order. */
  receivers: string[];
  cache?: FeatureCache;
  /** Worker threads (default: cores − 1, at least 1; 0 computes in this thread). */
  workers?: number;
}

export class FeatureExtractor {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  computed = 0;

  constructor(readonly o: ExtractorOptions) {
    const count = o.workers ?? Math.max(1, availableParallelism() - 1);
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL('./feature-worker.js', import.meta.url));
      w.on('message', (m: { id: number; features?: RecordingFeatures[]; error?: string }) => {
        const p = this.#pending.get(m.id);
        if (p === undefined) return;
        this.#pending.delete(m.id);
        this.#refWhileBusy();
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.features as RecordingFeatures[]);
      });
      w.on('error', (err) => {
        for (const p of this.#pending.values()) p.reject(new RecordingError(p.source, `feature worker failed: ${err.message}`));
        this.#pending.clear();
      });
      w.unref(); // idle workers must not keep the process alive; busy ones do (#refWhileBusy)
      this.#workers.push(w);
    }
  }

  /** Features of several recordings: one message per transmission keeps messaging overhead low. */
  #compute(recordings: Recording[]): Promise<RecordingFeatures[]> {
    if (this.#workers.length === 0) return Promise.resolve(recordings.map((r) => recordingFeatures(r, this.o.config)));
    const id = this.#next++;
    const worker = this.#workers[id % this.#workers.length] as Worker;
    // Send only the samples the features use (copies: the caller keeps its recordings).
    const slim = recordings.map((r) => ({
      ...r,
      iq: r.iq.slice(0, 2 * this.o.config.samples),
      meta: {
        'heimdall:full_scale_dbm': r.meta['heimdall:full_scale_dbm'],
        'heimdall:calibration_offset_db': r.meta['heimdall:calibration_offset_db'],
      },
    }));
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, source: recordings[0]?.source ?? '?' });
      this.#refWhileBusy();
      worker.postMessage(
        { id, recordings: slim, config: this.o.config },
        slim.map((r) => r.iq.buffer as ArrayBuffer),
      );
    });
  }

  /** Workers keep the event loop alive only while a job is outstanding. */
  #refWhileBusy(): void {
    for (const w of this.#workers) {
      if (this.#pending.size > 0) w.ref();
      else w.unref();
    }
  }

  /**
   * Features of one transmission (its recordings from any subset of the network). `keys` (one per
   * recording) replace the cache keys computed from the samples, e.g. contentFeatureKey of a
   * catalog blob, so a caller can look entries up later without the IQ. `precomputed` (one per
   * recording, undefined where unknown) are features the caller already read from the cache.
   */
  async extract(
    recordings: Recording[],
    o: { keys?: string[]; precomputed?: (RecordingFeatures | undefined)[] } = {},
  ): Promise<TransmissionFeatures> {
    for (const r of recordings) checkRecording(r, this.o.config); // fail fast, with the file named
    const cache = this.o.cache;
    if (o.keys !== undefined && o.keys.length !== recordings.length)
      throw new RangeError(`extract: ${o.keys.length} cache keys for ${recordings.length} recordings`);
    const keys = cache ? (o.keys ?? recordings.map((r) => featureKey(r, this.o.config))) : [];
    const precomputed: (RecordingFeatures | undefined)[] = recordings.map(
      (_, i) => o.precomputed?.[i] ?? cache?.get(keys[i] as string, this.o.config),
    );
    const missing = recordings.map((_, i) => i).filter((i) => precomputed[i] === undefined);
    if (missing.length > 0) {
      const computed = await this.#compute(missing.map((i) => recordings[i] as Recording));
      missing.forEach((i, k) => {
        const f = computed[k] as RecordingFeatures;
        precomputed[i] = f;
        cache?.put(keys[i] as string, f);
      });
      this.computed += missing.length;
    }
    return extractFeatures(recordings, this.o.receivers, this.o.config, { precomputed });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#workers.length = 0;
  }
}
