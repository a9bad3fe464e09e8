// Feature extraction for many transmissions: per-recording features and each transmission's time
// differences come from the cache or are computed in worker threads (in parallel, off the caller's
// event loop), then assembled in the network's receiver order. Deterministic: results do not
// depend on the worker count.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Recording, RecordingError } from '../recording.js';
import { isPreciselyTimed, MAX_TIMESTAMP_SIGMA_S, needsTimeDifferences } from '../timing/clock-rule.js';
import { type FeatureCache, featureKey } from './cache.js';
import type { FeatureConfig } from './config.js';
import { checkRecording, extractFeatures, type RecordingFeatures, type TransmissionFeatures } from './extract.js';
import { type FeatureJob, type FeatureReply, runFeatureJob } from './feature-worker.js';
import type { SessionTiming } from './session-timing.js';

interface Pending {
  resolve: (r: { features: RecordingFeatures[]; timing?: SessionTiming }) => void;
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
  /** Clocks at least this good (s) take part in time differences; default MAX_TIMESTAMP_SIGMA_S. */
  maxTimestampSigmaS?: number;
}

export interface ExtractRequest {
  /**
   * Cache keys, one per recording, replacing those computed from the samples (e.g. contentFeatureKey
   * of a catalog blob), so a caller can look entries up later without the IQ.
   */
  keys?: string[];
  /** Features the caller already read from the cache (undefined where unknown), one per recording. */
  precomputed?: (RecordingFeatures | undefined)[];
  /** Key of the transmission's timing (cache.ts timingKey); without it timing is computed, not cached. */
  timingKey?: string;
}

export class FeatureExtractor {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  /** Recordings whose features were computed (not served by the cache). */
  computed = 0;
  /** Transmissions whose time differences were computed (not served by the cache). */
  timed = 0;

  constructor(readonly o: ExtractorOptions) {
    const count = o.workers ?? Math.max(1, availableParallelism() - 1);
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL('./feature-worker.js', import.meta.url));
      w.on('message', (m: FeatureReply) => {
        const p = this.#pending.get(m.id);
        if (p === undefined) return;
        this.#pending.delete(m.id);
        this.#refWhileBusy();
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve({ features: m.features ?? [], ...(m.timing ? { timing: m.timing } : {}) });
      });
      w.on('error', (err) => {
        for (const p of this.#pending.values()) p.reject(new RecordingError(p.source, `feature worker failed: ${err.message}`));
        this.#pending.clear();
      });
      w.unref(); // idle workers must not keep the process alive; busy ones do (#refWhileBusy)
      this.#workers.push(w);
    }
  }

  get #maxSigmaS(): number {
    return this.o.maxTimestampSigmaS ?? MAX_TIMESTAMP_SIGMA_S;
  }

  /** One message per transmission keeps messaging overhead low. */
  #run(job: Omit<FeatureJob, 'id'>): Promise<{ features: RecordingFeatures[]; timing?: SessionTiming }> {
    if (this.#workers.length === 0) return Promise.resolve(runFeatureJob({ ...job, id: -1 }));
    const id = this.#next++;
    const worker = this.#workers[id % this.#workers.length] as Worker;
    // Send only what the work reads (copies: the caller keeps its recordings): the feature window
    // of untimed recordings; the whole recording, with its time-base metadata, of timed ones.
    const timing = job.timingMaxSigmaS;
    const slim = job.recordings.map((r) => {
      const whole = timing !== null && isPreciselyTimed(r, timing);
      return {
        ...r,
        iq: whole ? r.iq.slice() : r.iq.slice(0, 2 * this.o.config.samples),
        meta: whole
          ? r.meta
          : {
              'heimdall:full_scale_dbm': r.meta['heimdall:full_scale_dbm'],
              'heimdall:calibration_offset_db': r.meta['heimdall:calibration_offset_db'],
            },
      };
    });
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, source: job.recordings[0]?.source ?? '?' });
      this.#refWhileBusy();
      worker.postMessage(
        { ...job, id, recordings: slim } satisfies FeatureJob,
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

  /** Features of one transmission (its recordings from any subset of the network). */
  async extract(recordings: Recording[], o: ExtractRequest = {}): Promise<TransmissionFeatures> {
    for (const r of recordings) checkRecording(r, this.o.config); // fail fast, with the file named
    const cache = this.o.cache;
    if (o.keys !== undefined && o.keys.length !== recordings.length)
      throw new RangeError(`extract: ${o.keys.length} cache keys for ${recordings.length} recordings`);
    const keys = cache ? (o.keys ?? recordings.map((r) => featureKey(r, this.o.config))) : [];
    const precomputed: (RecordingFeatures | undefined)[] = recordings.map(
      (_, i) => o.precomputed?.[i] ?? cache?.get(keys[i] as string, this.o.config),
    );
    let timing = cache && o.timingKey !== undefined ? await cache.getTiming(o.timingKey) : undefined;
    const wantTiming = timing === undefined && needsTimeDifferences(recordings, this.#maxSigmaS);
    const missing = recordings.map((_, i) => i).filter((i) => precomputed[i] === undefined);
    if (missing.length > 0 || wantTiming) {
      const out = await this.#run({
        recordings,
        compute: missing,
        timingMaxSigmaS: wantTiming ? this.#maxSigmaS : null,
        config: this.o.config,
      });
      missing.forEach((i, k) => {
        const f = out.features[k] as RecordingFeatures;
        precomputed[i] = f;
        cache?.put(keys[i] as string, f);
      });
      this.computed += missing.length;
      if (out.timing !== undefined) {
        timing = out.timing;
        this.timed++;
        if (cache && o.timingKey !== undefined) cache.putTiming(o.timingKey, timing);
      }
    }
    return extractFeatures(recordings, this.o.receivers, this.o.config, {
      precomputed,
      maxTimestampSigmaS: this.#maxSigmaS,
      ...(timing ? { timing } : {}),
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#workers.length = 0;
  }
}
