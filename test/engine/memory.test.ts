import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ones, randn, zeros } from '../../src/engine/creation.js';
import { mseLoss } from '../../src/engine/functional.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, ReLU, Sequential } from '../../src/engine/nn/layers.js';
import { Adam } from '../../src/engine/optim/adam.js';
import { liveTensorCount, manualSeed } from '../../src/engine/runtime.js';
import { keep, tidy } from '../../src/engine/scope.js';

describe('tidy() scopes', () => {
  test('dispose every intermediate and keep the returned tensors', () => {
    const before = liveTensorCount();
    const kept = tidy(() => {
      const a = ones([3, 3]);
      const b = a.add(1).mul(2);
      return { b, n: a.sum().item() };
    });
    assert.equal(kept.n, 9);
    assert.equal(liveTensorCount(), before + 1, 'only the returned tensor stays alive');
    assert.deepEqual(Array.from(kept.b.toFloat32Array()), new Array(9).fill(4));
    kept.b.dispose();
    assert.equal(liveTensorCount(), before);
  });

  test('nested scopes hand returned tensors to the parent, which disposes them', () => {
    const before = liveTensorCount();
    tidy(() => {
      const inner = tidy(() => zeros([2]).add(1));
      assert.equal(inner.isDisposed, false);
      return 0;
    });
    assert.equal(liveTensorCount(), before);
  });

  test('keep() lets a tensor outlive its scope', () => {
    const before = liveTensorCount();
    let escaped = zeros([1]);
    escaped.dispose();
    tidy(() => {
      escaped = keep(ones([2]));
    });
    assert.equal(escaped.isDisposed, false);
    assert.equal(liveTensorCount(), before + 1);
    escaped.dispose();
  });

  test('an exception inside tidy() still releases the scope', () => {
    const before = liveTensorCount();
    assert.throws(
      () =>
        tidy(() => {
          ones([4]).mul(3);
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(liveTensorCount(), before);
  });

  test('async functions are refused', () => {
    assert.throws(() => tidy(async () => 1), /only accepts synchronous functions/);
  });

  test('a disposed tensor gives a clear error instead of a crash', () => {
    const t = ones([2]);
    t.dispose();
    t.dispose(); // twice is fine
    assert.throws(() => t.add(1), /Tensor is disposed/);
    const inScope = tidy(() => {
      const x = ones([2]);
      return () => x.sum();
    });
    assert.throws(() => inScope(), /released by dispose\(\) or by the tidy\(\) scope/);
  });
});

describe('native memory over a long training loop', () => {
  test('2,000 steps keep RSS flat and leak no tensors', () => {
    manualSeed(3);
    const model = new Sequential(
      new Conv2d(2, 8, 3, { padding: 1 }),
      new BatchNorm2d(8),
      new ReLU(),
      new AdaptiveAvgPool2d(1),
      new Flatten(),
      new Linear(8, 2),
    );
    const opt = new Adam(model.parameters(), { lr: 1e-3 });
    const step = () =>
      tidy(() => {
        const x = randn([16, 2, 16, 16]);
        const y = randn([16, 2]);
        opt.zeroGrad();
        const loss = mseLoss(model.forward(x), y);
        loss.backward();
        opt.step();
        return loss.item();
      });
    for (let i = 0; i < 500; i++) step(); // warm-up: allocator pools and optimizer state settle
    global.gc?.();
    const live = liveTensorCount();
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 2000; i++) step();
    global.gc?.();
    const growthMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
    console.log(`RSS growth over 2,000 steps: ${growthMb.toFixed(2)} MB`);
    assert.equal(liveTensorCount(), live, 'no tensor handle may leak per step');
    assert.ok(growthMb < 12, `RSS grew by ${growthMb.toFixed(1)} MB over 2,000 steps (bound: 12 MB)`);
    opt.dispose();
    model.dispose();
  });
});
