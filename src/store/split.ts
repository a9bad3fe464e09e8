// Train/validation/test assignment BY SESSION, so one transmission never appears in two splits.
// Deterministic in the seed; optionally stratified so every split covers the geometry alike.
import { Rng } from '../math/rng.js';
import type { Split } from './catalog/types.js';

export type { Split } from './catalog/types.js';

export interface SplitSpec {
  train: number;
  val: number;
  test: number;
}

/** Parses "0.7/0.15/0.15" (fractions summing to 1 within 1e-6). */
export function parseSplitSpec(text: string): SplitSpec {
  const parts = text.split('/').map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p < 0)) {
    throw new RangeError(`--split expects three non-negative fractions train/val/test like 0.7/0.15/0.15, got '${text}'`);
  }
  const [train, val, test] = parts as [number, number, number];
  if (Math.abs(train + val + test - 1) > 1e-6)
    throw new RangeError(`--split fractions must sum to 1, got ${Number((train + val + test).toFixed(6))} ('${text}')`);
  return { train, val, test };
}

export interface SplitItem {
  sessionId: number;
  /** Items with the same stratum are split together (e.g. a cell of the region); omit for none. */
  stratum?: string;
}

/**
 * Assigns each session a split. Within each stratum the sessions are sorted, shuffled with the
 * seed, and cut by the fractions (rounding so the counts add up). Same inputs → same output.
 */
export function assignSplits(items: SplitItem[], spec: SplitSpec, seed: number): Map<number, Split> {
  const strata = new Map<string, number[]>();
  for (const it of items) {
    const key = it.stratum ?? '';
    const list = strata.get(key) ?? [];
    list.push(it.sessionId);
    strata.set(key, list);
  }
  const out = new Map<number, Split>();
  for (const key of [...strata.keys()].sort()) {
    const ids = (strata.get(key) as number[]).sort((a, b) => a - b);
    const rng = new Rng(seed, 'split', key);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
    }
    const nTrain = Math.round(ids.length * spec.train);
    const nVal = Math.min(ids.length - nTrain, Math.round(ids.length * spec.val));
    ids.forEach((id, i) => {
      out.set(id, i < nTrain ? 'train' : i < nTrain + nVal ? 'val' : 'test');
    });
  }
  return out;
}

/** A stratum from a position: the cell of a cells × cells grid over a bounding box. */
export function gridStratum(
  lat: number,
  lon: number,
  box: { south: number; west: number; north: number; east: number },
  cells: number,
): string {
  const fy = Math.min(cells - 1, Math.max(0, Math.floor(((lat - box.south) / (box.north - box.south || 1)) * cells)));
  const fx = Math.min(cells - 1, Math.max(0, Math.floor(((lon - box.west) / (box.east - box.west || 1)) * cells)));
  return `${fy}:${fx}`;
}
