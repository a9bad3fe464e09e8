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
    new Rng(seed, 'split', key).shuffle(ids);
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

/** How sessions are assigned to train/val/test. */
export type SplitBy = 'random' | 'time' | 'area';

/**
 * Chronological: the earliest `train` share of the sessions train, the next `val` share validate,
 * the latest test (ties in time by session id). What a deployed model faces: the future.
 */
export function assignByTime(items: { sessionId: number; time: number }[], spec: SplitSpec): Map<number, Split> {
  const sorted = [...items].sort((a, b) => a.time - b.time || a.sessionId - b.sessionId);
  const nTrain = Math.round(sorted.length * spec.train);
  const nVal = Math.min(sorted.length - nTrain, Math.round(sorted.length * spec.val));
  return new Map(sorted.map((it, i) => [it.sessionId, i < nTrain ? 'train' : i < nTrain + nVal ? 'val' : 'test'] as const));
}

/**
 * Whole cells held out: the cells (any stratum key) are shuffled with the seed and given to train
 * until it holds its share of the sessions, then to validation, the rest to test — no cell has
 * sessions in two splits, so a test position is never next to a training one in the same cell.
 */
export function assignByArea(items: { sessionId: number; cell: string }[], spec: SplitSpec, seed: number): Map<number, Split> {
  const byCell = new Map<string, number[]>();
  for (const it of items) byCell.set(it.cell, [...(byCell.get(it.cell) ?? []), it.sessionId]);
  const cells = [...byCell.keys()].sort();
  new Rng(seed, 'split-area').shuffle(cells);
  const out = new Map<number, Split>();
  const targetTrain = items.length * spec.train;
  const targetVal = items.length * (spec.train + spec.val);
  let done = 0;
  for (const cell of cells) {
    const ids = byCell.get(cell) as number[];
    // A cell goes where the running count stands before it: the splits fill in order.
    const split: Split = done < targetTrain ? 'train' : done < targetVal ? 'val' : 'test';
    for (const id of ids) out.set(id, split);
    done += ids.length;
  }
  return out;
}
