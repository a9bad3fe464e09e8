import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveTensorCount } from '../../src/engine/runtime.js';
import { runToyRegression } from '../../src/train/toy-regression.js';

test('the toy regression loss falls by more than 10× and generalizes', () => {
  const live = liveTensorCount();
  const logged: number[] = [];
  const r = runToyRegression({ steps: 300, logEvery: 100 }, (step) => logged.push(step));
  assert.deepEqual(logged, [1, 100, 200, 300]);
  assert.ok(r.finalLoss < r.initialLoss / 10, `loss ${r.initialLoss} → ${r.finalLoss}`);
  assert.ok(r.testLoss < 0.03, `held-out loss ${r.testLoss}`);
  assert.equal(r.parameters, 2 * 64 + 64 + 64 * 64 + 64 + 64 + 1);
  assert.equal(liveTensorCount(), live, 'the run releases everything it allocated');
});

test('the same seed gives the same losses; another seed does not', () => {
  const a = runToyRegression({ steps: 30, seed: 7, logEvery: 10 });
  const b = runToyRegression({ steps: 30, seed: 7, logEvery: 10 });
  const c = runToyRegression({ steps: 30, seed: 8, logEvery: 10 });
  assert.deepEqual(b.losses, a.losses);
  assert.equal(b.testLoss, a.testLoss);
  assert.notDeepEqual(c.losses, a.losses);
});

test('bad options are refused', () => {
  assert.throws(() => runToyRegression({ steps: 0 }), /steps must be a positive integer, got 0/);
  assert.throws(() => runToyRegression({ batchSize: 1.5 }), /batchSize must be a positive integer, got 1.5/);
});
