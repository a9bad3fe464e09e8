// Normalization statistics computed over the TRAINING set and stored with the model: one mean
// and σ per mel band and per scalar, shared by all receivers and frames. The same affine map for
// every receiver keeps the power differences between receivers — the signal that carries the
// position (the original z-scored each sample and erased it).

import type { Batch } from './batch.js';
import type { TransmissionFeatures } from './extract.js';
import { SCALAR_COUNT, SCALAR_NAMES } from './scalars.js';

export interface FeatureStats {
  melBands: number;
  frames: number;
  melMean: number[];
  melStd: number[];
  scalarNames: string[];
  scalarMean: number[];
  scalarStd: number[];
  /** Receiver recordings the statistics were computed from. */
  count: number;
}

/** Streaming mean/variance (Chan et al.'s parallel form of Welford's algorithm). */
class Moments {
  n = 0;
  mean = 0;
  m2 = 0;
  addBatch(count: number, sum: number, sumSqDev: number): void {
    if (count === 0) return;
    const mean = sum / count;
    const delta = mean - this.mean;
    const n = this.n + count;
    this.mean += (delta * count) / n;
    this.m2 += sumSqDev + (delta * delta * this.n * count) / n;
    this.n = n;
  }
  std(): number {
    return this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 1;
  }
}

export class FeatureStatsAccumulator {
  readonly #mel: Moments[];
  readonly #scalars: Moments[];
  #count = 0;

  constructor(
    readonly melBands: number,
    readonly frames: number,
  ) {
    this.#mel = Array.from({ length: melBands }, () => new Moments());
    this.#scalars = Array.from({ length: SCALAR_COUNT }, () => new Moments());
  }

  /** Adds every present receiver of a transmission. */
  add(f: TransmissionFeatures): void {
    const block = this.melBands * this.frames;
    f.mask.forEach((present, r) => {
      if (!present) return;
      this.#count++;
      for (let b = 0; b < this.melBands; b++) {
        const row = f.mel.subarray(r * block + b * this.frames, r * block + (b + 1) * this.frames);
        let sum = 0;
        for (const v of row) sum += v;
        const mean = sum / row.length;
        let dev = 0;
        for (const v of row) dev += (v - mean) ** 2;
        (this.#mel[b] as Moments).addBatch(row.length, sum, dev);
      }
      for (let s = 0; s < SCALAR_COUNT; s++)
        (this.#scalars[s] as Moments).addBatch(1, f.scalars[r * SCALAR_COUNT + s] as number, 0);
    });
  }

  /** Adds every transmission of a batch (assembleBatch's layout, `receivers` per transmission). */
  addBatch(b: Pick<Batch, 'size' | 'mel' | 'scalars' | 'mask'>, receivers: number): void {
    const block = receivers * this.melBands * this.frames;
    const scalars = receivers * SCALAR_COUNT;
    for (let i = 0; i < b.size; i++) {
      this.add({
        receivers: [],
        mel: b.mel.subarray(i * block, (i + 1) * block),
        scalars: b.scalars.subarray(i * scalars, (i + 1) * scalars),
        mask: b.mask.subarray(i * receivers, (i + 1) * receivers),
        tdoa: [],
      });
    }
  }

  finish(): FeatureStats {
    if (this.#count === 0) throw new Error('FeatureStats: no receiver recordings were added (empty training set?)');
    // A constant feature (σ = 0, e.g. a flag that never changes) is left unscaled.
    const safe = (s: number) => (s > 1e-12 ? s : 1);
    return {
      melBands: this.melBands,
      frames: this.frames,
      melMean: this.#mel.map((m) => m.mean),
      melStd: this.#mel.map((m) => safe(m.std())),
      scalarNames: [...SCALAR_NAMES],
      scalarMean: this.#scalars.map((m) => m.mean),
      scalarStd: this.#scalars.map((m) => safe(m.std())),
      count: this.#count,
    };
  }
}

/** Normalizes in place: (x − mean) / σ for present receivers; absent ones stay 0. */
/**
 * Normalized values are clipped to ±this many training σ's: an input far outside what training saw
 * (a wrong correlation peak puts an arrival time 70 ms off, ~10⁴ σ) must not drive the network to
 * extrapolate — it once moved a position by thousands of km. Within ±10 σ nothing changes.
 */
export const NORMALIZED_CLIP = 10;

const clip = (v: number): number => (v > NORMALIZED_CLIP ? NORMALIZED_CLIP : v < -NORMALIZED_CLIP ? -NORMALIZED_CLIP : v);

export function normalizeFeatures(f: TransmissionFeatures, s: FeatureStats): void {
  // Statistics of other scalars would shift the wrong values (or read past their arrays: NaN).
  if (s.scalarNames.join() !== SCALAR_NAMES.join()) {
    throw new RangeError(
      `normalizeFeatures: statistics for scalars [${s.scalarNames.join(', ')}], features have [${SCALAR_NAMES.join(', ')}]`,
    );
  }
  const block = s.melBands * s.frames;
  if (f.mel.length !== f.mask.length * block) {
    throw new RangeError(
      `normalizeFeatures: features hold ${f.mel.length / f.mask.length} values per receiver, statistics describe ${block}`,
    );
  }
  f.mask.forEach((present, r) => {
    if (!present) return;
    for (let b = 0; b < s.melBands; b++) {
      const mean = s.melMean[b] as number;
      const inv = 1 / (s.melStd[b] as number);
      const start = r * block + b * s.frames;
      for (let i = start; i < start + s.frames; i++) f.mel[i] = clip(((f.mel[i] as number) - mean) * inv);
    }
    for (let k = 0; k < SCALAR_COUNT; k++) {
      const i = r * SCALAR_COUNT + k;
      f.scalars[i] = clip(((f.scalars[i] as number) - (s.scalarMean[k] as number)) / (s.scalarStd[k] as number));
    }
  });
}
