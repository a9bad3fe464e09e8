import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignByArea, assignByTime, assignSplits, gridStratum, parseSplitSpec } from '../../src/store/split.js';

const spec = { train: 0.7, val: 0.15, test: 0.15 };

test('splits are disjoint, complete, sized by the fractions, and reproducible', () => {
  const items = Array.from({ length: 1000 }, (_, i) => ({ sessionId: i + 1 }));
  const a = assignSplits(items, spec, 7);
  assert.equal(a.size, 1000, 'every session gets exactly one split');
  const count = (s: string) => [...a.values()].filter((v) => v === s).length;
  assert.deepEqual([count('train'), count('val'), count('test')], [700, 150, 150]);
  assert.deepEqual([...assignSplits(items, spec, 7)], [...a]);
  const b = assignSplits(items, spec, 8);
  assert.ok(
    [...a].some(([id, s]) => b.get(id) !== s),
    'another seed, another assignment',
  );
  // Input order does not matter.
  assert.deepEqual(
    new Map([...assignSplits([...items].reverse(), spec, 7)].sort((x, y) => x[0] - y[0])),
    new Map([...a].sort((x, y) => x[0] - y[0])),
  );
});

test('stratified splits cut every stratum by the fractions', () => {
  const items = Array.from({ length: 400 }, (_, i) => ({ sessionId: i, stratum: i < 200 ? 'north' : 'south' }));
  const a = assignSplits(items, { train: 0.5, val: 0.25, test: 0.25 }, 1);
  for (const stratum of ['north', 'south']) {
    const ids = items.filter((it) => it.stratum === stratum).map((it) => it.sessionId);
    assert.equal(ids.filter((id) => a.get(id) === 'train').length, 100);
    assert.equal(ids.filter((id) => a.get(id) === 'val').length, 50);
  }
  assert.equal(gridStratum(45.5, 8.5, { south: 45, west: 8, north: 46, east: 9 }, 2), '1:1');
  assert.equal(gridStratum(45.0, 8.0, { south: 45, west: 8, north: 46, east: 9 }, 2), '0:0');
  assert.equal(
    gridStratum(46.0, 9.0, { south: 45, west: 8, north: 46, east: 9 }, 2),
    '1:1',
    'the far edge belongs to the last cell',
  );
});

test('split specs are parsed with clear errors', () => {
  assert.deepEqual(parseSplitSpec('0.7/0.15/0.15'), spec);
  assert.throws(
    () => parseSplitSpec('0.7/0.3'),
    /--split expects three non-negative fractions train\/val\/test like 0\.7\/0\.15\/0\.15, got '0\.7\/0\.3'/,
  );
  assert.throws(() => parseSplitSpec('0.7/0.2/0.2'), /--split fractions must sum to 1, got 1\.1/);
  assert.throws(() => parseSplitSpec('a/b/c'), /expects three non-negative fractions/);
});

test('a time split is chronological: the earliest sessions train, the latest test, whatever the ids', () => {
  // Ids in reverse time order, so sorting by id would give the opposite answer.
  const items = Array.from({ length: 20 }, (_, i) => ({ sessionId: 100 - i, time: Date.UTC(2026, 0, 1 + i) }));
  const a = assignByTime(items, spec);
  const byTime = items.map((it) => a.get(it.sessionId));
  assert.deepEqual(byTime, [...Array(14).fill('train'), ...Array(3).fill('val'), ...Array(3).fill('test')]);
  // Equal times: by id.
  const tied = assignByTime(
    [3, 1, 2].map((id) => ({ sessionId: id, time: 0 })),
    { train: 1 / 3, val: 1 / 3, test: 1 / 3 },
  );
  assert.deepEqual([tied.get(1), tied.get(2), tied.get(3)], ['train', 'val', 'test']);
});

test('an area split keeps every cell in one split, near the fractions, the same for the same seed', () => {
  // 10 × 10 cells of 10 sessions each.
  const items = Array.from({ length: 1000 }, (_, i) => ({
    sessionId: i,
    cell: `${Math.floor(i / 100)}:${Math.floor(i / 10) % 10}`,
  }));
  const a = assignByArea(items, spec, 3);
  const splitOf = new Map<string, Set<string>>();
  for (const it of items) splitOf.set(it.cell, (splitOf.get(it.cell) ?? new Set()).add(a.get(it.sessionId) as string));
  assert.ok(
    [...splitOf.values()].every((splits) => splits.size === 1),
    'no cell is in two splits',
  );
  const count = (s: string) => [...a.values()].filter((v) => v === s).length;
  assert.deepEqual([count('train'), count('val'), count('test')], [700, 150, 150]);
  assert.deepEqual([...assignByArea(items, spec, 3)], [...a]);
  assert.ok(
    [...assignByArea(items, spec, 4)].some(([id, s]) => a.get(id) !== s),
    'another seed, other cells',
  );
});
