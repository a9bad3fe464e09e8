// The Gaussian NLL loss against the textbook formula, its gradients, its stability at the
// parameterization's extremes, and the statistical properties the evaluation relies on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tensor } from '../../src/engine/creation.js';
import { liveTensorCount, setNumThreads } from '../../src/engine/runtime.js';
import { tidy } from '../../src/engine/scope.js';
import type { Tensor } from '../../src/engine/tensor.js';
import type { Cov2 } from '../../src/math/gaussian2d.js';
import {
  covarianceFromRaw,
  covarianceOf,
  covarianceParams,
  gaussianNll,
  RHO_SCALE,
  sigmaRhoFromRaw,
} from '../../src/model/losses.js';
import { assertClose, f64, gradcheck, prng, randomValues, values } from '../helpers.js';

setNumThreads(1);

function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

/** Σ from raw (a, b, c) exactly as specified, written out independently of src/. */
function sigmaOf(a: number, b: number, c: number, floor: number): Cov2 {
  const se = softplus(a) + floor;
  const sn = softplus(b) + floor;
  const rho = Math.tanh(c) * (1 - 1e-3);
  return [
    [se * se, rho * se * sn],
    [rho * se * sn, sn * sn],
  ];
}

/** −log N(x; μ, Σ) with Σ⁻¹ and det written out. */
function textbookNll(dx: number, dy: number, s: Cov2): number {
  const [[a, b], [, d]] = s;
  const det = a * d - b * b;
  const inv = [
    [d / det, -b / det],
    [-b / det, a / det],
  ] as const;
  const quad = dx * (inv[0][0] * dx + inv[0][1] * dy) + dy * (inv[1][0] * dx + inv[1][1] * dy);
  return 0.5 * quad + 0.5 * Math.log((2 * Math.PI) ** 2 * det);
}

/** N(0, 1) pairs by Box–Muller from the test PRNG. */
function gaussians(seed: number): () => [number, number] {
  const r = prng(seed);
  return () => {
    const u1 = 1 - r(); // (0, 1]
    const u2 = r();
    const m = Math.sqrt(-2 * Math.log(u1));
    return [m * Math.cos(2 * Math.PI * u2), m * Math.sin(2 * Math.PI * u2)];
  };
}

const rowsOf = (vs: number[], cols: number): number[][] =>
  Array.from({ length: vs.length / cols }, (_, i) => vs.slice(i * cols, (i + 1) * cols));

