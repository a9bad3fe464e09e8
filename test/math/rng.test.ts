import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../../src/math/rng.js';

/** Standard normal tail probabilities P(|X| > k), from erfc(k/√2) (Abramowitz & Stegun tables). */
const TWO_SIDED_TAIL_3 = 0.0026997960632601866;
const TWO_SIDED_TAIL_4 = 6.334248366623996e-5;

function draws(rng: Rng, n: number, f: (r: Rng) => number): number[] {
  return Array.from({ length: n }, () => f(rng));
}

interface Moments {
  n: number;
  mean: number;
  variance: number;
  /** E[(x − μ)⁴] / σ⁴. */
  kurtosis: number;
}

function moments(xs: ArrayLike<number>): Moments {
  const n = xs.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i] as number;
  const mean = s / n;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (xs[i] as number) - mean;
    const d2 = d * d;
    m2 += d2;
    m4 += d2 * d2;
  }
  const variance = m2 / n;
  return { n, mean, variance, kurtosis: m4 / n / (variance * variance) };
}

/** Asserts |got − expected| <= k standard errors. */
function withinSe(got: number, expected: number, se: number, what: string, k = 4): void {
  assert.ok(
    Math.abs(got - expected) <= k * se,
    `${what}: got ${got}, expected ${expected} ± ${k}·${se.toExponential(3)} (off by ${((got - expected) / se).toFixed(2)} SE)`,
  );
}

/**
 * Checks a sample of N(0, v): mean, variance, kurtosis and the two-sided tail fractions beyond
 * 3σ and 4σ, each to within 4 standard errors of the sampling distribution.
 */
function assertNormal(xs: ArrayLike<number>, v: number, what: string): void {
  const m = moments(xs);
  const sd = Math.sqrt(v);
  withinSe(m.mean, 0, sd / Math.sqrt(m.n), `${what} mean`);
  withinSe(m.variance, v, v * Math.sqrt(2 / m.n), `${what} variance`);
  withinSe(m.kurtosis, 3, Math.sqrt(24 / m.n), `${what} kurtosis`);
  let over3 = 0;
  let over4 = 0;
  for (let i = 0; i < m.n; i++) {
    const a = Math.abs(xs[i] as number) / sd;
    if (a > 3) over3++;
    if (a > 4) over4++;
  }
  for (const [count, p, k] of [
    [over3, TWO_SIDED_TAIL_3, 3],
    [over4, TWO_SIDED_TAIL_4, 4],
  ] as const) {
    withinSe(count / m.n, p, Math.sqrt((p * (1 - p)) / m.n), `${what} P(|x| > ${k}σ)`);
  }
}

describe('Rng streams', () => {
  test('the same seed and labels give the same sequence', () => {
    const a = new Rng(42, 'sample', 17);
    const b = new Rng(42, 'sample', 17);
    const xa = draws(a, 1000, (r) => r.nextUint32());
    const xb = draws(b, 1000, (r) => r.nextUint32());
    assert.deepEqual(xa, xb);
    // And for every derived draw, including the cached second polar normal and the noise.
    const c = new Rng(7, 'x');
    const d = new Rng(7, 'x');
    assert.deepEqual(
      draws(c, 101, (r) => r.normal()),
      draws(d, 101, (r) => r.normal()),
    );
    const n1 = new Float32Array(4096);
    const n2 = new Float32Array(4096);
    c.addComplexNoise(n1, 2);
    d.addComplexNoise(n2, 2);
    assert.deepEqual(n1, n2);
    assert.equal(c.uniform(), d.uniform(), 'streams stay in step after addComplexNoise');
  });

  test('different seeds, labels or label order give different sequences', () => {
    const variants: [number, ...(string | number)[]][] = [
      [42, 'sample', 17],
      [42, 'sample', 18],
      [42, 'sample'],
      [42],
      [43, 'sample', 17],
      [42, 'world', 17],
      [42, 17, 'sample'],
      [0],
      [1],
    ];
    const sequences = variants.map(([seed, ...labels]) => draws(new Rng(seed, ...labels), 64, (r) => r.nextUint32()));
    for (let i = 0; i < sequences.length; i++) {
      for (let j = i + 1; j < sequences.length; j++) {
        const a = sequences[i] as number[];
        const b = sequences[j] as number[];
        const same = a.filter((x, k) => x === b[k]).length;
        // Two independent 32-bit streams agree at a given position with probability 2^-32.
        assert.ok(same <= 1, `${JSON.stringify(variants[i])} and ${JSON.stringify(variants[j])} share ${same}/64 values`);
      }
    }
  });

  test('nextUint32 returns 32-bit unsigned integers', () => {
    const rng = new Rng(3);
    let high = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = rng.nextUint32();
      assert.ok(Number.isInteger(x) && x >= 0 && x < 2 ** 32, `got ${x}`);
      if (x >= 2 ** 31) high++;
    }
    // The top bit is set half the time: ±4 SE of Binomial(10000, 0.5) is ±200.
    assert.ok(Math.abs(high - 5000) <= 200, `top bit set ${high} times in 10000`);
  });
});

