import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSpread, ratioSpread, spread } from '../../bench/stats.js';

test('spread: median of an odd and an even count, min and max, whatever the order', () => {
  assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
  assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
  assert.deepEqual(spread([7]), { median: 7, min: 7, max: 7, n: 1 });
});

test('spread: refuses an empty or non-finite input, naming it', () => {
  assert.throws(() => spread([], 'batch-1 ms'), /spread: no batch-1 ms to summarize/);
  assert.throws(() => spread([1, Number.NaN], 'ratios'), /spread: ratios contain a non-finite number/);
});

test('ratioSpread: per-round ratios, not the ratio of medians or of bests', () => {
  // Round medians alone would give 4/2 = 2; the rounds' own ratios are 1, 2 and 6.
  const r = ratioSpread([2, 4, 12], [2, 2, 2]);
  assert.deepEqual(r, { median: 2, min: 1, max: 6, n: 3 });
  assert.throws(() => ratioSpread([1], [1, 2], 'fp32 ratios'), /ratioSpread: fp32 ratios have 1 and 2 rounds/);
});

test('formatSpread: median with the range, or the single value', () => {
  assert.equal(formatSpread(spread([2.1, 2.25, 2.4])), '2.25 (2.10–2.40)');
  assert.equal(formatSpread(spread([5]), 1), '5.0');
});