describe('gaussianNll: closed form', () => {
  test('full covariance equals −log N(target; pred, Σ) per sample and as a batch mean (1e-10)', () =>
    tidy(() => {
      const B = 16;
      const pred = randomValues(B * 2, 1, -2, 2);
      const target = randomValues(B * 2, 2, -2, 2);
      const raw = randomValues(B * 3, 3, -3, 3);
      for (const floor of [1e-3, 0.05]) {
        const expected = rowsOf(raw, 3).map((r, i) =>
          textbookNll(target[2 * i]! - pred[2 * i]!, target[2 * i + 1]! - pred[2 * i + 1]!, sigmaOf(r[0]!, r[1]!, r[2]!, floor)),
        );
        for (let i = 0; i < B; i++) {
          const got = gaussianNll(
            f64(pred.slice(2 * i, 2 * i + 2), [1, 2]),
            f64(raw.slice(3 * i, 3 * i + 3), [1, 3]),
            f64(target.slice(2 * i, 2 * i + 2), [1, 2]),
            { floor },
          ).item();
          assertClose([got], [expected[i]!], 1e-10, 1e-10, `sample ${i} (floor ${floor})`);
        }
        const batch = gaussianNll(f64(pred, [B, 2]), f64(raw, [B, 3]), f64(target, [B, 2]), { floor }).item();
        const mean = expected.reduce((s, v) => s + v, 0) / B;
        assertClose([batch], [mean], 1e-10, 1e-10, `batch mean (floor ${floor})`);
      }
    }));

  test('the default floor is 1e-3', () =>
    tidy(() => {
      const pred = f64([0.1, -0.2], [1, 2]);
      const target = f64([0.3, 0.4], [1, 2]);
      const raw = f64([-1, 0.5, 0.7], [1, 3]);
      assertClose([gaussianNll(pred, raw, target).item()], [gaussianNll(pred, raw, target, { floor: 1e-3 }).item()], 0, 0);
    }));

  test('diagonal variant equals the sum of two 1-D Gaussian NLLs', () =>
    tidy(() => {
      const B = 12;
      const pred = randomValues(B * 2, 4, -2, 2);
      const target = randomValues(B * 2, 5, -2, 2);
      const raw = randomValues(B * 2, 6, -3, 3);
      const floor = 0.01;
      const nll1 = (d: number, s: number) => 0.5 * Math.log(2 * Math.PI * s * s) + (d * d) / (2 * s * s);
      const expected =
        rowsOf(raw, 2)
          .map(
            (r, i) =>
              nll1(target[2 * i]! - pred[2 * i]!, softplus(r[0]!) + floor) +
              nll1(target[2 * i + 1]! - pred[2 * i + 1]!, softplus(r[1]!) + floor),
          )
          .reduce((s, v) => s + v, 0) / B;
      const got = gaussianNll(f64(pred, [B, 2]), f64(raw, [B, 2]), f64(target, [B, 2]), { floor, diagonal: true }).item();
      assertClose([got], [expected], 1e-10, 1e-10, 'diagonal NLL');
      // …and the full variant with c = 0 gives the same value.
      const raw3 = rowsOf(raw, 2).flatMap((r) => [r[0]!, r[1]!, 0]);
      const full = gaussianNll(f64(pred, [B, 2]), f64(raw3, [B, 3]), f64(target, [B, 2]), { floor }).item();
      assertClose([full], [expected], 1e-10, 1e-10, 'full with ρ = 0');
    }));

  test('covarianceParams and covarianceFromRaw agree with the formulas', () =>
    tidy(() => {
      const B = 6;
      const raw = randomValues(B * 3, 7, -4, 4);
      const { sigmaE, sigmaN, rho } = covarianceParams(f64(raw, [B, 3]), { floor: 0.02, diagonal: false });
      const covs = covarianceFromRaw(raw, { floor: 0.02 });
      const scaled = covarianceFromRaw(Float32Array.from(raw), { floor: 0.02, scale: 10 });
      assert.equal(covs.length, B);
      rowsOf(raw, 3).forEach((r, i) => {
        const se = softplus(r[0]!) + 0.02;
        const sn = softplus(r[1]!) + 0.02;
        const p = Math.tanh(r[2]!) * RHO_SCALE;
        assertClose([values(sigmaE)[i]!, values(sigmaN)[i]!, values(rho)[i]!], [se, sn, p], 1e-12, 1e-12, `params ${i}`);
        const c = covs[i]!;
        assertClose([c[0][0], c[0][1], c[1][0], c[1][1]], [se * se, p * se * sn, p * se * sn, sn * sn], 1e-12, 1e-12, `cov ${i}`);
        const s = scaled[i]!;
        assertClose([s[0][0], s[0][1], s[1][1]], [100 * se * se, 100 * p * se * sn, 100 * sn * sn], 1e-5, 1e-5, `scaled ${i}`);
      });
      const diag = covarianceParams(f64(raw.slice(0, 4), [2, 2]), { floor: 0.02, diagonal: true });
      assert.deepEqual(values(diag.rho), [0, 0]);
      const dc = covarianceFromRaw(raw.slice(0, 4), { floor: 0.02, diagonal: true });
      assert.equal(dc.length, 2);
      assert.equal(dc[0]![0][1], 0);
    }));

  test('sigmaRhoFromRaw is covarianceParams in plain numbers, and covarianceFromRaw is built on it', () =>
    tidy(() => {
      const B = 5;
      // Around libtorch's softplus threshold (20) too, where the linear branch takes over.
      const raw = [...randomValues(B * 3 - 3, 8, -6, 6), 19.5, 20.5, -3];
      const { sigmaE, sigmaN, rho } = covarianceParams(f64(raw, [B, 3]), { floor: 0.01, diagonal: false });
      const rows = sigmaRhoFromRaw(raw, { floor: 0.01 });
      assertClose(
        rows.flatMap((r) => [r.sigmaE, r.sigmaN, r.rho]),
        rowsOf(raw, 3).flatMap((_, i) => [values(sigmaE)[i]!, values(sigmaN)[i]!, values(rho)[i]!]),
        1e-12,
        1e-12,
        'σ/ρ',
      );
      // scale multiplies σ (metres, calibrated), never ρ; covarianceFromRaw is covarianceOf of the rows.
      const scaled = sigmaRhoFromRaw(raw, { floor: 0.01, scale: 250 });
      scaled.forEach((r, i) => {
        assertClose(
          [r.sigmaE, r.sigmaN, r.rho],
          [250 * rows[i]!.sigmaE, 250 * rows[i]!.sigmaN, rows[i]!.rho],
          1e-12,
          1e-12,
          `row ${i}`,
        );
      });
      assert.deepEqual(covarianceFromRaw(raw, { floor: 0.01, scale: 250 }), scaled.map(covarianceOf));
      assert.deepEqual(
        sigmaRhoFromRaw([0.5, -0.5], { diagonal: true }).map((r) => r.rho),
        [0],
      );
      // Export verification must see a NaN (and report the disagreement); evaluation refuses it.
      assert.ok(Number.isNaN(sigmaRhoFromRaw([Number.NaN, 0, 0])[0]!.sigmaE));
      assert.throws(
        () => covarianceFromRaw([0, 0, 0, Number.NaN, 0, 0]),
        /covarianceFromRaw: sample 1 has a non-finite raw value \[NaN, 0, 0\]/,
      );
    }));

  test('shape and option errors name the function', () =>
    tidy(() => {
      const p = f64([0, 0], [1, 2]);
      assert.throws(() => gaussianNll(p, f64([0, 0], [1, 2]), p), /gaussianNll: raw must have shape \[B, 3\]/);
      assert.throws(() => gaussianNll(p, f64([0, 0, 0], [1, 3]), p, { diagonal: true }), /raw must have shape \[B, 2\]/);
      assert.throws(() => gaussianNll(p, f64([0, 0, 0], [1, 3]), f64([0, 0, 0, 0], [2, 2])), /target must have shape/);
      assert.throws(() => gaussianNll(p, f64([0, 0, 0], [1, 3]), p, { floor: 0 }), /floor must be/);
      assert.throws(() => covarianceFromRaw([1, 2, 3, 4]), /not a multiple of 3/);
    }));

  test('releases its intermediates', () => {
    const pred = f64([0.1, 0.2, 0.3, 0.4], [2, 2]).requiresGrad_(true);
    const raw = f64([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]).requiresGrad_(true);
    const target = f64([0, 0, 0, 0], [2, 2]);
    const before = liveTensorCount();
    const loss = gaussianNll(pred, raw, target);
    assert.equal(liveTensorCount(), before + 1);
    loss.backward();
    loss.dispose();
    for (const t of [pred, raw, target]) t.dispose();
  });
});

