import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noGrad } from '../../src/engine/autograd.js';
import { ones, randn, zeros } from '../../src/engine/creation.js';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../../src/engine/nn/layers.js';
import { manualSeed } from '../../src/engine/runtime.js';
import { tidy } from '../../src/engine/scope.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { values } from '../helpers.js';

function makeNet(): Sequential {
  return new Sequential(
    new Conv2d(2, 3, 3, { padding: 1 }),
    new BatchNorm2d(3),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(12, 2),
  );
}

describe('Module', () => {
  test('names parameters and buffers the way PyTorch does', () => {
    const net = makeNet();
    assert.deepEqual(
      [...net.namedParameters()].map(([n, p]) => `${n}:${p.shape.join('x')}`),
      ['0.weight:3x2x3x3', '0.bias:3', '1.weight:3', '1.bias:3', '5.weight:2x12', '5.bias:2'],
    );
    assert.deepEqual(
      [...net.namedBuffers()].map(([n]) => n),
      ['1.running_mean', '1.running_var', '1.num_batches_tracked'],
    );
    assert.equal(net.parameterCount(), 3 * 2 * 9 + 3 + 3 + 3 + 24 + 2);
    assert.ok(net.parameters().every((p) => p.requiresGrad));
    net.dispose();
  });

  test('default initialization stays within PyTorch bounds (±1/√fan_in)', () => {
    manualSeed(5);
    const conv = new Conv2d(4, 8, 3);
    const lin = new Linear(50, 10);
    const bound = (t: Tensor, b: number) => Math.max(...values(t).map(Math.abs)) <= b;
    assert.ok(bound(conv.weight, 1 / Math.sqrt(36)));
    assert.ok(bound(lin.weight, 1 / Math.sqrt(50)));
    assert.ok(bound(lin.bias as Tensor, 1 / Math.sqrt(50)));
    assert.ok(Math.max(...values(lin.weight).map(Math.abs)) > 0.5 / Math.sqrt(50), 'weights spread over the range');
    conv.dispose();
    lin.dispose();
  });

  test('train()/eval() propagate and change batch-norm behaviour', () =>
    tidy(() => {
      manualSeed(1);
      const net = makeNet();
      const x = randn([4, 2, 4, 4]).mul(3).add(1);
      net.eval();
      assert.ok(net.layers.every((m) => m.training === false));
      const evalOut = values(net.forward(x));
      const bn = net.layers[1] as BatchNorm2d;
      assert.equal(bn.numBatchesTracked.item(), 0, 'eval does not count batches');
      net.train();
      const trainOut = values(net.forward(x));
      assert.equal(bn.numBatchesTracked.item(), 1);
      assert.notDeepEqual(trainOut, evalOut);
      assert.ok(
        values(bn.runningMean).some((v) => v !== 0),
        'running mean moved in training',
      );
      net.dispose();
    }));

  test('loadStateDict copies values and reports mismatches by name', () =>
    tidy(() => {
      manualSeed(2);
      const a = makeNet();
      const b = makeNet();
      b.loadStateDict(a.stateDict());
      const target = b.stateDict();
      for (const [name, t] of a.stateDict()) assert.deepEqual(values(target.get(name) as Tensor), values(t), name);
      const partial = new Map([...a.stateDict()].filter(([n]) => n !== '5.bias'));
      partial.set('extra.weight', zeros([1]));
      assert.throws(() => b.loadStateDict(partial), /keys do not match \(missing: \[5\.bias\]; unexpected: \[extra\.weight\]\)/);
      const wrongShape = new Map(a.stateDict());
      wrongShape.set('5.weight', zeros([2, 11]));
      assert.throws(() => b.loadStateDict(wrongShape), /'5\.weight' has shape \[2,11\] in the source but \[2,12\] in the model/);
      b.loadStateDict(new Map([['5.bias', ones([2])]]), false);
      assert.deepEqual(values(b.layers[5]?.parameters()[1] as Tensor), [1, 1]);
      a.dispose();
      b.dispose();
    }));

  test('zeroGrad clears the gradients of every parameter', () =>
    tidy(() => {
      const net = makeNet();
      net
        .forward(randn([2, 2, 4, 4]))
        .sum()
        .backward();
      assert.ok(net.parameters().every((p) => p.grad !== null));
      net.zeroGrad();
      assert.ok(net.parameters().every((p) => p.grad === null));
      noGrad(() => net.dispose());
    }));

  test('BatchNorm2d refuses inputs that are not 4-D', () =>
    tidy(() => {
      const bn = new BatchNorm2d(3);
      assert.throws(() => bn.forward(zeros([2, 3])), /BatchNorm2d: expected a 4-D input \[N, C, H, W\], got shape \[2, 3\]/);
      bn.dispose();
    }));
});
