// The physics prior for many transmissions: computed in worker threads (a posterior on a grid costs
// 20–50 ms; a 3,000-transmission run needs thousands) and remembered by content, so the training,
// validation, test and calibration loaders of one run — and the evaluation after it — compute
// each transmission's prior once. Results are physicsPrior's, whichever thread ran it.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { TransmissionFeatures } from './extract.js';
import { type PriorSpec, physicsPrior } from './prior.js';
import type { PriorMessage } from './prior-worker.js';

/** What a prior is computed from: the raw scalars and mask, and the time differences when any. */
type PriorInput = Pick<TransmissionFeatures, 'receivers' | 'scalars' | 'mask'> & { tdoa?: TransmissionFeatures['tdoa'] };

interface Pending {
  resolve: (p: Float32Array) => void;
  reject: (e: Error) => void;
}

export class PriorPool {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #memo = new Map<string, Promise<Float32Array>>();
  #next = 0;
  /** Priors computed (not served from memory), for tests and progress. */
  computed = 0;

  /** `workers`: threads (default: every core; 0 computes on the calling thread). */
  constructor(
    readonly spec: PriorSpec,
    o: { workers?: number } = {},
  ) {
    const count = o.workers ?? availableParallelism();
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL('./prior-worker.js', import.meta.url));
      w.on('message', (m: { id: number; prior?: Float32Array; error?: string }) => {
        const p = this.#pending.get(m.id);
        if (p === undefined) return;
        this.#pending.delete(m.id);
        this.#refWhileBusy();
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.prior as Float32Array);
      });
      w.on('error', (err) => {
        for (const p of this.#pending.values()) p.reject(new Error(`prior worker failed: ${err.message}`));
        this.#pending.clear();
      });
      w.postMessage({ kind: 'init', spec } satisfies PriorMessage);
      w.unref();
      this.#workers.push(w);
    }
  }

  /** Workers keep the event loop alive only while a job is outstanding. */
  #refWhileBusy(): void {
    for (const w of this.#workers) {
      if (this.#pending.size > 0) w.ref();
      else w.unref();
    }
  }

  /** The prior of a transmission from its raw (not yet normalized) features. */
  compute(f: PriorInput): Promise<Float32Array> {
    const key = createHash('sha256')
      .update(f.receivers.join('\n'))
      .update(new Uint8Array(f.scalars.buffer, f.scalars.byteOffset, f.scalars.byteLength))
      .update(f.mask)
      .update(JSON.stringify(f.tdoa ?? []))
      .digest('hex');
    const known = this.#memo.get(key);
    if (known !== undefined) return known.then((p) => Float32Array.from(p));
    const job = this.#run(f);
    this.#memo.set(key, job);
    job.catch(() => this.#memo.delete(key)); // a failure is not remembered
    return job.then((p) => Float32Array.from(p));
  }

  #run(f: PriorInput): Promise<Float32Array> {
    this.computed++;
    if (this.#workers.length === 0) return Promise.resolve().then(() => physicsPrior(this.spec, f));
    const id = this.#next++;
    const worker = this.#workers[id % this.#workers.length] as Worker;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#refWhileBusy();
      worker.postMessage({
        kind: 'job',
        id,
        receivers: [...f.receivers],
        scalars: Float32Array.from(f.scalars),
        mask: Uint8Array.from(f.mask),
        tdoa: f.tdoa ?? [],
      } satisfies PriorMessage);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#workers.length = 0;
  }
}