describe('gaussianNll: gradients (float64 finite differences)', () => {
  test('w.r.t. pred, raw and target, full covariance', () =>
    tidy(() => {
      const B = 5;
      gradcheck(
        ([p, r, t]) => gaussianNll(p!, r!, t!, { floor: 0.01 }),
        [
          { values: randomValues(B * 2, 11, -1, 1), shape: [B, 2] },
          { values: randomValues(B * 3, 12, -2, 2), shape: [B, 3] },
          { values: randomValues(B * 2, 13, -1, 1), shape: [B, 2] },
        ],
        { name: 'gaussianNll full' },
      );
    }));

  test('w.r.t. pred and raw, diagonal covariance', () =>
    tidy(() => {
      const B = 5;
      gradcheck(
        ([p, r, t]) => gaussianNll(p!, r!, t!, { floor: 0.01, diagonal: true }),
        [
          { values: randomValues(B * 2, 14, -1, 1), shape: [B, 2] },
          { values: randomValues(B * 2, 15, -2, 2), shape: [B, 2] },
          { values: randomValues(B * 2, 16, -1, 1), shape: [B, 2] },
        ],
        { name: 'gaussianNll diagonal' },
      );
    }));
});

describe('gaussianNll: stability', () => {
  const extremeRaw = [
    [-50, -50, 0],
    [-50, 3, 50],
    [2, -50, -50],
    [50, 50, 50],
    [-50, -50, -50],
    [0, 0, 50],
  ];
  const residuals = [
    [1e6, -1e6],
    [1e3, 2e3],
    [-1e4, 5],
    [1e-12, 0],
    [1e5, 1e5],
    [-3e2, 3e2],
  ];

  for (const dtype of ['float64', 'float32'] as const) {
    test(`σ at the floor, ρ → ±1, huge residuals: finite loss and gradients (${dtype})`, () =>
      tidy(() => {
        const B = extremeRaw.length;
        for (const diagonal of [false, true]) {
          const rawV = extremeRaw.flatMap((r) => (diagonal ? r.slice(0, 2) : r));
          const pred = tensor(new Array(B * 2).fill(0), [B, 2], dtype).requiresGrad_(true);
          const raw = tensor(rawV, [B, diagonal ? 2 : 3], dtype).requiresGrad_(true);
          const target = tensor(residuals.flat(), [B, 2], dtype);
          const loss = gaussianNll(pred, raw, target, { diagonal });
          loss.backward();
          const what = `${dtype} ${diagonal ? 'diagonal' : 'full'}`;
          assert.ok(Number.isFinite(loss.item()), `${what}: loss ${loss.item()}`);
          for (const g of [...values(pred.grad as Tensor), ...values(raw.grad as Tensor)]) {
            assert.ok(Number.isFinite(g), `${what}: non-finite gradient ${g}`);
          }
        }
      }));
  }

  test('ρ raw = ±50 stays strictly inside (−1, 1) and the loss matches the textbook value', () =>
    tidy(() => {
      const { rho } = covarianceParams(f64([0, 0, 50, 0, 0, -50], [2, 3]), { floor: 1e-3, diagonal: false });
      assertClose(values(rho), [RHO_SCALE, -RHO_SCALE], 1e-15, 0, 'saturated ρ');
      const got = gaussianNll(f64([0, 0], [1, 2]), f64([0.3, -0.2, 50], [1, 3]), f64([0.5, -0.7], [1, 2])).item();
      assertClose([got], [textbookNll(0.5, -0.7, sigmaOf(0.3, -0.2, 50, 1e-3))], 1e-9, 1e-9, 'ρ = 0.999');
    }));
});

