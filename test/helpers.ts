// Shared test utilities: a seeded PRNG, float64 tensors, closeness checks, finite differences.
import assert from 'node:assert/strict';
import { fromTypedArray } from '../src/engine/creation.js';
import { tidy } from '../src/engine/scope.js';
import type { Tensor } from '../src/engine/tensor.js';
import { prng } from './prng.js';

/** mulberry32 (test/prng.ts): test data never depends on libtorch's own RNG. */
export { prng };

/** n values uniform in [lo, hi). */
export function randomValues(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = prng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

export function f64(values: number[], shape: number[] = [values.length]): Tensor {
  return fromTypedArray(Float64Array.from(values), shape);
}

export function values(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as Float64Array | Float32Array, Number);
}

/** Asserts |a - e| <= atol + rtol·|e| elementwise, naming the first offending index. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol = 1e-6,
  rtol = 1e-5,
  what = 'value',
): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}[${i}]: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

/**
 * Compares autograd's gradient of sum(w ⊙ f(inputs)) (w fixed random weights) with central
 * finite differences, for every element of every input. Inputs are float64 value arrays.
 */
export function gradcheck(
  f: (xs: Tensor[]) => Tensor,
  inputs: { values: number[]; shape: number[] }[],
  o: { eps?: number; atol?: number; rtol?: number; name?: string } = {},
): void {
  const eps = o.eps ?? 1e-6;
  const objective = (vals: number[][], track: boolean): { value: number; grads: number[][] } =>
    tidy(() => {
      const xs = vals.map((v, i) => {
        const t = f64(v, inputs[i]?.shape);
        return track ? t.requiresGrad_(true) : t;
      });
      const out = f(xs);
      const w = f64(randomValues(out.numel, 777), out.shape);
      const s = out.mul(w).sum();
      if (track) s.backward();
      const grads = track ? xs.map((x) => values(x.grad as Tensor)) : [];
      return { value: s.item(), grads };
    });
  const base = inputs.map((i) => [...i.values]);
  const analytic = objective(base, true).grads;
  inputs.forEach((input, k) => {
    const numeric = input.values.map((_, j) => {
      const plus = base.map((v) => [...v]);
      const minus = base.map((v) => [...v]);
      (plus[k] as number[])[j] = (input.values[j] as number) + eps;
      (minus[k] as number[])[j] = (input.values[j] as number) - eps;
      return (objective(plus, false).value - objective(minus, false).value) / (2 * eps);
    });
    assertClose(analytic[k] as number[], numeric, o.atol ?? 1e-5, o.rtol ?? 1e-4, `${o.name ?? 'gradient'} of input ${k}`);
  });
}
