import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noGrad } from '../../src/engine/autograd.js';
import { Adam, AdamW } from '../../src/engine/optim/adam.js';
import { clipGradNorm } from '../../src/engine/optim/clip.js';
import { keep, tidy } from '../../src/engine/scope.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { assertClose, f64, randomValues, values } from '../helpers.js';

const C = [0.5, -1.5, 2.0, 0.25];

/** loss = Σ c·p², so the gradient is 2·c·p. */
function computeGrad(p: Tensor): void {
  tidy(() => p.mul(p).mul(f64(C)).sum().backward());
}

/** Kingma & Ba's Algorithm 1, with optional L2 (Adam) or decoupled (AdamW) weight decay. */
function textbookAdam(p0: number[], steps: number, lr: number, wd: number, decoupled: boolean): number[] {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < p.length; i++) {
      let g = 2 * (C[i] as number) * (p[i] as number);
      if (wd !== 0 && !decoupled) g += wd * (p[i] as number);
      if (wd !== 0 && decoupled) p[i] = (p[i] as number) * (1 - lr * wd);
      m[i] = b1 * (m[i] as number) + (1 - b1) * g;
      v[i] = b2 * (v[i] as number) + (1 - b2) * g * g;
      const mHat = (m[i] as number) / (1 - b1 ** t);
      const vHat = (v[i] as number) / (1 - b2 ** t);
      p[i] = (p[i] as number) - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  }
  return p;
}

function runEngine(p0: number[], steps: number, make: (p: Tensor[]) => Adam): number[] {
  const p = keep(f64(p0)).requiresGrad_(true);
  const opt = make([p]);
  for (let t = 0; t < steps; t++) {
    opt.zeroGrad();
    computeGrad(p);
    opt.step();
  }
  const out = values(p);
  opt.dispose();
  p.dispose();
  return out;
}

describe('Adam and AdamW', () => {
  const p0 = [1, -2, 0.5, 3];

  test('Adam matches the textbook update over 10 steps', () => {
    assertClose(
      runEngine(p0, 10, (ps) => new Adam(ps, { lr: 0.01 })),
      textbookAdam(p0, 10, 0.01, 0, false),
      1e-12,
      1e-10,
    );
  });

  test('Adam with weight decay adds wd·p to the gradient', () => {
    assertClose(
      runEngine(p0, 10, (ps) => new Adam(ps, { lr: 0.01, weightDecay: 0.1 })),
      textbookAdam(p0, 10, 0.01, 0.1, false),
      1e-12,
      1e-10,
    );
  });

  test('AdamW decays the weights directly (default weight decay 1e-2)', () => {
    const engine = runEngine(p0, 10, (ps) => new AdamW(ps, { lr: 0.05 }));
    assertClose(engine, textbookAdam(p0, 10, 0.05, 1e-2, true), 1e-12, 1e-10);
    const plain = textbookAdam(p0, 10, 0.05, 0, false);
    assert.ok(
      engine.some((v, i) => Math.abs(v - (plain[i] as number)) > 1e-6),
      'decay must change the result',
    );
  });

  test('the learning rate is settable between steps', () => {
    const p = keep(f64([1])).requiresGrad_(true);
    const opt = new Adam([p], { lr: 0.1 });
    opt.lr = 0.5;
    assert.equal(opt.lr, 0.5);
    tidy(() => p.mul(p).sum().backward());
    opt.step();
    // First Adam step moves each coordinate by lr·sign(g) (up to eps).
    assertClose(values(p), [0.5], 1e-7);
    assert.throws(() => {
      opt.lr = -1;
    }, /learning rate must be >= 0/);
    opt.dispose();
    p.dispose();
  });

  test('parameters without a gradient are left unchanged', () => {
    const a = keep(f64([1, 2])).requiresGrad_(true);
    const b = keep(f64([3, 4])).requiresGrad_(true);
    const opt = new Adam([a, b], { lr: 0.1 });
    tidy(() => a.sum().backward());
    opt.step();
    assert.deepEqual(values(b), [3, 4]);
    assert.notDeepEqual(values(a), [1, 2]);
    opt.dispose();
    a.dispose();
    b.dispose();
  });

  test('state dict round trip resumes exactly', () => {
    const p0b = [0.3, -0.7, 1.1, 2.2];
    const a = keep(f64(p0b)).requiresGrad_(true);
    const optA = new Adam([a], { lr: 0.02 });
    for (let i = 0; i < 3; i++) {
      optA.zeroGrad();
      computeGrad(a);
      optA.step();
    }
    const b = keep(f64(values(a))).requiresGrad_(true);
    const optB = new Adam([b], { lr: 0.5 });
    optB.loadStateDict(optA.stateDict());
    assert.equal(optB.lr, 0.02);
    assert.equal(optB.stepCount, 3);
    for (let i = 0; i < 2; i++) {
      for (const [opt, p] of [
        [optA, a],
        [optB, b],
      ] as const) {
        opt.zeroGrad();
        computeGrad(p);
        opt.step();
      }
    }
    assert.deepEqual(values(b), values(a));
    assert.throws(() => new AdamW([b]).loadStateDict(optA.stateDict()), /AdamW.loadStateDict: the state belongs to Adam/);
    for (const x of [optA, optB, a, b]) x.dispose();
  });

  test('invalid hyper-parameters are refused with the value named', () => {
    const p = keep(f64([1])).requiresGrad_(true);
    assert.throws(() => new Adam([p], { lr: 0 }), /learning rate must be a positive number, got 0/);
    assert.throws(() => new Adam([p], { betas: [1, 0.9] }), /betas must lie in \[0, 1\), got \[1, 0.9\]/);
    assert.throws(() => new Adam([]), /empty parameter list/);
    const frozen = keep(f64([1]));
    assert.throws(() => new Adam([frozen]), /parameter 0 \(shape \[1\]\) does not require grad/);
    p.dispose();
    frozen.dispose();
  });
});

describe('clipGradNorm', () => {
  test('scales gradients to the max norm and returns the norm before clipping', () => {
    const a = keep(f64(randomValues(5, 1))).requiresGrad_(true);
    const b = keep(f64(randomValues(3, 2))).requiresGrad_(true);
    tidy(() => a.mul(3).sum().add(b.mul(4).sum()).backward()); // grads: 3 everywhere in a, 4 in b
    const expected = Math.sqrt(5 * 9 + 3 * 16);
    const before = clipGradNorm([a, b], 1);
    assertClose([before], [expected], 1e-9);
    const after = tidy(() => Math.hypot(...values(a.grad as Tensor), ...values(b.grad as Tensor)));
    assertClose([after], [1], 1e-5);
    const unclipped = clipGradNorm([a, b], 10);
    assertClose([unclipped], [after], 1e-9, 0, 'a norm below the maximum is left alone');
    assert.throws(() => clipGradNorm([a], 0), /maxNorm must be > 0/);
    noGrad(() => {
      a.dispose();
      b.dispose();
    });
  });
});