describe('gaussianNll: statistical properties', () => {
  test('for residuals ~ N(0, s²) the mean NLL over a σ grid is minimal at σ ≈ s', () =>
    tidy(() => {
      const s = 0.7;
      const n = 20000;
      const g = gaussians(21);
      const resid: number[] = [];
      for (let i = 0; i < n; i++) {
        const [a, b] = g();
        resid.push(s * a, s * b);
      }
      const floor = 1e-3;
      const target = f64(resid, [n, 2]);
      const pred = f64(new Array(2 * n).fill(0), [n, 2]);
      const grid = Array.from({ length: 61 }, (_, i) => 0.4 + 0.01 * i); // 0.40 … 1.00
      const losses = grid.map((sigma) =>
        tidy(() => {
          const rawV = Math.log(Math.expm1(sigma - floor)); // softplus⁻¹
          return gaussianNll(
            pred,
            f64(
              new Array(3 * n).fill(0).map((_, k) => (k % 3 === 2 ? 0 : rawV)),
              [n, 3],
            ),
            target,
            {
              floor,
            },
          ).item();
        }),
      );
      const best = grid[losses.indexOf(Math.min(...losses))]!;
      assert.ok(Math.abs(best - s) <= 0.015, `argmin σ = ${best}, expected ≈ ${s}`);
      // Strictly worse away from the minimum on both sides.
      assert.ok(losses[0]! > Math.min(...losses) + 0.1 && losses[losses.length - 1]! > Math.min(...losses) + 0.05);
      // The minimizer in closed form: σ̂² = mean(d²)/2 per axis — matches the grid.
      const sigmaHat = Math.sqrt(resid.reduce((acc, v) => acc + v * v, 0) / (2 * n));
      assert.ok(Math.abs(best - sigmaHat) <= 0.0051, `grid argmin ${best} vs closed form ${sigmaHat}`);
    }));

  test('P(Mahalanobis² ≤ k²) = 1 − exp(−k²/2): 39.35 % at 1σ, 86.47 % at 2σ (Monte Carlo)', () => {
    assertClose([1 - Math.exp(-0.5)], [0.3935], 5e-5, 0, '1σ formula');
    assertClose([1 - Math.exp(-2)], [0.8647], 5e-5, 0, '2σ formula');
    const n = 200000;
    const g = gaussians(33);
    const cov = covarianceFromRaw([0.4, -0.3, 1.2], { floor: 1e-3 })[0]!;
    // Sample through the Cholesky factor L = [[σₑ, 0], [ρσₙ, √(1−ρ²)σₙ]].
    const se = Math.sqrt(cov[0][0]);
    const sn = Math.sqrt(cov[1][1]);
    const rho = cov[0][1] / (se * sn);
    const det = cov[0][0] * cov[1][1] - cov[0][1] * cov[0][1];
    const counts = [0, 0, 0];
    const ks = [1, 2, 3];
    for (let i = 0; i < n; i++) {
      const [u, v] = g();
      const e = se * u;
      const nn = sn * (rho * u + Math.sqrt(1 - rho * rho) * v);
      const m2 = (cov[1][1] * e * e - 2 * cov[0][1] * e * nn + cov[0][0] * nn * nn) / det;
      ks.forEach((k, j) => {
        if (m2 <= k * k) counts[j]!++;
      });
    }
    ks.forEach((k, j) => {
      const p = 1 - Math.exp((-k * k) / 2);
      const tol = 4 * Math.sqrt((p * (1 - p)) / n);
      assertClose([counts[j]! / n], [p], tol, 0, `coverage at ${k}σ`);
    });
  });
});