describe('Rng uniform draws', () => {
  test('uniform() lies in [0, 1) with mean 1/2 and variance 1/12 (200k draws)', () => {
    const n = 200_000;
    const xs = draws(new Rng(2024, 'uniform'), n, (r) => r.uniform());
    for (const x of xs) assert.ok(x >= 0 && x < 1, `uniform() returned ${x}`);
    const m = moments(xs);
    withinSe(m.mean, 0.5, Math.sqrt(1 / 12 / n), 'mean');
    // Var of (x − ½)² for U(0,1) is 1/80 − 1/144 = 1/180.
    withinSe(m.variance, 1 / 12, Math.sqrt(1 / 180 / n), 'variance');
  });

  test('between(lo, hi) lies in [lo, hi) with mean (lo + hi)/2', () => {
    const n = 100_000;
    const xs = draws(new Rng(5, 'between'), n, (r) => r.between(-3, 7));
    for (const x of xs) assert.ok(x >= -3 && x < 7, `between(-3, 7) returned ${x}`);
    withinSe(moments(xs).mean, 2, 10 / Math.sqrt(12 * n), 'mean');
  });

  test('int(n) covers 0..n-1 uniformly (chi-square)', () => {
    for (const k of [2, 7, 10, 100]) {
      const n = 200_000;
      const counts = new Array<number>(k).fill(0);
      const rng = new Rng(99, 'int', k);
      for (let i = 0; i < n; i++) {
        const x = rng.int(k);
        assert.ok(Number.isInteger(x) && x >= 0 && x < k, `int(${k}) returned ${x}`);
        counts[x] = (counts[x] as number) + 1;
      }
      const expected = n / k;
      const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
      // χ² with k−1 degrees of freedom has mean k−1 and sd √(2(k−1)); allow mean + 6 sd.
      const bound = k - 1 + 6 * Math.sqrt(2 * (k - 1));
      assert.ok(chi2 < bound, `int(${k}): χ² = ${chi2.toFixed(2)} exceeds ${bound.toFixed(2)}; counts ${counts.join(',')}`);
      assert.ok(
        counts.every((c) => c > 0),
        `int(${k}) never returned some value`,
      );
    }
  });
});

