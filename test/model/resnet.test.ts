import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randn } from '../../src/engine/creation.js';
import { manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import { tidy } from '../../src/engine/scope.js';
import { ResNet18 } from '../../src/model/resnet.js';

setNumThreads(1);

test('full-width ResNet-18 has exactly torchvision resnet18 parameter count (11,689,512)', () => {
  const net = new ResNet18({ inChannels: 3, outFeatures: 1000 });
  assert.equal(net.parameterCount(), 11_689_512);
  const names = [...net.namedParameters()].map(([n]) => n);
  for (const expected of [
    'conv1.weight',
    'bn1.weight',
    'layer1.0.conv1.weight',
    'layer2.0.downsample.0.weight',
    'layer4.1.bn2.bias',
    'fc.weight',
  ]) {
    assert.ok(names.includes(expected), `missing ${expected}`);
  }
  assert.equal(names.length, 62);
  net.dispose();
});

test('a narrow ResNet maps [N, receivers, 128, 32] to [N, outFeatures] and trains', () =>
  tidy(() => {
    manualSeed(4);
    const net = new ResNet18({ inChannels: 7, widths: [8, 16, 32, 64], outFeatures: 5 });
    const x = randn([2, 7, 128, 32]);
    const out = net.forward(x);
    assert.deepEqual(out.shape, [2, 5]);
    assert.equal(net.featureSize, 64);
    assert.deepEqual(net.features(x).shape, [2, 64]);
    out.pow(2).mean().backward();
    const grads = net.parameters().map((p) => p.grad);
    assert.ok(
      grads.every((g) => g !== null && Number.isFinite(g.norm().item())),
      'every parameter gets a finite gradient',
    );
    net.dispose();
  }));

test('outFeatures 0 leaves the pooled features without a head', () =>
  tidy(() => {
    const net = new ResNet18({ inChannels: 2, widths: [4, 4, 8, 8], outFeatures: 0 });
    assert.equal(net.fc, null);
    assert.deepEqual(net.forward(randn([1, 2, 32, 16])).shape, [1, 8]);
    net.dispose();
  }));
