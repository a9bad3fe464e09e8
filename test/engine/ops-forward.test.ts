// Forward outputs of every engine op, checked against references computed independently in plain
// JavaScript (naive loops or closed forms), never against the engine itself.
import assert from 'node:assert/strict';
import test, { describe } from 'node:test';
import {
  arange,
  cat,
  fromFloat32Array,
  full,
  ones,
  rand,
  randn,
  randperm,
  stack,
  tensor,
  where,
  zeros,
} from '../../src/engine/creation.js';
import * as F from '../../src/engine/functional.js';
import { manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import { tidy } from '../../src/engine/scope.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { assertClose, f64, randomValues, values } from '../helpers.js';

// Tiny tensors: one intra-op thread avoids OpenMP spin/hand-off overhead (which, when test files run
// in parallel on few cores, made these files up to 10x slower). This process only.
setNumThreads(1);

// --- a tiny row-major reference array ------------------------------------------------------

interface Ref {
  data: number[];
  shape: number[];
}

const numelOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function unravel(flat: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d]!;
    idx[d] = flat % s;
    flat = Math.floor(flat / s);
  }
  return idx;
}

function ravel(idx: number[], shape: number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d]! + idx[d]!;
  return f;
}

/** A reference array of `shape` whose element at each multi-index is fn(index). */
function build(shape: number[], fn: (idx: number[]) => number): Ref {
  const data = Array.from({ length: numelOf(shape) }, (_, i) => fn(unravel(i, shape)));
  return { data, shape: [...shape] };
}

function get(r: Ref, idx: number[]): number {
  return r.data[ravel(idx, r.shape)]!;
}

function ref(data: number[], shape: number[] = [data.length]): Ref {
  assert.equal(data.length, numelOf(shape));
  return { data, shape };
}

function rnd(shape: number[], seed: number, lo = -1, hi = 1): Ref {
  return ref(randomValues(numelOf(shape), seed, lo, hi), shape);
}

function toT(r: Ref): Tensor {
  return f64(r.data, r.shape);
}

function broadcastShape(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    assert.ok(da === db || da === 1 || db === 1, 'reference: shapes do not broadcast');
    out.push(Math.max(da, db));
  }
  return out;
}

/** The element of r that broadcasting maps to output index idx. */
function bget(r: Ref, idx: number[]): number {
  const off = idx.length - r.shape.length;
  return get(
    r,
    r.shape.map((s, d) => (s === 1 ? 0 : idx[d + off]!)),
  );
}

function binary(a: Ref, b: Ref, f: (x: number, y: number) => number): Ref {
  return build(broadcastShape(a.shape, b.shape), (idx) => f(bget(a, idx), bget(b, idx)));
}

function unary(a: Ref, f: (x: number) => number): Ref {
  return { data: a.data.map(f), shape: [...a.shape] };
}

/** Reduces the given dims (null: all) with f applied to the list of values in each group. */
function reduce(a: Ref, dims: number[] | null, keepdim: boolean, f: (vs: number[]) => number): Ref {
  const nd = a.shape.length;
  const set = new Set((dims ?? a.shape.map((_, d) => d)).map((d) => (d < 0 ? d + nd : d)));
  const keepShape = a.shape.map((s, d) => (set.has(d) ? 1 : s));
  const groups: number[][] = Array.from({ length: numelOf(keepShape) }, () => []);
  a.data.forEach((v, i) => {
    const idx = unravel(i, a.shape).map((x, d) => (set.has(d) ? 0 : x));
    groups[ravel(idx, keepShape)]!.push(v);
  });
  const shape = keepdim ? keepShape : a.shape.filter((_, d) => !set.has(d));
  return { data: groups.map(f), shape };
}

const sumOf = (vs: number[]): number => vs.reduce((s, v) => s + v, 0);
const meanOf = (vs: number[]): number => sumOf(vs) / vs.length;

/** Asserts shape equality and elementwise closeness to the reference. */
function expectRef(t: Tensor, r: Ref, atol = 1e-10, rtol = 1e-9, what = 'value'): void {
  assert.deepEqual(t.shape, r.shape, `${what}: shape`);
  assertClose(values(t), r.data, atol, rtol, what);
}

// --- naive NN references -------------------------------------------------------------------

type P2 = [number, number];

function conv2dRef(x: Ref, w: Ref, bias: number[] | null, stride: P2, padding: P2, dilation: P2, groups: number): Ref {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, Cg, KH, KW] = w.shape as [number, number, number, number];
  assert.equal(C, Cg * groups);
  const OH = Math.floor((H + 2 * padding[0] - dilation[0] * (KH - 1) - 1) / stride[0]) + 1;
  const OW = Math.floor((W + 2 * padding[1] - dilation[1] * (KW - 1) - 1) / stride[1]) + 1;
  const Og = O / groups;
  const out = new Array<number>(N * O * OH * OW).fill(0);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / Og);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let acc = bias ? bias[o]! : 0;
          for (let c = 0; c < Cg; c++) {
            for (let kh = 0; kh < KH; kh++) {
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * stride[0] - padding[0] + kh * dilation[0];
                const iw = ow * stride[1] - padding[1] + kw * dilation[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += get(x, [n, g * Cg + c, ih, iw]) * get(w, [o, c, kh, kw]);
              }
            }
          }
          out[ravel([n, o, oh, ow], [N, O, OH, OW])] = acc;
        }
      }
    }
  }
  return ref(out, [N, O, OH, OW]);
}

function poolOutSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // PyTorch: the last window must start inside the input or the left padding.
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

function maxPool2dRef(x: Ref, k: number, s: number, p: number, ceil: boolean): Ref {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const OH = poolOutSize(H, k, s, p, 1, ceil);
  const OW = poolOutSize(W, k, s, p, 1, ceil);
  return build([N, C, OH, OW], ([n, c, oh, ow]) => {
    let m = Number.NEGATIVE_INFINITY;
    for (let kh = 0; kh < k; kh++) {
      for (let kw = 0; kw < k; kw++) {
        const ih = oh! * s - p + kh;
        const iw = ow! * s - p + kw;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W) m = Math.max(m, get(x, [n!, c!, ih, iw]));
      }
    }
    return m;
  });
}

function adaptiveAvgPool2dRef(x: Ref, OH: number, OW: number): Ref {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  return build([N, C, OH, OW], ([n, c, i, j]) => {
    const h0 = Math.floor((i! * H) / OH);
    const h1 = Math.ceil(((i! + 1) * H) / OH);
    const w0 = Math.floor((j! * W) / OW);
    const w1 = Math.ceil(((j! + 1) * W) / OW);
    let s = 0;
    for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += get(x, [n!, c!, h, w]);
    return s / ((h1 - h0) * (w1 - w0));
  });
}

/** Per-channel (dim 1) values of an [N, C, ...] array. */
function channelValues(x: Ref, c: number): number[] {
  return x.data.filter((_, i) => unravel(i, x.shape)[1] === c);
}

// =========================================================================================