describe('Rng normal draws', () => {
  test('normal() (polar method): mean 0, variance 1, kurtosis 3, 3σ and 4σ tails (2M draws)', () => {
    const n = 2_000_000;
    const xs = new Float64Array(n);
    const rng = new Rng(11, 'polar');
    for (let i = 0; i < n; i++) xs[i] = rng.normal();
    assertNormal(xs, 1, 'normal()');
    // The cached second value of each pair is independent of the first.
    let sxy = 0;
    for (let i = 0; i < n; i += 2) sxy += (xs[i] as number) * (xs[i + 1] as number);
    withinSe(sxy / (n / 2), 0, 1 / Math.sqrt(n / 2), 'correlation within a polar pair');
  });

  test('addComplexNoise (ziggurat): I and Q each N(0, v/2), total power v, uncorrelated (2M values)', () => {
    const v = 3.5;
    const iq = new Float32Array(2_000_000);
    new Rng(12, 'ziggurat').addComplexNoise(iq, v);
    const pairs = iq.length / 2;
    const re = new Float64Array(pairs);
    const im = new Float64Array(pairs);
    for (let k = 0; k < pairs; k++) {
      re[k] = iq[2 * k] as number;
      im[k] = iq[2 * k + 1] as number;
    }
    // Per-component moments (1M each) with the mean and variance checks at their own sample size.
    for (const [xs, name] of [
      [re, 'I'],
      [im, 'Q'],
    ] as const) {
      const m = moments(xs);
      withinSe(m.mean, 0, Math.sqrt(v / 2 / pairs), `${name} mean`);
      withinSe(m.variance, v / 2, (v / 2) * Math.sqrt(2 / pairs), `${name} variance`);
    }
    // Pooled I and Q: 2M draws of N(0, v/2) for the shape and the tails.
    assertNormal(iq, v / 2, 'I/Q pooled');
    // Total power E[I² + Q²] = v.
    let power = 0;
    for (let i = 0; i < iq.length; i++) power += (iq[i] as number) ** 2;
    power /= pairs;
    withinSe(power, v, v / Math.sqrt(pairs), 'total power'); // I²+Q² is exponential with mean v: sd v
    // I and Q of one sample are uncorrelated.
    let sxy = 0;
    for (let k = 0; k < pairs; k++) sxy += (re[k] as number) * (im[k] as number);
    const corr = sxy / pairs / (v / 2);
    withinSe(corr, 0, 1 / Math.sqrt(pairs), 'I/Q correlation');
    // Consecutive samples are uncorrelated too.
    let lag = 0;
    for (let k = 0; k + 1 < pairs; k++) lag += (re[k] as number) * (re[k + 1] as number);
    withinSe(lag / (pairs - 1) / (v / 2), 0, 1 / Math.sqrt(pairs - 1), 'lag-1 autocorrelation of I');
  });

  test('addComplexNoise adds to the existing samples and scales with the variance', () => {
    const base = Float32Array.from({ length: 1000 }, (_, i) => i);
    const noisy = Float32Array.from(base);
    new Rng(8, 'add').addComplexNoise(noisy, 0.02);
    const noiseOnly = new Float32Array(1000);
    new Rng(8, 'add').addComplexNoise(noiseOnly, 0.02);
    for (let i = 0; i < base.length; i++) {
      assert.ok(
        Math.abs((noisy[i] as number) - ((base[i] as number) + (noiseOnly[i] as number))) <= 1e-4,
        `sample ${i}: ${noisy[i]} is not ${base[i]} + ${noiseOnly[i]}`,
      );
    }
    // The same stream at 4× the variance gives exactly 2× the noise (sd = √(v/2)).
    const quad = new Float32Array(1000);
    new Rng(8, 'add').addComplexNoise(quad, 0.08);
    for (let i = 0; i < quad.length; i++) {
      assert.ok(Math.abs((quad[i] as number) - 2 * (noiseOnly[i] as number)) <= 1e-6, `sample ${i}`);
    }
    const zero = new Float32Array(16);
    new Rng(8).addComplexNoise(zero, 0);
    assert.deepEqual(zero, new Float32Array(16));
  });
});

test('numeric seeds and labels never collide through rounding or truncation', () => {
  const first = (seed: number, ...labels: (string | number)[]) => new Rng(seed, ...labels).nextUint32();
  assert.notEqual(first(-1), first(0));
  assert.notEqual(first(2 ** 32), first(1));
  assert.notEqual(first(1, 1.5), first(1, 1));
  assert.notEqual(first(1, -1), first(1, 0));
  assert.notEqual(first(1, 'a', 'b'), first(1, 'b', 'a'));
});
