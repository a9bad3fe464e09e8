// Shadowing statistics match the configuration: zero mean, σ, and exp(−r/L) spatial correlation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/math/rng.js';
import { ShadowingField } from '../../src/sim/shadowing.js';

const SIGMA = 6;
const L = 500;

/** Values at pairs of points `r` apart, over many independent fields (terrains). */
function pairs(r: number, fields: number, perField: number): [number[], number[]] {
  const a: number[] = [];
  const b: number[] = [];
  for (let f = 0; f < fields; f++) {
    const field = new ShadowingField(new Rng(100, 'field', f), SIGMA, L);
    const rng = new Rng(200, 'points', f);
    for (let i = 0; i < perField; i++) {
      const x = rng.between(-50_000, 50_000);
      const y = rng.between(-50_000, 50_000);
      const angle = rng.uniform() * 2 * Math.PI;
      a.push(field.valueDb(x, y));
      b.push(field.valueDb(x + r * Math.cos(angle), y + r * Math.sin(angle)));
    }
  }
  return [a, b];
}

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += ((a[i] as number) - ma) * ((b[i] as number) - mb);
    saa += ((a[i] as number) - ma) ** 2;
    sbb += ((b[i] as number) - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

test('shadowing has zero mean and the configured σ', () => {
  const [values] = pairs(0, 400, 25);
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  // 10,000 values from 400 fields: the standard error of the mean is well below 0.3 dB.
  assert.ok(Math.abs(mean) < 0.3, `mean ${mean.toFixed(3)} dB`);
  assert.ok(Math.abs(sd - SIGMA) < 0.25, `σ ${sd.toFixed(3)} dB vs ${SIGMA}`);
});

test('spatial correlation follows Gudmundson’s exp(−r/L)', () => {
  for (const r of [0.25 * L, L, 3 * L]) {
    const [a, b] = pairs(r, 400, 10);
    const rho = correlation(a, b);
    const expected = Math.exp(-r / L);
    // 4,000 pairs: the standard error of a correlation coefficient is about (1 − ρ²)/√n ≤ 0.016.
    assert.ok(Math.abs(rho - expected) < 0.06, `r = ${r} m: correlation ${rho.toFixed(3)}, expected ${expected.toFixed(3)}`);
  }
});

test('a field is deterministic in its seed and zero when σ is 0', () => {
  const f1 = new ShadowingField(new Rng(1, 'x'), SIGMA, L);
  const f2 = new ShadowingField(new Rng(1, 'x'), SIGMA, L);
  const f3 = new ShadowingField(new Rng(2, 'x'), SIGMA, L);
  assert.equal(f1.valueDb(1234, -567), f2.valueDb(1234, -567));
  assert.notEqual(f1.valueDb(1234, -567), f3.valueDb(1234, -567));
  assert.equal(new ShadowingField(new Rng(1), 0, L).valueDb(10, 10), 0);
});