describe('creation and data round-trips', () => {
  test('fromFloat32Array / toFloat32Array round-trip keeps values, shape and dtype', () =>
    tidy(() => {
      const src = Float32Array.from(randomValues(24, 1, -5, 5));
      const t = fromFloat32Array(src, [2, 3, 4]);
      assert.deepEqual(t.shape, [2, 3, 4]);
      assert.equal(t.ndim, 3);
      assert.equal(t.numel, 24);
      assert.equal(t.dtype, 'float32');
      const back = t.toFloat32Array();
      assert.ok(back instanceof Float32Array);
      assert.deepEqual(Array.from(back), Array.from(src));
      // mutating the source after creation does not change the tensor (it holds a copy)
      src[0] = 1234;
      assert.notEqual(t.toFloat32Array()[0], 1234);
      // default shape is 1-D
      assert.deepEqual(fromFloat32Array(Float32Array.from([1, 2, 3])).shape, [3]);
      // toFloat32Array of a float64 tensor converts
      const d = f64([0.5, -1.25, 3], [3]).toFloat32Array();
      assert.ok(d instanceof Float32Array);
      assert.deepEqual(Array.from(d), [0.5, -1.25, 3]);
    }));

  test('fromFloat32Array rejects a shape that does not match the data', () =>
    tidy(() => {
      assert.throws(() => fromFloat32Array(new Float32Array(5), [2, 3]));
      assert.throws(() => fromFloat32Array(new Float32Array(6), [2, -3]), RangeError);
    }));

  test('item returns the value of a one-element tensor', () =>
    tidy(() => {
      assert.equal(f64([-2.75], [1]).item(), -2.75);
      assert.equal(f64([3.5], []).item(), 3.5);
      assert.equal(tensor([7], [1, 1], 'int64').item(), 7);
      assert.throws(() => f64([1, 2]).item());
    }));

  test('tensor(...) for each dtype', () =>
    tidy(() => {
      const f32 = tensor([1.5, -2, 3.25], [3]);
      assert.equal(f32.dtype, 'float32');
      assert.ok(f32.toTypedArray() instanceof Float32Array);
      assert.deepEqual(Array.from(f32.toTypedArray() as Float32Array), [1.5, -2, 3.25]);

      const d = tensor([0.1, 0.2, 0.3, 0.4], [2, 2], 'float64');
      assert.equal(d.dtype, 'float64');
      assert.deepEqual(d.shape, [2, 2]);
      assert.deepEqual(Array.from(d.toTypedArray() as Float64Array), [0.1, 0.2, 0.3, 0.4]);

      const i32 = tensor([-3, 0, 2147483647], [3], 'int32');
      assert.equal(i32.dtype, 'int32');
      assert.ok(i32.toTypedArray() instanceof Int32Array);
      assert.deepEqual(Array.from(i32.toTypedArray() as Int32Array), [-3, 0, 2147483647]);

      const i64 = tensor([-5, 0, 2 ** 40], [3], 'int64');
      assert.equal(i64.dtype, 'int64');
      const a64 = i64.toTypedArray();
      assert.ok(a64 instanceof BigInt64Array);
      assert.deepEqual(Array.from(a64 as BigInt64Array), [-5n, 0n, 2n ** 40n]);

      const u8 = tensor([0, 7, 255], [3], 'uint8');
      assert.equal(u8.dtype, 'uint8');
      assert.deepEqual(Array.from(u8.toTypedArray() as Uint8Array), [0, 7, 255]);

      const b = tensor([1, 0, 2, 0], [2, 2], 'bool');
      assert.equal(b.dtype, 'bool');
      assert.deepEqual(b.shape, [2, 2]);
      assert.deepEqual(Array.from(b.toTypedArray() as Uint8Array), [1, 0, 1, 0]);
    }));

  test('zeros / ones / full with shapes and dtypes', () =>
    tidy(() => {
      const z = zeros([2, 3]);
      assert.deepEqual(z.shape, [2, 3]);
      assert.equal(z.dtype, 'float32');
      assert.deepEqual(values(z), [0, 0, 0, 0, 0, 0]);
      const o = ones([4], 'float64');
      assert.equal(o.dtype, 'float64');
      assert.deepEqual(values(o), [1, 1, 1, 1]);
      const fl = full([2, 2], -1.5, 'float64');
      assert.deepEqual(fl.shape, [2, 2]);
      assert.deepEqual(values(fl), [-1.5, -1.5, -1.5, -1.5]);
      const fi = full([3], 4, 'int32');
      assert.equal(fi.dtype, 'int32');
      assert.deepEqual(Array.from(fi.toTypedArray() as Int32Array), [4, 4, 4]);
      assert.deepEqual(zeros([0, 3]).shape, [0, 3]);
      assert.equal(zeros([]).numel, 1);
      assert.throws(() => zeros([2.5]), RangeError);
    }));

  test('arange with integer and fractional steps', () =>
    tidy(() => {
      const a = arange(0, 5);
      assert.equal(a.dtype, 'float32');
      assert.deepEqual(values(a), [0, 1, 2, 3, 4]);
      assert.deepEqual(values(arange(1, 2, 0.25, 'float64')), [1, 1.25, 1.5, 1.75]);
      assert.deepEqual(values(arange(5, 0, -2, 'float64')), [5, 3, 1]);
      const l = arange(2, 6, 1, 'int64');
      assert.equal(l.dtype, 'int64');
      assert.deepEqual(Array.from(l.toTypedArray() as BigInt64Array, Number), [2, 3, 4, 5]);
    }));

  test('randn / rand are deterministic after manualSeed; rand lies in [0, 1)', () =>
    tidy(() => {
      manualSeed(1234);
      const a = values(randn([2000], 'float64'));
      const u = values(rand([2000], 'float64'));
      manualSeed(1234);
      const b = values(randn([2000], 'float64'));
      const v = values(rand([2000], 'float64'));
      assert.deepEqual(a, b);
      assert.deepEqual(u, v);
      manualSeed(4321);
      const c = values(randn([2000], 'float64'));
      assert.notDeepEqual(a, c);
      // standard normal moments (n = 2000: generous bounds)
      const m = meanOf(a);
      const sd = Math.sqrt(meanOf(a.map((x) => (x - m) ** 2)));
      assert.ok(Math.abs(m) < 0.15, `randn mean ${m}`);
      assert.ok(Math.abs(sd - 1) < 0.1, `randn std ${sd}`);
      assert.ok(
        u.every((x) => x >= 0 && x < 1),
        'rand outside [0, 1)',
      );
      assert.ok(Math.abs(meanOf(u) - 0.5) < 0.05, `rand mean ${meanOf(u)}`);
      const r32 = rand([3, 4]);
      assert.equal(r32.dtype, 'float32');
      assert.deepEqual(r32.shape, [3, 4]);
    }));

  test('randperm is a permutation of 0..n-1 (int64), reproducible under manualSeed', () =>
    tidy(() => {
      manualSeed(7);
      const p = randperm(50);
      assert.equal(p.dtype, 'int64');
      assert.deepEqual(p.shape, [50]);
      const vs = values(p);
      assert.deepEqual(
        [...vs].sort((x, y) => x - y),
        Array.from({ length: 50 }, (_, i) => i),
      );
      assert.notDeepEqual(
        vs,
        Array.from({ length: 50 }, (_, i) => i),
      );
      manualSeed(7);
      assert.deepEqual(values(randperm(50)), vs);
    }));
});

