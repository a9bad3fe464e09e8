import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ones, randn, zeros } from '../../src/engine/creation.js';
import { manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import { tidy } from '../../src/engine/scope.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { LocalizationNet } from '../../src/model/localization-net.js';
import { values } from '../helpers.js';

setNumThreads(1);
const receivers = [
  { id: 'a', east: -1000, north: 0 },
  { id: 'b', east: 1000, north: 0 },
  { id: 'c', east: 0, north: 1500 },
];

test('outputs a position and raw uncertainty per sample; every parameter gets a gradient', () =>
  tidy(() => {
    manualSeed(2);
    const net = new LocalizationNet({ receivers, scaleM: 2000, scalarCount: 6, widths: [4, 8, 8, 16], hidden: 16 });
    const out = net.predict({ mel: randn([2, 3, 128, 32]), scalars: randn([2, 3, 6]), mask: ones([2, 3], 'uint8') });
    assert.deepEqual(out.position.shape, [2, 2]);
    assert.deepEqual(out.raw.shape, [2, 3]);
    out.position.sum().add(out.raw.sum()).backward();
    assert.ok(net.parameters().every((p) => p.grad !== null));
    assert.deepEqual(values(net.positions), [-0.5, 0, 0.5, 0, 0, 0.75]);
    const diag = new LocalizationNet({
      receivers,
      scaleM: 2000,
      scalarCount: 6,
      widths: [4, 8, 8, 16],
      hidden: 16,
      diagonal: true,
    });
    assert.deepEqual(
      diag.predict({ mel: randn([1, 3, 128, 32]), scalars: randn([1, 3, 6]), mask: ones([1, 3], 'uint8') }).raw.shape,
      [1, 2],
    );
    net.dispose();
    diag.dispose();
  }));

test('a masked receiver cannot influence the output', () =>
  tidy(() => {
    manualSeed(3);
    const net = new LocalizationNet({ receivers, scaleM: 2000, scalarCount: 6, widths: [4, 8, 8, 16], hidden: 16 }).eval();
    const mel = randn([1, 3, 128, 32]);
    const scalars = randn([1, 3, 6]);
    const mask = zeros([1, 3], 'uint8').add(1);
    const partial = mask.clone();
    partial.narrow(1, 2, 1).zero_();
    const a = net.predict({ mel, scalars, mask: partial });
    // Change receiver c's inputs wildly: with c masked, nothing changes.
    const mel2 = mel.clone();
    mel2.narrow(1, 2, 1).fill_(100);
    const b = net.predict({ mel: mel2, scalars, mask: partial });
    assert.deepEqual(values(a.position as Tensor), values(b.position as Tensor));
    const full = net.predict({ mel: mel2, scalars, mask });
    assert.notDeepEqual(values(full.position), values(a.position));
    assert.throws(() => net.predict({ mel, scalars, mask: ones([1, 2], 'uint8') }), /expected 3 receivers, the batch has 2/);
    assert.throws(() => net.forward(mel), /call predict/);
    net.dispose();
  }));
