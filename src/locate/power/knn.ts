// kNN fingerprinting: a transmission is placed at the mean of the k training transmissions whose
// power fingerprints over the FIXED receivers are closest (RMS difference in dB over the receivers
// running in both). A receiver that was on and heard nothing enters at its floor — a little below
// the weakest power it ever reported in training — so "not heard" is evidence here too; receivers
// that were off are left out of the comparison; mobile receivers are left out altogether (their
// readings depend on where they were, not only on the transmitter). Device offsets do not matter:
// each receiver is compared with itself. k is chosen on validation.
import type { Cov2 } from '../../math/gaussian2d.js';
import { LocateError, type LocationEstimate } from '../types.js';
import { type PowerSample, truthsOf } from './samples.js';

/** A not-heard receiver's fingerprint value: this far below its weakest report in training (dB). */
const FLOOR_BELOW_WEAKEST_DB = 3;
/** Fingerprints are compared only over at least this many common receivers. */
const MIN_COMMON = 3;
/** The k tried on validation. */
export const KNN_CANDIDATES: readonly number[] = [1, 2, 3, 5, 8, 13, 21];

type Fingerprint = Map<string, number>;

export class KnnFingerprints {
  readonly #train: { fp: Fingerprint; east: number; north: number }[];
  readonly #floorDb = new Map<string, number>();

  constructor(train: readonly PowerSample[]) {
    const truths = truthsOf(train, 'kNN fingerprints');
    for (const s of train)
      for (const r of s.readings)
        if (!r.mobile && r.rssDbm !== null) this.#floorDb.set(r.id, Math.min(this.#floorDb.get(r.id) ?? Infinity, r.rssDbm));
    for (const [id, v] of this.#floorDb) this.#floorDb.set(id, v - FLOOR_BELOW_WEAKEST_DB);
    this.#train = train.map((s, k) => ({ fp: this.fingerprint(s), ...(truths[k] as { east: number; north: number }) }));
    if (this.#train.length === 0) throw new RangeError('kNN fingerprints: no training transmissions');
  }

  /** The fixed receivers' values: reported power, or the receiver's floor when it heard nothing. */
  fingerprint(s: PowerSample): Fingerprint {
    const fp: Fingerprint = new Map();
    for (const r of s.readings) {
      if (r.mobile) continue;
      const floor = this.#floorDb.get(r.id);
      if (r.rssDbm !== null) fp.set(r.id, r.rssDbm);
      else if (floor !== undefined) fp.set(r.id, floor); // a receiver never heard in training says nothing
    }
    return fp;
  }

  /** Training transmissions by fingerprint distance (nearest first), those with enough common receivers. */
  neighbours(s: PowerSample): { d: number; east: number; north: number }[] {
    const fp = this.fingerprint(s);
    const out: { d: number; east: number; north: number }[] = [];
    for (const t of this.#train) {
      let sum = 0;
      let n = 0;
      for (const [id, v] of fp) {
        const w = t.fp.get(id);
        if (w === undefined) continue;
        sum += (v - w) ** 2;
        n++;
      }
      if (n >= MIN_COMMON) out.push({ d: Math.sqrt(sum / n), east: t.east, north: t.north });
    }
    return out.sort((a, b) => a.d - b.d);
  }

  /** Mean position of the k nearest; cov: their spread (a crude region, not a calibrated one). */
  locate(s: PowerSample, k: number, sorted = this.neighbours(s)): LocationEstimate {
    const near = sorted.slice(0, k);
    if (near.length === 0)
      throw new LocateError(
        `knn: transmission ${s.id} shares fewer than ${MIN_COMMON} running fixed receivers with every training transmission`,
      );
    const east = near.reduce((a, p) => a + p.east, 0) / near.length;
    const north = near.reduce((a, p) => a + p.north, 0) / near.length;
    const v = (f: (p: { east: number; north: number }) => number) => near.reduce((a, p) => a + f(p), 0) / near.length;
    const floor = 1; // m²: one neighbour has no spread
    const cov: Cov2 = [
      [v((p) => (p.east - east) ** 2) + floor, v((p) => (p.east - east) * (p.north - north))],
      [v((p) => (p.east - east) * (p.north - north)), v((p) => (p.north - north) ** 2) + floor],
    ];
    return { method: 'knn', east, north, cov, receivers: [] };
  }

  /** The k of `candidates` with the lowest median validation error (ties: the smaller k). */
  chooseK(val: readonly PowerSample[], candidates: readonly number[] = KNN_CANDIDATES): { k: number; medianErrorM: number } {
    const truths = truthsOf(val, 'kNN k selection');
    const sorted = val.map((s) => this.neighbours(s));
    let best = { k: candidates[0] as number, medianErrorM: Infinity };
    for (const k of candidates) {
      const errors = val
        .map((s, i) => {
          if ((sorted[i] as unknown[]).length === 0) return Number.NaN;
          const e = this.locate(s, k, sorted[i]);
          const t = truths[i] as { east: number; north: number };
          return Math.hypot(e.east - t.east, e.north - t.north);
        })
        .filter((e) => !Number.isNaN(e))
        .sort((a, b) => a - b);
      if (errors.length === 0) continue;
      const median = errors[Math.floor((errors.length - 1) / 2)] as number;
      if (median < best.medianErrorM) best = { k, medianErrorM: median };
    }
    return best;
  }
}