describe('elementwise arithmetic with broadcasting', () => {
  const a = rnd([2, 3], 11);
  const row = rnd([3], 12);
  const col = rnd([2, 1], 13);
  const pos = rnd([2, 3], 14, 0.5, 2);
  const ops: [string, (x: Tensor, y: Tensor) => Tensor, (x: number, y: number) => number][] = [
    ['add', (x, y) => x.add(y), (x, y) => x + y],
    ['sub', (x, y) => x.sub(y), (x, y) => x - y],
    ['mul', (x, y) => x.mul(y), (x, y) => x * y],
    ['div', (x, y) => x.div(y), (x, y) => x / y],
  ];
  for (const [name, op, f] of ops) {
    test(`${name}: [2,3] with [3], [2,1], [2,3] and [2,1] with [1,3]`, () =>
      tidy(() => {
        const denom = name === 'div';
        const r3 = denom ? unary(row, (v) => v + Math.sign(v) * 0.5) : row;
        const c1 = denom ? unary(col, (v) => v + Math.sign(v) * 0.5) : col;
        expectRef(op(toT(a), toT(r3)), binary(a, r3, f), 1e-10, 1e-9, `${name} [2,3]x[3]`);
        expectRef(op(toT(a), toT(c1)), binary(a, c1, f), 1e-10, 1e-9, `${name} [2,3]x[2,1]`);
        expectRef(op(toT(a), toT(pos)), binary(a, pos, f), 1e-10, 1e-9, `${name} [2,3]x[2,3]`);
        const r13 = ref(r3.data, [1, 3]);
        const out = op(toT(c1), toT(r13));
        assert.deepEqual(out.shape, [2, 3]);
        expectRef(out, binary(c1, r13, f), 1e-10, 1e-9, `${name} [2,1]x[1,3]`);
        // broadcasting the other way: [3] op [2,3]
        expectRef(op(toT(r3), toT(pos)), binary(r3, pos, f), 1e-10, 1e-9, `${name} [3]x[2,3]`);
      }));
  }

  test('scalar right-hand sides (integral and fractional numbers)', () =>
    tidy(() => {
      const x = toT(a);
      expectRef(
        x.add(2.5),
        unary(a, (v) => v + 2.5),
      );
      expectRef(
        x.add(3),
        unary(a, (v) => v + 3),
      );
      expectRef(
        x.sub(1),
        unary(a, (v) => v - 1),
      );
      expectRef(
        x.sub(-0.75),
        unary(a, (v) => v + 0.75),
      );
      expectRef(
        x.mul(-3),
        unary(a, (v) => v * -3),
      );
      expectRef(
        x.mul(0.5),
        unary(a, (v) => v * 0.5),
      );
      expectRef(
        x.div(4),
        unary(a, (v) => v / 4),
      );
      expectRef(
        x.div(0.3),
        unary(a, (v) => v / 0.3),
      );
      // alpha: x + alpha * y
      expectRef(
        x.add(toT(row), 2),
        binary(a, row, (p, q) => p + 2 * q),
      );
      expectRef(
        x.add(toT(row), -0.5),
        binary(a, row, (p, q) => p - 0.5 * q),
      );
      // dtype preserved for float64 with an integral scalar
      assert.equal(x.mul(2).dtype, 'float64');
    }));

  test('float32 inputs and integer tensors with integral scalars', () =>
    tidy(() => {
      const x = tensor([1.5, -2.25, 4], [3]);
      assert.equal(x.add(1).dtype, 'float32');
      assertClose(values(x.add(1)), [2.5, -1.25, 5], 1e-6, 1e-6);
      assertClose(values(x.mul(tensor([2, 2, 0.5], [3]))), [3, -4.5, 2], 1e-6, 1e-6);
      const i = tensor([1, 2, 3], [3], 'int32');
      const j = i.add(2);
      assert.equal(j.dtype, 'int32');
      assert.deepEqual(values(j), [3, 4, 5]);
      const k = i.mul(3);
      assert.equal(k.dtype, 'int32');
      assert.deepEqual(values(k), [3, 6, 9]);
      // true division of integers yields floating point
      const q = i.div(2);
      assert.ok(q.dtype === 'float32' || q.dtype === 'float64');
      assertClose(values(q), [0.5, 1, 1.5], 1e-7, 1e-7);
    }));

  test('incompatible shapes throw an Error naming the op', () =>
    tidy(() => {
      assert.throws(
        () => f64([1, 2, 3]).add(f64([1, 2])),
        (e: unknown) => e instanceof Error && e.message.startsWith('add:'),
      );
    }));
});

