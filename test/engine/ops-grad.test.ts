// Gradients of every differentiable engine op against central finite differences (float64),
// plus the autograd API's behaviour: implicit/explicit backward, accumulation, noGrad, detach.
import assert from 'node:assert/strict';
import test, { describe } from 'node:test';
import { enableGrad, isGradEnabled, noGrad } from '../../src/engine/autograd.js';
import { cat, stack, tensor, where } from '../../src/engine/creation.js';
import * as F from '../../src/engine/functional.js';
import { manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import { tidy } from '../../src/engine/scope.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { assertClose, f64, gradcheck, prng, randomValues, values } from '../helpers.js';

// Tiny tensors: one intra-op thread avoids OpenMP spin/hand-off overhead (which, when test files run
// in parallel on few cores, made these files up to 10x slower). This process only.
setNumThreads(1);

type Input = { values: number[]; shape: number[] };

const numelOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** A gradcheck input of `shape` with values uniform in [lo, hi). */
function inp(shape: number[], seed: number, lo = -1, hi = 1): Input {
  return { values: randomValues(numelOf(shape), seed, lo, hi), shape };
}

/** Values pushed at least `margin` away from every kink (so finite differences never straddle one). */
function awayFrom(vs: number[], kinks: number[], margin: number): number[] {
  return vs.map((v) => {
    for (const k of kinks) {
      const d = v - k;
      if (Math.abs(d) < margin) return d >= 0 ? k + margin + d : k - margin + d;
    }
    return v;
  });
}

/** A gradcheck input away from the kinks. */
function inpAway(shape: number[], seed: number, kinks: number[], margin = 0.05, lo = -1, hi = 1): Input {
  return { values: awayFrom(randomValues(numelOf(shape), seed, lo, hi), kinks, margin), shape };
}

/** Distinct values (a shuffled, evenly spaced grid with spacing ≥ 2/n), so max/argmax never ties. */
function distinct(shape: number[], seed: number): Input {
  const n = numelOf(shape);
  const r = prng(seed);
  const vs = Array.from({ length: n }, (_, i) => -1 + (2 * i) / n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [vs[i], vs[j]] = [vs[j]!, vs[i]!];
  }
  return { values: vs, shape };
}

/** A pair of inputs whose elements differ by at least `gap` everywhere (no ties for max/min). */
function untied(shape: number[], seed: number, gap = 0.1): [Input, Input] {
  const a = inp(shape, seed);
  const b = inp(shape, seed + 1);
  b.values = b.values.map((v, i) => {
    const d = v - a.values[i]!;
    return Math.abs(d) < gap ? a.values[i]! + (d >= 0 ? gap : -gap) + d : v;
  });
  return [a, b];
}

const leaf = (vs: number[], shape: number[] = [vs.length]): Tensor => f64(vs, shape).requiresGrad_(true);

// =========================================================================================

describe('gradients of elementwise arithmetic (with broadcasting)', () => {
  test('add: same shape, [2,3]+[3], [2,3]+[2,1], [2,1]+[1,3], scalar, alpha', () =>
    tidy(() => {
      gradcheck(([a, b]) => a!.add(b!), [inp([2, 3], 1), inp([2, 3], 2)], { name: 'add same' });
      gradcheck(([a, b]) => a!.add(b!), [inp([2, 3], 3), inp([3], 4)], { name: 'add [3]' });
      gradcheck(([a, b]) => a!.add(b!), [inp([2, 3], 5), inp([2, 1], 6)], { name: 'add [2,1]' });
      gradcheck(([a, b]) => a!.add(b!), [inp([2, 1], 7), inp([1, 3], 8)], { name: 'add [2,1]+[1,3]' });
      gradcheck(([a]) => a!.add(2.5), [inp([2, 3], 9)], { name: 'add scalar' });
      gradcheck(([a, b]) => a!.add(b!, -1.5), [inp([2, 3], 10), inp([3], 11)], { name: 'add alpha' });
    }));

  test('sub: broadcast both ways and scalar', () =>
    tidy(() => {
      gradcheck(([a, b]) => a!.sub(b!), [inp([2, 3], 12), inp([3], 13)], { name: 'sub [3]' });
      gradcheck(([a, b]) => a!.sub(b!), [inp([2, 1], 14), inp([2, 3], 15)], { name: 'sub [2,1]-[2,3]' });
      gradcheck(([a]) => a!.sub(0.5), [inp([4], 16)], { name: 'sub scalar' });
    }));

  test('mul: broadcast and scalar', () =>
    tidy(() => {
      gradcheck(([a, b]) => a!.mul(b!), [inp([2, 3], 17), inp([2, 3], 18)], { name: 'mul same' });
      gradcheck(([a, b]) => a!.mul(b!), [inp([2, 3], 19), inp([3], 20)], { name: 'mul [3]' });
      gradcheck(([a, b]) => a!.mul(b!), [inp([2, 3], 21), inp([2, 1], 22)], { name: 'mul [2,1]' });
      gradcheck(([a]) => a!.mul(-3), [inp([2, 3], 23)], { name: 'mul scalar' });
      gradcheck(([a]) => a!.mul(a!), [inp([5], 24)], { name: 'mul x*x' });
    }));

  test('div: broadcast (denominators away from 0) and scalar', () =>
    tidy(() => {
      gradcheck(([a, b]) => a!.div(b!), [inp([2, 3], 25), inp([3], 26, 0.5, 2)], { name: 'div [3]' });
      gradcheck(([a, b]) => a!.div(b!), [inp([2, 3], 27), inp([2, 1], 28, -2, -0.5)], { name: 'div [2,1]' });
      gradcheck(([a, b]) => a!.div(b!), [inp([3], 29), inp([2, 3], 30, 0.5, 2)], { name: 'div [3]/[2,3]' });
      gradcheck(([a]) => a!.div(0.3), [inp([2, 3], 31)], { name: 'div scalar' });
    }));

  test("a broadcast input's gradient is summed over the broadcast dimensions", () =>
    tidy(() => {
      const av = randomValues(6, 32);
      const a = leaf(av, [2, 3]);
      const row = leaf([1, 2, 3], [3]);
      const col = leaf([4, 5], [2, 1]);
      a.mul(row).add(col).sum().backward();
      // d/d row[j] = Σ_i a[i][j];  d/d col[i] = 3 (three columns);  d/d a = row broadcast
      assertClose(
        values(row.grad!),
        [0, 1, 2].map((j) => av[j]! + av[3 + j]!),
        1e-12,
        1e-12,
        'row grad',
      );
      assert.deepEqual(row.grad!.shape, [3]);
      assertClose(values(col.grad!), [3, 3], 1e-12, 1e-12, 'col grad');
      assert.deepEqual(col.grad!.shape, [2, 1]);
      assertClose(values(a.grad!), [1, 2, 3, 1, 2, 3], 1e-12, 1e-12, 'a grad');
    }));
});

describe('gradients of pointwise functions', () => {
  test('pow with scalar exponents', () =>
    tidy(() => {
      gradcheck(([a]) => a!.pow(2), [inp([2, 3], 40)], { name: 'pow 2' });
      gradcheck(([a]) => a!.pow(3), [inp([2, 3], 41)], { name: 'pow 3' });
      gradcheck(([a]) => a!.pow(2.5), [inp([2, 3], 42, 0.2, 2)], { name: 'pow 2.5' });
      gradcheck(([a]) => a!.pow(-0.5), [inp([2, 3], 43, 0.5, 2)], { name: 'pow -0.5' });
    }));

  test('pow with a tensor exponent (gradient to base and exponent, broadcast)', () =>
    tidy(() => {
      gradcheck(([a, e]) => a!.pow(e!), [inp([2, 3], 44, 0.3, 2), inp([2, 3], 45, -1.5, 2)], { name: 'pow tensor' });
      gradcheck(([a, e]) => a!.pow(e!), [inp([2, 3], 46, 0.3, 2), inp([3], 47, -1.5, 2)], { name: 'pow tensor [3]' });
    }));

  const unaries: [string, (t: Tensor) => Tensor, Input][] = [
    ['exp', (t) => t.exp(), inp([2, 4], 50, -2, 2)],
    ['log', (t) => t.log(), inp([2, 4], 51, 0.2, 3)],
    ['log1p', (t) => t.log1p(), inp([2, 4], 52, -0.5, 3)],
    ['sqrt', (t) => t.sqrt(), inp([2, 4], 53, 0.2, 3)],
    ['neg', (t) => t.neg(), inp([2, 4], 54)],
    ['sigmoid', (t) => t.sigmoid(), inp([2, 4], 55, -4, 4)],
    ['tanh', (t) => t.tanh(), inp([2, 4], 56, -2, 2)],
    ['sin', (t) => t.sin(), inp([2, 4], 57, -3, 3)],
    ['cos', (t) => t.cos(), inp([2, 4], 58, -3, 3)],
    ['softplus', (t) => t.softplus(), inp([2, 4], 59, -5, 5)],
    ['F.softplus beta 2 threshold 1', (t) => F.softplus(t, 2, 1), inpAway([3, 4], 60, [0.5], 0.05, -2, 2)],
    ['softplus beta 0.5 threshold 3', (t) => t.softplus(0.5, 3), inpAway([3, 4], 61, [6], 0.1, -4, 10)],
    ['relu', (t) => t.relu(), inpAway([3, 4], 62, [0])],
    ['F.relu', (t) => F.relu(t), inpAway([3, 4], 63, [0])],
    ['abs', (t) => t.abs(), inpAway([3, 4], 64, [0])],
    ['clamp min', (t) => t.clamp(-0.3), inpAway([3, 4], 65, [-0.3])],
    ['clamp max', (t) => t.clamp(null, 0.4), inpAway([3, 4], 66, [0.4])],
    ['clamp both', (t) => t.clamp(-0.3, 0.4), inpAway([3, 4], 67, [-0.3, 0.4])],
  ];
  for (const [name, op, input] of unaries) {
    test(name, () =>
      tidy(() => {
        gradcheck(([a]) => op(a!), [input], { name });
      }),
    );
  }

  test('relu / clamp / softplus-above-threshold gradients are exactly 0 or 1 where expected', () =>
    tidy(() => {
      const x = leaf([-0.7, -0.1, 0.2, 0.9, 2]);
      x.relu().sum().backward();
      assert.deepEqual(values(x.grad!), [0, 0, 1, 1, 1]);
      const y = leaf([-0.7, -0.1, 0.2, 0.9, 2]);
      y.clamp(-0.5, 1).sum().backward();
      assert.deepEqual(values(y.grad!), [0, 1, 1, 1, 0]);
      const z = leaf([3, 30]);
      z.softplus(1, 20).sum().backward();
      assertClose(values(z.grad!), [1 / (1 + Math.exp(-3)), 1], 1e-12, 1e-12);
    }));

  test('maximum / minimum route the gradient to the larger / smaller input (no ties)', () =>
    tidy(() => {
      const [a, b] = untied([3, 4], 70);
      gradcheck(([x, y]) => x!.maximum(y!), [a, b], { name: 'maximum' });
      gradcheck(([x, y]) => x!.minimum(y!), [a, b], { name: 'minimum' });
      const [c, d] = untied([4], 72);
      const bc = { values: d.values.slice(0, 4), shape: [4] };
      gradcheck(([x, y]) => x!.maximum(y!), [{ values: [...c.values, ...c.values.map((v) => v + 0.05)], shape: [2, 4] }, bc], {
        name: 'maximum broadcast',
      });
      const x = leaf([1, -1, 0.5]);
      const y = leaf([0, 2, 0.25]);
      x.maximum(y).sum().backward();
      assert.deepEqual(values(x.grad!), [1, 0, 1]);
      assert.deepEqual(values(y.grad!), [0, 1, 0]);
    }));

  test('where sends the gradient to the selected side only', () =>
    tidy(() => {
      const mask = [1, 0, 0, 1, 1, 0];
      gradcheck(([a, b]) => where(tensor(mask, [2, 3], 'bool'), a!, b!), [inp([2, 3], 73), inp([2, 3], 74)], { name: 'where' });
      gradcheck(([a, b]) => where(tensor([1, 0, 1], [3], 'bool'), a!, b!), [inp([2, 3], 75), inp([3], 76)], {
        name: 'where broadcast',
      });
      const a = leaf([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = leaf([6, 5, 4, 3, 2, 1], [2, 3]);
      where(tensor(mask, [2, 3], 'bool'), a, b)
        .mul(f64([1, 2, 3, 4, 5, 6], [2, 3]))
        .sum()
        .backward();
      assert.deepEqual(values(a.grad!), [1, 0, 0, 4, 5, 0]);
      assert.deepEqual(values(b.grad!), [0, 2, 3, 0, 0, 6]);
    }));
});

describe('gradients of reductions', () => {
  test('sum over all, one dim, several dims, keepdim', () =>
    tidy(() => {
      const x = inp([2, 3, 4], 80);
      gradcheck(([a]) => a!.sum(), [x], { name: 'sum all' });
      gradcheck(([a]) => a!.sum(1), [x], { name: 'sum 1' });
      gradcheck(([a]) => a!.sum(-1, true), [x], { name: 'sum -1 keepdim' });
      gradcheck(([a]) => a!.sum([0, 2]), [x], { name: 'sum [0,2]' });
      gradcheck(([a]) => a!.sum([0, 2], true), [x], { name: 'sum [0,2] keepdim' });
    }));

  test('mean over all, one dim, several dims, keepdim', () =>
    tidy(() => {
      const x = inp([2, 3, 4], 81);
      gradcheck(([a]) => a!.mean(), [x], { name: 'mean all' });
      gradcheck(([a]) => a!.mean(0), [x], { name: 'mean 0' });
      gradcheck(([a]) => a!.mean(2, true), [x], { name: 'mean 2 keepdim' });
      gradcheck(([a]) => a!.mean([1, 2]), [x], { name: 'mean [1,2]' });
      gradcheck(([a]) => a!.mean([0, 1], true), [x], { name: 'mean [0,1] keepdim' });
      const y = leaf(randomValues(6, 82), [2, 3]);
      y.mean().backward();
      assertClose(values(y.grad!), new Array(6).fill(1 / 6), 1e-15, 0, 'mean grad');
    }));

  test('amax / amin (distinct values) and norm p=2, p=1', () =>
    tidy(() => {
      const x = distinct([2, 3, 4], 83);
      gradcheck(([a]) => a!.amax(1), [x], { name: 'amax 1' });
      gradcheck(([a]) => a!.amin([0, 2], true), [x], { name: 'amin [0,2]' });
      gradcheck(([a]) => a!.amax(), [x], { name: 'amax all' });
      const y = inpAway([2, 3, 4], 84, [0]);
      gradcheck(([a]) => a!.norm(), [y], { name: 'norm 2 all' });
      gradcheck(([a]) => a!.norm(2, 1), [y], { name: 'norm 2 dim 1' });
      gradcheck(([a]) => a!.norm(1, [0, 2], true), [y], { name: 'norm 1 dims' });
    }));

  test('F.mseLoss gradient', () =>
    tidy(() => {
      gradcheck(([p, t]) => F.mseLoss(p!, t!), [inp([3, 4], 85), inp([3, 4], 86)], { name: 'mseLoss' });
      const pv = [1, 2, 3, 4];
      const p = leaf(pv);
      F.mseLoss(p, f64([0, 0, 0, 0])).backward();
      assertClose(
        values(p.grad!),
        pv.map((v) => (2 * v) / 4),
        1e-15,
        0,
        'mseLoss closed form',
      );
    }));
});

describe('gradients of shape and indexing ops', () => {
  const x = inp([2, 3, 4], 90);

  test('reshape / flatten / permute / transpose / unsqueeze / squeeze / expand', () =>
    tidy(() => {
      gradcheck(([a]) => a!.reshape(4, 6), [x], { name: 'reshape' });
      gradcheck(([a]) => a!.reshape(-1), [x], { name: 'reshape -1' });
      gradcheck(([a]) => a!.flatten(1), [x], { name: 'flatten 1' });
      gradcheck(([a]) => a!.flatten(), [x], { name: 'flatten' });
      gradcheck(([a]) => a!.permute(2, 0, 1), [x], { name: 'permute' });
      gradcheck(([a]) => a!.transpose(0, 2), [x], { name: 'transpose' });
      gradcheck(([a]) => a!.transpose(1, 2).reshape(2, 12), [x], { name: 'transpose then reshape' });
      gradcheck(([a]) => a!.unsqueeze(1), [x], { name: 'unsqueeze' });
      gradcheck(([a]) => a!.squeeze(1), [inp([3, 1, 2], 91)], { name: 'squeeze' });
      gradcheck(([a]) => a!.expand(3, 4), [inp([3, 1], 92)], { name: 'expand' });
    }));

  test('cat and stack along dims 0 and 1', () =>
    tidy(() => {
      gradcheck(([a, b]) => cat([a!, b!], 0), [inp([2, 3], 93), inp([1, 3], 94)], { name: 'cat 0' });
      gradcheck(([a, b]) => cat([a!, b!, a!], 1), [inp([2, 3], 95), inp([2, 2], 96)], { name: 'cat 1 (repeated input)' });
      gradcheck(([a, b]) => stack([a!, b!], 0), [inp([2, 3], 97), inp([2, 3], 98)], { name: 'stack 0' });
      gradcheck(([a, b]) => stack([a!, b!], 1), [inp([2, 3], 99), inp([2, 3], 100)], { name: 'stack 1' });
    }));

  test('narrow / slice (step, negative start) / select', () =>
    tidy(() => {
      gradcheck(([a]) => a!.narrow(1, 1, 2), [x], { name: 'narrow' });
      gradcheck(([a]) => a!.slice(2, 1, 4, 2), [x], { name: 'slice step 2' });
      gradcheck(([a]) => a!.slice(2, -3, undefined, 2), [x], { name: 'slice negative start' });
      gradcheck(([a]) => a!.slice(0, 1), [x], { name: 'slice dim 0' });
      gradcheck(([a]) => a!.select(1, 2), [x], { name: 'select' });
      gradcheck(([a]) => a!.select(2, -1), [x], { name: 'select negative' });
      const y = leaf([1, 2, 3, 4, 5, 6, 7]);
      y.slice(0, -5, undefined, 2).sum().backward();
      assert.deepEqual(values(y.grad!), [0, 0, 1, 0, 1, 0, 1]);
    }));

  test('indexSelect (repeated indices accumulate)', () =>
    tidy(() => {
      gradcheck(([a]) => a!.indexSelect(1, tensor([2, 0, 2], [3], 'int64')), [x], { name: 'indexSelect 1' });
      gradcheck(([a]) => a!.indexSelect(2, tensor([3, 1], [2], 'int64')), [x], { name: 'indexSelect 2' });
      const y = leaf([10, 20, 30]);
      y.indexSelect(0, tensor([2, 0, 2, 2], [4], 'int64'))
        .sum()
        .backward();
      assert.deepEqual(values(y.grad!), [1, 0, 3]);
    }));
});

describe('gradients of linear algebra and NN functions', () => {
  test('matmul 2-D, matrix-vector and batched 3-D', () =>
    tidy(() => {
      gradcheck(([a, b]) => a!.matmul(b!), [inp([3, 4], 110), inp([4, 2], 111)], { name: 'matmul 2-D' });
      gradcheck(([a, b]) => a!.matmul(b!), [inp([3, 4], 112), inp([4], 113)], { name: 'matmul mv' });
      gradcheck(([a, b]) => a!.matmul(b!), [inp([2, 3, 4], 114), inp([2, 4, 2], 115)], { name: 'matmul batched' });
      gradcheck(([a, b]) => a!.matmul(b!), [inp([2, 3, 4], 116), inp([4, 2], 117)], { name: 'matmul broadcast' });
    }));

  test('F.linear with and without bias', () =>
    tidy(() => {
      gradcheck(([a, w, b]) => F.linear(a!, w!, b!), [inp([5, 4], 118), inp([3, 4], 119), inp([3], 120)], {
        name: 'linear bias',
      });
      gradcheck(([a, w]) => F.linear(a!, w!), [inp([2, 5, 4], 121), inp([3, 4], 122)], { name: 'linear no bias' });
    }));

  test('F.conv2d with stride 2, padding 1, dilation 2, groups 2 and bias', () =>
    tidy(() => {
      gradcheck(
        ([a, w, b]) => F.conv2d(a!, w!, b!, { stride: 2, padding: 1, dilation: 2, groups: 2 }),
        [inp([2, 4, 6, 5], 123), inp([4, 2, 3, 3], 124), inp([4], 125)],
        { name: 'conv2d s2 p1 d2 g2' },
      );
    }));

  test('F.conv2d with per-axis stride/padding, groups 2, no bias', () =>
    tidy(() => {
      gradcheck(
        ([a, w]) => F.conv2d(a!, w!, null, { stride: [1, 2], padding: [1, 0], groups: 2 }),
        [inp([1, 4, 5, 6], 126), inp([2, 2, 2, 3], 127)],
        { name: 'conv2d pairs' },
      );
    }));

  test('F.batchNorm in training mode (input, weight and bias), with and without running stats', () =>
    tidy(() => {
      const inputs = [inp([4, 3, 2, 2], 130, -2, 2), inp([3], 131, 0.5, 1.5), inp([3], 132)];
      gradcheck(([a, w, b]) => F.batchNorm(a!, null, null, { weight: w!, bias: b!, training: true }), inputs, {
        name: 'batchNorm train',
      });
      gradcheck(
        ([a, w, b]) =>
          F.batchNorm(a!, f64([0, 0, 0]), f64([1, 1, 1]), { weight: w!, bias: b!, training: true, momentum: 0.3, eps: 1e-3 }),
        inputs,
        { name: 'batchNorm train with fresh running stats' },
      );
      gradcheck(([a]) => F.batchNorm(a!, null, null, { training: true }), [inp([5, 2], 133, -1, 3)], {
        name: 'batchNorm train 2-D, no affine',
      });
    }));

  test('F.batchNorm in eval mode (affine map of the input)', () =>
    tidy(() => {
      gradcheck(
        ([a, w, b]) => F.batchNorm(a!, f64([0.2, -0.1]), f64([0.5, 2]), { weight: w!, bias: b!, training: false }),
        [inp([3, 2, 2, 2], 134), inp([2], 135), inp([2], 136)],
        { name: 'batchNorm eval' },
      );
    }));

  test('F.maxPool2d kernel 3, stride 2, padding 1, and ceilMode (distinct inputs)', () =>
    tidy(() => {
      gradcheck(([a]) => F.maxPool2d(a!, 3, { stride: 2, padding: 1 }), [distinct([2, 2, 7, 6], 140)], { name: 'maxPool2d' });
      gradcheck(([a]) => F.maxPool2d(a!, 3, { stride: 2, ceilMode: true }), [distinct([1, 2, 6, 6], 141)], {
        name: 'maxPool2d ceil',
      });
      gradcheck(([a]) => F.maxPool2d(a!, 2), [distinct([1, 1, 4, 5], 142)], { name: 'maxPool2d k2' });
    }));

  test('F.adaptiveAvgPool2d (non-divisible and overlapping bins) and F.globalAvgPool2d', () =>
    tidy(() => {
      gradcheck(([a]) => F.adaptiveAvgPool2d(a!, [3, 2]), [inp([2, 2, 7, 5], 143)], { name: 'adaptiveAvgPool2d [3,2]' });
      gradcheck(([a]) => F.adaptiveAvgPool2d(a!, 4), [inp([1, 2, 5, 3], 144)], { name: 'adaptiveAvgPool2d 4' });
      gradcheck(([a]) => F.globalAvgPool2d(a!), [inp([2, 3, 3, 4], 145)], { name: 'globalAvgPool2d' });
    }));

  test('F.dropout in training mode: gradient is mask / (1 - p) (fixed seed)', () =>
    tidy(() => {
      gradcheck(
        ([a]) => {
          manualSeed(11);
          return F.dropout(a!, 0.4, true);
        },
        [inp([4, 5], 146)],
        { name: 'dropout train' },
      );
      const x = leaf(randomValues(200, 147, 0.5, 1.5));
      manualSeed(12);
      const y = F.dropout(x, 0.25, true);
      y.sum().backward();
      const yv = values(y);
      const g = values(x.grad!);
      g.forEach((gi, i) => {
        assert.ok(yv[i] === 0 ? gi === 0 : Math.abs(gi - 1 / 0.75) < 1e-12, `dropout grad[${i}] = ${gi}`);
      });
      gradcheck(([a]) => F.dropout(a!, 0.5, false), [inp([6], 148)], { name: 'dropout eval' });
    }));
});

describe('autograd API', () => {
  test('backward on a non-scalar output without a grad argument throws', () =>
    tidy(() => {
      const x = leaf([1, 2, 3]);
      const y = x.mul(2);
      assert.throws(
        () => y.backward(),
        (e: unknown) => e instanceof Error && e.message.includes('grad can be implicitly created only for scalar outputs'),
      );
      assert.equal(x.grad, null);
    }));

  test('backward with an explicit grad tensor on a non-scalar output', () =>
    tidy(() => {
      const xv = [0.5, -1, 2];
      const x = leaf(xv);
      const y = x.mul(x); // dy/dx = 2x
      const g = [1, 10, -3];
      y.backward(f64(g));
      assertClose(
        values(x.grad!),
        xv.map((v, i) => 2 * v * g[i]!),
        1e-15,
        0,
        'explicit grad',
      );
    }));

  test('gradients accumulate over two backward calls; grad = null resets', () =>
    tidy(() => {
      const xv = [0.5, -1, 2];
      const x = leaf(xv);
      assert.equal(x.grad, null);
      x.mul(x).sum().backward();
      assertClose(
        values(x.grad!),
        xv.map((v) => 2 * v),
        1e-15,
        0,
        'first backward',
      );
      x.mul(x).sum().backward();
      assertClose(
        values(x.grad!),
        xv.map((v) => 4 * v),
        1e-15,
        0,
        'accumulated',
      );
      x.mul(3).sum().backward();
      assertClose(
        values(x.grad!),
        xv.map((v) => 4 * v + 3),
        1e-15,
        0,
        'accumulated 3',
      );
      x.grad = null;
      assert.equal(x.grad, null);
      x.sum().backward();
      assert.deepEqual(values(x.grad!), [1, 1, 1]);
    }));

  test('retainGraph allows a second backward through the same graph', () =>
    tidy(() => {
      const x = leaf([1, 2]);
      const s = x.mul(x).sum();
      s.backward(null, { retainGraph: true });
      s.backward();
      assert.deepEqual(values(x.grad!), [4, 8]);
      const t = x.exp().sum();
      t.backward();
      assert.throws(() => t.backward());
    }));

  test('requiresGrad / isLeaf flags', () =>
    tidy(() => {
      const c = f64([1, 2]);
      assert.equal(c.requiresGrad, false);
      const x = leaf([1, 2]);
      assert.equal(x.requiresGrad, true);
      assert.equal(x.isLeaf, true);
      const y = x.mul(c);
      assert.equal(y.requiresGrad, true);
      assert.equal(y.isLeaf, false);
      assert.equal(c.mul(2).requiresGrad, false);
    }));

  test('noGrad() makes results not require grad; enableGrad() re-enables inside it', () =>
    tidy(() => {
      const x = leaf([1, 2, 3]);
      assert.equal(isGradEnabled(), true);
      const y = noGrad(() => {
        assert.equal(isGradEnabled(), false);
        const inner = enableGrad(() => x.mul(2));
        assert.equal(inner.requiresGrad, true);
        return x.mul(2).add(1);
      });
      assert.equal(isGradEnabled(), true);
      assert.equal(y.requiresGrad, false);
      assert.deepEqual(values(y), [3, 5, 7]);
      // grad mode restored even if fn throws
      assert.throws(() =>
        noGrad(() => {
          throw new Error('boom');
        }),
      );
      assert.equal(isGradEnabled(), true);
      // a noGrad result used afterwards contributes no gradient path
      const z = x.mul(y).sum();
      z.backward();
      assert.deepEqual(values(x.grad!), [3, 5, 7]);
    }));

  test('detach stops the gradient', () =>
    tidy(() => {
      const xv = [0.5, -1, 2];
      const x = leaf(xv);
      const d = x.detach();
      assert.equal(d.requiresGrad, false);
      assert.deepEqual(values(d), xv);
      // d(x * detach(x))/dx = detach(x), not 2x
      x.mul(d).sum().backward();
      assert.deepEqual(values(x.grad!), xv);
      // only a detached path: no grad reaches x; backward on a graph-free scalar throws
      const x2 = leaf([1, 2]);
      const s = x2.detach().mul(3).sum();
      assert.equal(s.requiresGrad, false);
      assert.throws(() => s.backward());
      assert.equal(x2.grad, null);
    }));
});
