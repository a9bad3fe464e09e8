// Map geometry: nice steps for the grid and the scale bar (the ellipses' rings: test/geo/ellipse-ring.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { niceStep } from '../../src/report/figures/map-geometry.js';

describe('niceStep', () => {
  test('largest 1, 2 or 5 × 10ᵏ not above x', () => {
    assert.equal(niceStep(4700), 2000);
    assert.equal(niceStep(0.06), 0.05);
    assert.equal(niceStep(1), 1);
    assert.equal(niceStep(19.9), 10);
    assert.throws(() => niceStep(0), /positive finite value, got 0/);
  });
});
