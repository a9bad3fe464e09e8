// GDOP of range-difference geometry against hand-computed values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gdop } from '../../src/locate/gdop.js';

test('symmetric geometries: four receivers N/E/S/W → 1; three at 120° → √(4/3)', () => {
  // Four: HᵀH = diag(2, 2, 4) → position block of the inverse diag(½, ½) → √1.
  const four = [
    { east: 1000, north: 0 },
    { east: 0, north: 1000 },
    { east: -1000, north: 0 },
    { east: 0, north: -1000 },
  ];
  assert.ok(Math.abs((gdop({ east: 0, north: 0 }, four) as number) - 1) < 1e-12);
  // Three: HᵀH = diag(3/2, 3/2, 3) → diag(⅔, ⅔) → √(4/3).
  const three = [0, 1, 2].map((i) => ({
    east: 5000 * Math.cos((2 * Math.PI * i) / 3),
    north: 5000 * Math.sin((2 * Math.PI * i) / 3),
  }));
  assert.ok(Math.abs((gdop({ east: 0, north: 0 }, three) as number) - Math.sqrt(4 / 3)) < 1e-12);
  // Farther outside the network the geometry worsens.
  assert.ok((gdop({ east: 30_000, north: 0 }, four) as number) > 3);
});

test('collinear with the transmitter, fewer than 3, or at a receiver → null', () => {
  const line = [0, 1, 2].map((i) => ({ east: 1000 * i, north: 0 }));
  assert.equal(gdop({ east: 5000, north: 0 }, line), null);
  assert.equal(gdop({ east: 0, north: 0 }, line.slice(0, 2)), null);
  assert.equal(gdop({ east: 1000, north: 0 }, [...line, { east: 0, north: 500 }]), null);
});