describe('unary and pointwise functions', () => {
  const x = rnd([3, 4], 21, -2, 2);
  const p = rnd([3, 4], 22, 0.1, 3);

  test('pow with a scalar exponent', () =>
    tidy(() => {
      expectRef(
        toT(x).pow(2),
        unary(x, (v) => v * v),
      );
      expectRef(
        toT(x).pow(3),
        unary(x, (v) => v * v * v),
      );
      expectRef(toT(p).pow(0.5), unary(p, Math.sqrt));
      expectRef(
        toT(p).pow(-1.5),
        unary(p, (v) => v ** -1.5),
      );
      expectRef(
        toT(x).pow(0),
        unary(x, () => 1),
      );
    }));

  test('pow with a tensor exponent (broadcast)', () =>
    tidy(() => {
      const e = rnd([4], 23, -2, 2);
      expectRef(
        toT(p).pow(toT(e)),
        binary(p, e, (b, q) => b ** q),
      );
      const e2 = rnd([3, 4], 24, -1, 2);
      expectRef(
        toT(p).pow(toT(e2)),
        binary(p, e2, (b, q) => b ** q),
      );
    }));

  const fns: [string, (t: Tensor) => Tensor, (v: number) => number, Ref][] = [
    ['exp', (t) => t.exp(), Math.exp, x],
    ['log', (t) => t.log(), Math.log, p],
    ['log1p', (t) => t.log1p(), Math.log1p, unary(x, (v) => Math.abs(v) - 0.9)],
    ['sqrt', (t) => t.sqrt(), Math.sqrt, p],
    ['abs', (t) => t.abs(), Math.abs, x],
    ['neg', (t) => t.neg(), (v) => -v, x],
    ['relu', (t) => t.relu(), (v) => Math.max(0, v), x],
    ['F.relu', (t) => F.relu(t), (v) => (v > 0 ? v : 0), x],
    ['sigmoid', (t) => t.sigmoid(), (v) => 1 / (1 + Math.exp(-v)), x],
    ['tanh', (t) => t.tanh(), Math.tanh, x],
    ['sin', (t) => t.sin(), Math.sin, x],
    ['cos', (t) => t.cos(), Math.cos, x],
  ];
  for (const [name, op, f, input] of fns) {
    test(`${name}`, () =>
      tidy(() => {
        expectRef(op(toT(input)), unary(input, f), 1e-12, 1e-12, name);
      }));
  }

  test('log of zero and sqrt of a negative follow IEEE (-inf, NaN); isfinite flags them', () =>
    tidy(() => {
      assert.deepEqual(values(f64([0]).log()), [Number.NEGATIVE_INFINITY]);
      assert.ok(Number.isNaN(values(f64([-1]).sqrt())[0]));
      const fin = f64([1, Number.POSITIVE_INFINITY, Number.NaN, -3]).isfinite();
      assert.equal(fin.dtype, 'bool');
      assert.deepEqual(values(fin), [1, 0, 0, 1]);
    }));

  test('softplus with default beta/threshold, including large and very negative inputs', () =>
    tidy(() => {
      const v = [-30, -3, -0.5, 0, 0.7, 5, 19, 25, 40];
      const expected = v.map((t) => (t > 20 ? t : Math.log1p(Math.exp(t))));
      assertClose(values(f64(v).softplus()), expected, 1e-12, 1e-12, 'softplus');
      assertClose(values(F.softplus(f64(v))), expected, 1e-12, 1e-12, 'F.softplus');
      // softplus(0) = ln 2
      assertClose(values(f64([0]).softplus()), [Math.LN2], 1e-15, 0);
    }));

  test('softplus with beta and threshold is linear above the threshold', () =>
    tidy(() => {
      const beta = 2;
      const threshold = 1;
      const v = [-2, -0.4, 0, 0.3, 0.49, 0.51, 0.8, 3];
      const expected = v.map((t) => (beta * t > threshold ? t : Math.log1p(Math.exp(beta * t)) / beta));
      assertClose(values(f64(v).softplus(beta, threshold)), expected, 1e-12, 1e-12, 'softplus(2, 1)');
      assertClose(values(F.softplus(f64(v), beta, threshold)), expected, 1e-12, 1e-12, 'F.softplus(2, 1)');
      // just above the threshold the output is exactly x (not the smooth curve)
      const y = values(f64([0.51]).softplus(beta, threshold))[0]!;
      assert.equal(y, 0.51);
      assert.ok(Math.abs(y - Math.log1p(Math.exp(1.02)) / 2) > 0.1);
      const b05 = values(f64([1, 4, 30]).softplus(0.5, 10));
      assertClose(b05, [Math.log1p(Math.exp(0.5)) / 0.5, Math.log1p(Math.exp(2)) / 0.5, 30], 1e-12, 1e-12);
    }));

  test('clamp with min only, max only and both', () =>
    tidy(() => {
      expectRef(
        toT(x).clamp(-0.2),
        unary(x, (v) => Math.max(v, -0.2)),
      );
      expectRef(
        toT(x).clamp(null, 0.3),
        unary(x, (v) => Math.min(v, 0.3)),
      );
      expectRef(
        toT(x).clamp(-0.2, 0.3),
        unary(x, (v) => Math.min(Math.max(v, -0.2), 0.3)),
      );
      expectRef(
        toT(x).clamp(0),
        unary(x, (v) => Math.max(v, 0)),
      );
      expectRef(
        toT(x).clamp(-1, 1),
        unary(x, (v) => Math.min(Math.max(v, -1), 1)),
      );
    }));

  test('maximum / minimum elementwise with broadcasting', () =>
    tidy(() => {
      const y = rnd([3, 4], 25, -2, 2);
      expectRef(toT(x).maximum(toT(y)), binary(x, y, Math.max));
      expectRef(toT(x).minimum(toT(y)), binary(x, y, Math.min));
      const r = rnd([4], 26);
      expectRef(toT(x).maximum(toT(r)), binary(x, r, Math.max));
      expectRef(toT(x).minimum(toT(r)), binary(x, r, Math.min));
    }));

  test('comparisons gt / lt / ge / le / eq produce bool tensors', () =>
    tidy(() => {
      const a = ref([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = ref([3, 2, 1], [3]);
      const cases: [string, (s: Tensor, t: Tensor | number) => Tensor, (p: number, q: number) => boolean][] = [
        ['gt', (s, t) => s.gt(t), (p, q) => p > q],
        ['lt', (s, t) => s.lt(t), (p, q) => p < q],
        ['ge', (s, t) => s.ge(t), (p, q) => p >= q],
        ['le', (s, t) => s.le(t), (p, q) => p <= q],
        ['eq', (s, t) => s.eq(t), (p, q) => p === q],
      ];
      for (const [name, op, f] of cases) {
        const out = op(toT(a), toT(b));
        assert.equal(out.dtype, 'bool', `${name} dtype`);
        expectRef(
          out,
          binary(a, b, (p, q) => (f(p, q) ? 1 : 0)),
          0,
          0,
          `${name} tensor`,
        );
        const outS = op(toT(a), 3);
        assert.equal(outS.dtype, 'bool');
        expectRef(
          outS,
          unary(a, (p) => (f(p, 3) ? 1 : 0)),
          0,
          0,
          `${name} scalar`,
        );
        const outF = op(toT(a), 2.5);
        expectRef(
          outF,
          unary(a, (p) => (f(p, 2.5) ? 1 : 0)),
          0,
          0,
          `${name} fractional scalar`,
        );
      }
    }));

  test('where selects from a or b by a bool condition (broadcasting b)', () =>
    tidy(() => {
      const y = rnd([3, 4], 27);
      const cond = toT(x).gt(0);
      expectRef(
        where(cond, toT(x), toT(y)),
        build([3, 4], (i) => (get(x, i) > 0 ? get(x, i) : get(y, i))),
      );
      const b = rnd([4], 28);
      expectRef(
        where(cond, toT(x), toT(b)),
        build([3, 4], (i) => (get(x, i) > 0 ? get(x, i) : get(b, [i[1]!]))),
      );
      const c2 = tensor([1, 0, 0, 1], [4], 'bool');
      expectRef(
        where(c2, toT(x), toT(y)),
        build([3, 4], (i) => (i[1] === 0 || i[1] === 3 ? get(x, i) : get(y, i))),
      );
    }));
});

describe('reductions', () => {
  const x = rnd([2, 3, 4], 31, -3, 3);

  test('sum over all, one dim, several dims, negative dims, keepdim', () =>
    tidy(() => {
      const t = toT(x);
      const all = t.sum();
      assert.deepEqual(all.shape, []);
      assertClose([all.item()], [sumOf(x.data)], 1e-12, 1e-12);
      expectRef(t.sum(0), reduce(x, [0], false, sumOf));
      expectRef(t.sum(1), reduce(x, [1], false, sumOf));
      expectRef(t.sum(-1), reduce(x, [2], false, sumOf));
      expectRef(t.sum(1, true), reduce(x, [1], true, sumOf));
      expectRef(t.sum([0, 2]), reduce(x, [0, 2], false, sumOf));
      expectRef(t.sum([0, 2], true), reduce(x, [0, 2], true, sumOf));
      assert.deepEqual(t.sum([0, 2], true).shape, [1, 3, 1]);
      assert.deepEqual(t.sum([1, 2]).shape, [2]);
      expectRef(t.sum([1, 2]), reduce(x, [1, 2], false, sumOf));
    }));

  test('mean over all, one dim, several dims, keepdim', () =>
    tidy(() => {
      const t = toT(x);
      const all = t.mean();
      assert.deepEqual(all.shape, []);
      assertClose([all.item()], [meanOf(x.data)], 1e-12, 1e-12);
      expectRef(t.mean(0), reduce(x, [0], false, meanOf));
      expectRef(t.mean(2, true), reduce(x, [2], true, meanOf));
      assert.deepEqual(t.mean(2, true).shape, [2, 3, 1]);
      expectRef(t.mean([0, 1]), reduce(x, [0, 1], false, meanOf));
      expectRef(t.mean([-1, 0], true), reduce(x, [2, 0], true, meanOf));
      assert.deepEqual(t.mean([-1, 0], true).shape, [1, 3, 1]);
    }));

  test('amax / amin over all, a dim, several dims, keepdim', () =>
    tidy(() => {
      const t = toT(x);
      const mx = (vs: number[]) => Math.max(...vs);
      const mn = (vs: number[]) => Math.min(...vs);
      const allMax = t.amax();
      assert.deepEqual(allMax.shape, []);
      assert.equal(allMax.item(), Math.max(...x.data));
      assert.equal(t.amin().item(), Math.min(...x.data));
      expectRef(t.amax(1), reduce(x, [1], false, mx), 0, 0);
      expectRef(t.amin(1), reduce(x, [1], false, mn), 0, 0);
      expectRef(t.amax(-1, true), reduce(x, [2], true, mx), 0, 0);
      expectRef(t.amin([0, 2]), reduce(x, [0, 2], false, mn), 0, 0);
      expectRef(t.amax([0, 2], true), reduce(x, [0, 2], true, mx), 0, 0);
    }));

  test('argmax along a dim (int64), with keepdim', () =>
    tidy(() => {
      const t = toT(x);
      const argmaxOf = (vs: number[]) => vs.indexOf(Math.max(...vs));
      const a1 = t.argmax(1);
      assert.equal(a1.dtype, 'int64');
      expectRef(a1, reduce(x, [1], false, argmaxOf), 0, 0);
      expectRef(t.argmax(2), reduce(x, [2], false, argmaxOf), 0, 0);
      expectRef(t.argmax(0, true), reduce(x, [0], true, argmaxOf), 0, 0);
      assert.deepEqual(t.argmax(0, true).shape, [1, 3, 4]);
      // ties: first occurrence (PyTorch CPU)
      assert.deepEqual(values(f64([1, 5, 5, 2]).argmax(0)), [1]);
    }));

  test('norm: p=2 and p=1 over all and over dims', () =>
    tidy(() => {
      const t = toT(x);
      const l2 = (vs: number[]) => Math.sqrt(sumOf(vs.map((v) => v * v)));
      const l1 = (vs: number[]) => sumOf(vs.map(Math.abs));
      const n2 = t.norm();
      assert.deepEqual(n2.shape, []);
      assertClose([n2.item()], [l2(x.data)], 1e-12, 1e-12);
      assertClose([t.norm(2).item()], [l2(x.data)], 1e-12, 1e-12);
      assertClose([t.norm(1).item()], [l1(x.data)], 1e-12, 1e-12);
      expectRef(t.norm(2, 1), reduce(x, [1], false, l2));
      expectRef(t.norm(1, 1), reduce(x, [1], false, l1));
      expectRef(t.norm(2, [0, 2], true), reduce(x, [0, 2], true, l2));
      expectRef(t.norm(1, -1, true), reduce(x, [2], true, l1));
      assertClose([f64([3, 4]).norm().item()], [5], 1e-15, 0);
    }));
});

describe('shape and indexing ops', () => {
  const x = rnd([2, 3, 4], 41);

  test('reshape (with -1) and flatten', () =>
    tidy(() => {
      const t = toT(x);
      const r = t.reshape(4, 6);
      expectRef(r, ref(x.data, [4, 6]), 0, 0);
      expectRef(t.reshape(-1, 2), ref(x.data, [12, 2]), 0, 0);
      expectRef(t.reshape(24), ref(x.data, [24]), 0, 0);
      expectRef(t.flatten(), ref(x.data, [24]), 0, 0);
      expectRef(t.flatten(1), ref(x.data, [2, 12]), 0, 0);
      expectRef(t.flatten(0, 1), ref(x.data, [6, 4]), 0, 0);
      assert.throws(() => t.reshape(5, 5));
    }));

  test('permute and transpose move elements like index permutations', () =>
    tidy(() => {
      const t = toT(x);
      const pr = t.permute(2, 0, 1);
      expectRef(
        pr,
        build([4, 2, 3], ([k, i, j]) => get(x, [i!, j!, k!])),
        0,
        0,
      );
      expectRef(
        t.permute(1, 2, 0),
        build([3, 4, 2], ([j, k, i]) => get(x, [i!, j!, k!])),
        0,
        0,
      );
      expectRef(
        t.transpose(0, 2),
        build([4, 3, 2], ([k, j, i]) => get(x, [i!, j!, k!])),
        0,
        0,
      );
      expectRef(
        t.transpose(1, -1),
        build([2, 4, 3], ([i, k, j]) => get(x, [i!, j!, k!])),
        0,
        0,
      );
      // a permuted view flattened row-major (contiguous copy)
      expectRef(t.transpose(0, 1).contiguous().flatten(), ref(build([3, 2, 4], ([j, i, k]) => get(x, [i!, j!, k!])).data), 0, 0);
    }));

  test('unsqueeze / squeeze / expand', () =>
    tidy(() => {
      const t = toT(x);
      expectRef(t.unsqueeze(0), ref(x.data, [1, 2, 3, 4]), 0, 0);
      expectRef(t.unsqueeze(1), ref(x.data, [2, 1, 3, 4]), 0, 0);
      expectRef(t.unsqueeze(-1), ref(x.data, [2, 3, 4, 1]), 0, 0);
      const s = f64([1, 2, 3], [1, 3, 1]);
      assert.deepEqual(s.squeeze().shape, [3]);
      assert.deepEqual(values(s.squeeze()), [1, 2, 3]);
      assert.deepEqual(s.squeeze(0).shape, [3, 1]);
      assert.deepEqual(s.squeeze(2).shape, [1, 3]);
      assert.deepEqual(s.squeeze(1).shape, [1, 3, 1]); // size 3: unchanged
      const c = f64([1, 2, 3], [3, 1]);
      expectRef(
        c.expand(3, 4),
        build([3, 4], ([i]) => i! + 1),
        0,
        0,
      );
      const r = f64([1, 2, 3], [3]);
      expectRef(
        r.expand(2, 3),
        build([2, 3], ([, j]) => j! + 1),
        0,
        0,
      );
      expectRef(
        c.expand(-1, 2),
        build([3, 2], ([i]) => i! + 1),
        0,
        0,
      );
      assert.throws(() => r.expand(2, 4));
    }));

  test('cat along dims 0, 1 and -1', () =>
    tidy(() => {
      const a = rnd([2, 3], 42);
      const b = rnd([1, 3], 43);
      const c = rnd([2, 2], 44);
      expectRef(
        cat([toT(a), toT(b)], 0),
        build([3, 3], ([i, j]) => (i! < 2 ? get(a, [i!, j!]) : get(b, [i! - 2, j!]))),
        0,
        0,
      );
      expectRef(
        cat([toT(a), toT(c)], 1),
        build([2, 5], ([i, j]) => (j! < 3 ? get(a, [i!, j!]) : get(c, [i!, j! - 3]))),
        0,
        0,
      );
      expectRef(
        cat([toT(c), toT(a), toT(c)], -1),
        build([2, 7], ([i, j]) => (j! < 2 ? get(c, [i!, j!]) : j! < 5 ? get(a, [i!, j! - 2]) : get(c, [i!, j! - 5]))),
        0,
        0,
      );
      assert.deepEqual(cat([toT(a)], 0).shape, [2, 3]);
      assert.throws(() => cat([toT(a), toT(c)], 0));
    }));

  test('stack along dims 0, 1 and 2', () =>
    tidy(() => {
      const a = rnd([2, 3], 45);
      const b = rnd([2, 3], 46);
      const pick = (k: number, i: number, j: number) => (k === 0 ? get(a, [i, j]) : get(b, [i, j]));
      expectRef(
        stack([toT(a), toT(b)], 0),
        build([2, 2, 3], ([k, i, j]) => pick(k!, i!, j!)),
        0,
        0,
      );
      expectRef(
        stack([toT(a), toT(b)], 1),
        build([2, 2, 3], ([i, k, j]) => pick(k!, i!, j!)),
        0,
        0,
      );
      expectRef(
        stack([toT(a), toT(b)], 2),
        build([2, 3, 2], ([i, j, k]) => pick(k!, i!, j!)),
        0,
        0,
      );
      assert.throws(() => stack([toT(a), toT(rnd([3, 2], 47))], 0));
    }));

  test('narrow', () =>
    tidy(() => {
      const t = toT(x);
      expectRef(
        t.narrow(1, 1, 2),
        build([2, 2, 4], ([i, j, k]) => get(x, [i!, j! + 1, k!])),
        0,
        0,
      );
      expectRef(
        t.narrow(2, 0, 3),
        build([2, 3, 3], ([i, j, k]) => get(x, [i!, j!, k!])),
        0,
        0,
      );
      expectRef(
        t.narrow(0, 1, 1),
        build([1, 3, 4], ([, j, k]) => get(x, [1, j!, k!])),
        0,
        0,
      );
      assert.throws(() => t.narrow(1, 2, 2));
    }));

  test('slice with step, negative start, default end and out-of-range end', () =>
    tidy(() => {
      const v = rnd([3, 7], 48);
      const t = toT(v);
      // [:, 1:6:2] -> columns 1, 3, 5
      expectRef(
        t.slice(1, 1, 6, 2),
        build([3, 3], ([i, j]) => get(v, [i!, 1 + 2 * j!])),
        0,
        0,
      );
      // [:, -4::2] -> columns 3, 5
      expectRef(
        t.slice(1, -4, undefined, 2),
        build([3, 2], ([i, j]) => get(v, [i!, 3 + 2 * j!])),
        0,
        0,
      );
      // [:, -3:] -> columns 4, 5, 6
      expectRef(
        t.slice(1, -3),
        build([3, 3], ([i, j]) => get(v, [i!, 4 + j!])),
        0,
        0,
      );
      // [1:100] along dim 0 -> rows 1, 2
      expectRef(
        t.slice(0, 1, 100),
        build([2, 7], ([i, j]) => get(v, [1 + i!, j!])),
        0,
        0,
      );
      // [0:-1:3] along dim 1 -> columns 0, 3
      expectRef(
        t.slice(1, 0, -1, 3),
        build([3, 2], ([i, j]) => get(v, [i!, 3 * j!])),
        0,
        0,
      );
    }));

  test('select (positive and negative index) removes the dimension', () =>
    tidy(() => {
      const t = toT(x);
      expectRef(
        t.select(0, 1),
        build([3, 4], ([j, k]) => get(x, [1, j!, k!])),
        0,
        0,
      );
      expectRef(
        t.select(1, 2),
        build([2, 4], ([i, k]) => get(x, [i!, 2, k!])),
        0,
        0,
      );
      expectRef(
        t.select(2, -1),
        build([2, 3], ([i, j]) => get(x, [i!, j!, 3])),
        0,
        0,
      );
      assert.throws(() => t.select(1, 3));
    }));

  test('indexSelect with an int64 index (repeats and reordering)', () =>
    tidy(() => {
      const t = toT(x);
      const idx = [2, 0, 2];
      const i64 = tensor(idx, [3], 'int64');
      expectRef(
        t.indexSelect(1, i64),
        build([2, 3, 4], ([i, j, k]) => get(x, [i!, idx[j!]!, k!])),
        0,
        0,
      );
      const idx2 = [3, 1];
      expectRef(
        t.indexSelect(2, tensor(idx2, [2], 'int64')),
        build([2, 3, 2], ([i, j, k]) => get(x, [i!, j!, idx2[k!]!])),
        0,
        0,
      );
      expectRef(
        t.indexSelect(0, tensor([1], [1], 'int64')),
        build([1, 3, 4], ([, j, k]) => get(x, [1, j!, k!])),
        0,
        0,
      );
    }));

  test('clone copies data; detach and to(dtype) keep values', () =>
    tidy(() => {
      const t = toT(x);
      expectRef(t.clone(), x, 0, 0);
      expectRef(t.detach(), x, 0, 0);
      const f = t.to('float32');
      assert.equal(f.dtype, 'float32');
      assertClose(values(f), x.data, 1e-7, 1e-6);
      const i = f64([1.7, -2.2, 3.9]).to('int32');
      assert.equal(i.dtype, 'int32');
      assert.deepEqual(values(i), [1, -2, 3]); // truncation toward zero
    }));
});

describe('linear algebra', () => {
  function matmulRef(a: Ref, b: Ref): Ref {
    const [m, k] = a.shape as [number, number];
    const n = b.shape[1]!;
    assert.equal(b.shape[0], k);
    return build([m, n], ([i, j]) => {
      let s = 0;
      for (let q = 0; q < k; q++) s += get(a, [i!, q]) * get(b, [q, j!]);
      return s;
    });
  }
  const sliceBatch = (r: Ref, bi: number): Ref => {
    const per = numelOf(r.shape.slice(1));
    return ref(r.data.slice(bi * per, (bi + 1) * per), r.shape.slice(1));
  };

  test('matmul 2-D', () =>
    tidy(() => {
      const a = rnd([3, 4], 51);
      const b = rnd([4, 5], 52);
      expectRef(toT(a).matmul(toT(b)), matmulRef(a, b));
      // matrix-vector
      const v = rnd([4], 53);
      expectRef(toT(a).matmul(toT(v)), ref(matmulRef(a, ref(v.data, [4, 1])).data, [3]));
    }));

  test('matmul batched 3-D and with a broadcast 2-D right operand', () =>
    tidy(() => {
      const a = rnd([2, 3, 4], 54);
      const b = rnd([2, 4, 5], 55);
      const out = toT(a).matmul(toT(b));
      const expected = [0, 1].flatMap((bi) => matmulRef(sliceBatch(a, bi), sliceBatch(b, bi)).data);
      expectRef(out, ref(expected, [2, 3, 5]));
      const w = rnd([4, 2], 56);
      const expected2 = [0, 1].flatMap((bi) => matmulRef(sliceBatch(a, bi), w).data);
      expectRef(toT(a).matmul(toT(w)), ref(expected2, [2, 3, 2]));
      assert.throws(() => toT(a).matmul(toT(rnd([3, 5], 57))));
    }));

  test('F.linear with and without bias (x Wᵀ + b), including 3-D input', () =>
    tidy(() => {
      const x = rnd([5, 4], 58);
      const w = rnd([3, 4], 59);
      const b = rnd([3], 60);
      const noBias = build([5, 3], ([n, o]) => {
        let s = 0;
        for (let i = 0; i < 4; i++) s += get(x, [n!, i]) * get(w, [o!, i]);
        return s;
      });
      expectRef(F.linear(toT(x), toT(w)), noBias);
      expectRef(F.linear(toT(x), toT(w), null), noBias);
      expectRef(
        F.linear(toT(x), toT(w), toT(b)),
        binary(noBias, b, (p, q) => p + q),
      );
      const x3 = ref(x.data.concat(x.data.map((v) => -v)), [2, 5, 4]);
      const out3 = F.linear(toT(x3), toT(w), toT(b));
      const withBias = binary(noBias, b, (p, q) => p + q);
      const negated = binary(
        unary(noBias, (v) => -v),
        b,
        (p, q) => p + q,
      );
      expectRef(out3, ref(withBias.data.concat(negated.data), [2, 5, 3]));
    }));
});

describe('convolution', () => {
  test('F.conv2d with stride 2, padding 1, dilation 2, groups 2 and bias (naive 7-loop reference)', () =>
    tidy(() => {
      const x = rnd([2, 4, 7, 6], 61);
      const w = rnd([6, 2, 3, 3], 62);
      const b = rnd([6], 63);
      const out = F.conv2d(toT(x), toT(w), toT(b), { stride: 2, padding: 1, dilation: 2, groups: 2 });
      const expected = conv2dRef(x, w, b.data, [2, 2], [1, 1], [2, 2], 2);
      assert.deepEqual(expected.shape, [2, 6, 3, 2]);
      expectRef(out, expected, 1e-10, 1e-9, 'conv2d');
    }));

  test('F.conv2d defaults (stride 1, no padding), no bias', () =>
    tidy(() => {
      const x = rnd([1, 3, 5, 5], 64);
      const w = rnd([2, 3, 3, 3], 65);
      expectRef(F.conv2d(toT(x), toT(w)), conv2dRef(x, w, null, [1, 1], [0, 0], [1, 1], 1), 1e-10, 1e-9, 'conv2d default');
    }));

  test('F.conv2d with per-axis stride, padding and dilation pairs', () =>
    tidy(() => {
      const x = rnd([2, 3, 6, 8], 66);
      const w = rnd([4, 3, 2, 3], 67);
      const b = rnd([4], 68);
      const out = F.conv2d(toT(x), toT(w), toT(b), { stride: [1, 2], padding: [2, 0], dilation: [1, 2] });
      expectRef(out, conv2dRef(x, w, b.data, [1, 2], [2, 0], [1, 2], 1), 1e-10, 1e-9, 'conv2d pairs');
    }));

  test('F.conv2d depthwise (groups = channels) in float32', () =>
    tidy(() => {
      const x = rnd([1, 3, 5, 4], 69);
      const w = rnd([3, 1, 3, 3], 70);
      const out = F.conv2d(
        fromFloat32Array(Float32Array.from(x.data), x.shape),
        fromFloat32Array(Float32Array.from(w.data), w.shape),
        null,
        { padding: 1, groups: 3 },
      );
      assert.equal(out.dtype, 'float32');
      const expected = conv2dRef(
        unary(x, (v) => Math.fround(v)),
        unary(w, (v) => Math.fround(v)),
        null,
        [1, 1],
        [1, 1],
        [1, 1],
        3,
      );
      expectRef(out, expected, 1e-5, 1e-5, 'depthwise conv2d');
    }));
});

describe('normalization', () => {
  test('F.batchNorm in training mode: batch statistics and the momentum update of running stats', () =>
    tidy(() => {
      const x = rnd([4, 3, 2, 3], 71, -2, 3);
      const w = rnd([3], 72, 0.5, 1.5);
      const b = rnd([3], 73);
      const rm0 = [0.1, -0.2, 0.3];
      const rv0 = [1, 2, 0.5];
      const rm = f64(rm0);
      const rv = f64(rv0);
      const momentum = 0.2;
      const eps = 1e-5;
      const out = F.batchNorm(toT(x), rm, rv, { weight: toT(w), bias: toT(b), training: true, momentum, eps });
      const stats = [0, 1, 2].map((c) => {
        const vs = channelValues(x, c);
        const m = meanOf(vs);
        const ss = sumOf(vs.map((v) => (v - m) ** 2));
        return { m, biased: ss / vs.length, unbiased: ss / (vs.length - 1) };
      });
      const expected = build(x.shape, (i) => {
        const c = i[1]!;
        const s = stats[c]!;
        return ((get(x, i) - s.m) / Math.sqrt(s.biased + eps)) * w.data[c]! + b.data[c]!;
      });
      expectRef(out, expected, 1e-9, 1e-9, 'batchNorm train output');
      assertClose(
        values(rm),
        stats.map((s, c) => (1 - momentum) * rm0[c]! + momentum * s.m),
        1e-12,
        1e-10,
        'running_mean',
      );
      assertClose(
        values(rv),
        stats.map((s, c) => (1 - momentum) * rv0[c]! + momentum * s.unbiased),
        1e-12,
        1e-10,
        'running_var (unbiased)',
      );
    }));

  test('F.batchNorm in training mode with default momentum, no affine, no running stats, 2-D input', () =>
    tidy(() => {
      const x = rnd([5, 2], 74, -1, 4);
      const out = F.batchNorm(toT(x), null, null, { training: true });
      const expected = build(x.shape, ([n, c]) => {
        const vs = [0, 1, 2, 3, 4].map((k) => get(x, [k, c!]));
        const m = meanOf(vs);
        const v = meanOf(vs.map((u) => (u - m) ** 2));
        return (get(x, [n!, c!]) - m) / Math.sqrt(v + 1e-5);
      });
      expectRef(out, expected, 1e-9, 1e-9, 'batchNorm 2-D');
      // default momentum 0.1
      const rm = f64([0, 0]);
      const rv = f64([1, 1]);
      F.batchNorm(toT(x), rm, rv, { training: true });
      const exp = [0, 1].map((c) => {
        const vs = [0, 1, 2, 3, 4].map((k) => get(x, [k, c]));
        const m = meanOf(vs);
        return { m: 0.1 * m, v: 0.9 + (0.1 * sumOf(vs.map((u) => (u - m) ** 2))) / 4 };
      });
      assertClose(
        values(rm),
        exp.map((e) => e.m),
        1e-12,
        1e-10,
        'running_mean default momentum',
      );
      assertClose(
        values(rv),
        exp.map((e) => e.v),
        1e-12,
        1e-10,
        'running_var default momentum',
      );
    }));

  test('F.batchNorm in eval mode uses the running statistics and leaves them unchanged', () =>
    tidy(() => {
      const x = rnd([3, 2, 2, 2], 75, -2, 2);
      const w = rnd([2], 76, 0.5, 1.5);
      const b = rnd([2], 77);
      const rm0 = [0.25, -0.5];
      const rv0 = [0.8, 2.5];
      const rm = f64(rm0);
      const rv = f64(rv0);
      const eps = 1e-3;
      const out = F.batchNorm(toT(x), rm, rv, { weight: toT(w), bias: toT(b), training: false, eps });
      const expected = build(x.shape, (i) => {
        const c = i[1]!;
        return ((get(x, i) - rm0[c]!) / Math.sqrt(rv0[c]! + eps)) * w.data[c]! + b.data[c]!;
      });
      expectRef(out, expected, 1e-10, 1e-9, 'batchNorm eval');
      assert.deepEqual(values(rm), rm0);
      assert.deepEqual(values(rv), rv0);
    }));
});

describe('pooling', () => {
  test('F.maxPool2d kernel 3, stride 2, padding 1', () =>
    tidy(() => {
      const x = rnd([2, 3, 7, 6], 81, -3, 3);
      const out = F.maxPool2d(toT(x), 3, { stride: 2, padding: 1 });
      const expected = maxPool2dRef(x, 3, 2, 1, false);
      assert.deepEqual(expected.shape, [2, 3, 4, 3]);
      expectRef(out, expected, 0, 0, 'maxPool2d');
    }));

  test('F.maxPool2d stride defaults to the kernel size', () =>
    tidy(() => {
      const x = rnd([1, 2, 6, 7], 82);
      expectRef(F.maxPool2d(toT(x), 2), maxPool2dRef(x, 2, 2, 0, false), 0, 0, 'maxPool2d k2');
      assert.deepEqual(F.maxPool2d(toT(x), 2).shape, [1, 2, 3, 3]);
    }));

  test('F.maxPool2d with ceilMode keeps the partial last window', () =>
    tidy(() => {
      const x = rnd([1, 2, 6, 6], 83, -3, 3);
      const floorOut = F.maxPool2d(toT(x), 3, { stride: 2 });
      const ceilOut = F.maxPool2d(toT(x), 3, { stride: 2, ceilMode: true });
      assert.deepEqual(floorOut.shape, [1, 2, 2, 2]);
      assert.deepEqual(ceilOut.shape, [1, 2, 3, 3]);
      expectRef(floorOut, maxPool2dRef(x, 3, 2, 0, false), 0, 0, 'maxPool2d floor');
      expectRef(ceilOut, maxPool2dRef(x, 3, 2, 0, true), 0, 0, 'maxPool2d ceil');
      // with padding too
      const x2 = rnd([2, 1, 7, 8], 84, -3, 3);
      const c2 = F.maxPool2d(toT(x2), 3, { stride: 2, padding: 1, ceilMode: true });
      expectRef(c2, maxPool2dRef(x2, 3, 2, 1, true), 0, 0, 'maxPool2d ceil padded');
    }));

  test('F.adaptiveAvgPool2d to non-divisible output sizes (PyTorch bins)', () =>
    tidy(() => {
      const x = rnd([2, 3, 7, 5], 85);
      const out = F.adaptiveAvgPool2d(toT(x), [3, 2]);
      assert.deepEqual(out.shape, [2, 3, 3, 2]);
      expectRef(out, adaptiveAvgPool2dRef(x, 3, 2), 1e-12, 1e-12, 'adaptiveAvgPool2d [3,2]');
      expectRef(
        F.adaptiveAvgPool2d(toT(x), 4),
        adaptiveAvgPool2dRef(x, 4, 4),
        1e-12,
        1e-12,
        'adaptiveAvgPool2d 4 (upsampling W)',
      );
      expectRef(F.adaptiveAvgPool2d(toT(x), 1), adaptiveAvgPool2dRef(x, 1, 1), 1e-12, 1e-12, 'adaptiveAvgPool2d 1');
      // overlapping bins: 5 -> 3 gives [0,2), [1,4), [3,5)
      const r = ref([1, 2, 3, 4, 5], [1, 1, 1, 5]);
      assertClose(values(F.adaptiveAvgPool2d(toT(r), [1, 3])), [1.5, 3, 4.5], 1e-12, 0);
    }));

  test('F.globalAvgPool2d averages H and W: [N, C, H, W] -> [N, C]', () =>
    tidy(() => {
      const x = rnd([2, 3, 4, 5], 86);
      const out = F.globalAvgPool2d(toT(x));
      assert.deepEqual(out.shape, [2, 3]);
      expectRef(out, reduce(x, [2, 3], false, meanOf), 1e-12, 1e-12, 'globalAvgPool2d');
    }));
});

describe('dropout and losses', () => {
  test('F.dropout in eval mode is the identity', () =>
    tidy(() => {
      const x = rnd([4, 5], 91);
      const out = F.dropout(toT(x), 0.5, false);
      expectRef(out, x, 0, 0, 'dropout eval');
    }));

  test('F.dropout in train mode zeroes about p of the elements and scales the rest by 1/(1-p)', () =>
    tidy(() => {
      manualSeed(3);
      const p = 0.3;
      const x = rnd([100, 100], 92, 0.5, 1.5); // all nonzero
      const out = values(F.dropout(toT(x), p, true));
      let zeros = 0;
      out.forEach((v, i) => {
        if (v === 0) {
          zeros++;
        } else {
          const e = x.data[i]! / (1 - p);
          assert.ok(Math.abs(v - e) <= 1e-12 * Math.abs(e), `dropout kept element ${i}: got ${v}, expected ${e}`);
        }
      });
      const frac = zeros / out.length;
      // 10 000 Bernoulli(0.3) trials: std ≈ 0.0046, allow > 6 sigma
      assert.ok(Math.abs(frac - p) < 0.03, `dropout zeroed ${frac} of the elements, expected about ${p}`);
      // same seed -> same mask
      manualSeed(3);
      assert.deepEqual(values(F.dropout(toT(x), p, true)), out);
    }));

  test('F.dropout p = 0 in training keeps everything', () =>
    tidy(() => {
      const x = rnd([10], 93);
      expectRef(F.dropout(toT(x), 0, true), x, 0, 0);
    }));

  test('F.mseLoss is the mean squared error over all elements', () =>
    tidy(() => {
      const pr = rnd([3, 4], 94);
      const tg = rnd([3, 4], 95);
      const loss = F.mseLoss(toT(pr), toT(tg));
      assert.deepEqual(loss.shape, []);
      const expected = meanOf(pr.data.map((v, i) => (v - tg.data[i]!) ** 2));
      assertClose([loss.item()], [expected], 1e-12, 1e-12, 'mseLoss');
      assert.equal(F.mseLoss(toT(pr), toT(pr)).item(), 0);
    }));
});
