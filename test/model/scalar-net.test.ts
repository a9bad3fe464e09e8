// LocalizationNet for power-only data: without the spectrogram trunk (no trunk weights, no mel
// input) and with learned per-receiver power offsets on scalar channel 0 of heard receivers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noGrad } from '../../src/engine/autograd.js';
import { ones, randn, tensor } from '../../src/engine/creation.js';
import { manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import { tidy } from '../../src/engine/scope.js';
import { LocalizationNet, type LocalizationNetOptions } from '../../src/model/localization-net.js';
import { LocalizationModule, toTensors } from '../../src/train/localization-module.js';
import { randomValues, values } from '../helpers.js';

setNumThreads(1);
const receivers = [
  { id: 'a', east: -1000, north: 0 },
  { id: 'b', east: 1000, north: 0 },
  { id: 'c', east: 0, north: 1500 },
];
const S = 4;

function scalarNet(over: Partial<LocalizationNetOptions> = {}): LocalizationNet {
  manualSeed(11);
  return new LocalizationNet({ receivers, scaleM: 2000, scalarCount: S, hidden: 16, spectrogram: false, ...over });
}

/** [B, 3, S] float32 scalars: random power (channel 0) and the rest, heard flags (channel 1) as given. */
function scalarsWith(heard: number[][], seed: number): number[] {
  const v = randomValues(heard.length * 3 * S, seed, -2, 2).map(Math.fround);
  heard.forEach((row, b) => {
    row.forEach((h, r) => {
      v[(b * 3 + r) * S + 1] = h;
    });
  });
  return v;
}

test('without the spectrogram: no trunk weights, predict needs no mel, the fuse layer reads the MLP (+ prior)', () =>
  tidy(() => {
    const net = scalarNet();
    assert.equal(net.trunk, undefined);
    const keys = [...net.stateDict().keys()];
    assert.deepEqual(
      keys.filter((k) => k.startsWith('trunk.')),
      [],
    );
    assert.ok(!keys.includes('receiver_offsets'), 'no offsets unless asked for');
    assert.deepEqual(net.fuse.weight.shape, [16, 16]);
    const out = net.predict({ scalars: randn([2, 3, S]), mask: ones([2, 3], 'uint8') });
    assert.deepEqual(out.position.shape, [2, 2]);
    assert.deepEqual(out.raw.shape, [2, 3]);
    assert.ok(values(out.position).every(Number.isFinite));
    assert.deepEqual(scalarNet({ prior: true }).fuse.weight.shape, [16, 16 + 6]);
    // The default network still reads spectrograms, and refuses a batch without them.
    const full = new LocalizationNet({ receivers, scaleM: 2000, scalarCount: S, widths: [4, 8, 8, 16], hidden: 16 });
    assert.ok([...full.stateDict().keys()].some((k) => k.startsWith('trunk.')));
    assert.throws(() => full.predict({ scalars: randn([1, 3, S]), mask: ones([1, 3], 'uint8') }), /the batch has no mel/);
  }));

test('receiver offsets: offsets v give exactly the output of v added to heard receivers’ power; not-heard ones are unaffected', () =>
  tidy(() => {
    const net = scalarNet({ receiverOffsets: true }).eval();
    const offsets = net.receiverOffsets;
    assert.ok(offsets);
    assert.deepEqual(values(offsets), [0, 0, 0], 'offsets start at zero');
    assert.equal(net.stateDict().get('receiver_offsets'), offsets);
    const heard = [
      [1, 0, 1],
      [0, 1, 1],
      [1, 1, 0],
    ];
    const raw = scalarsWith(heard, 3);
    const mask = ones([3, 3], 'uint8');
    const v = [0.75, -1.5, 2.25];
    noGrad(() => offsets.copy_(tensor(v)));
    const learned = net.predict({ scalars: tensor(raw, [3, 3, S]), mask });
    // The same inputs with v added by hand to channel 0 of heard receivers, offsets back at zero.
    const shifted = raw.map((x, i) => {
      const r = Math.floor(i / S) % 3;
      return i % S === 0 ? Math.fround(x + (v[r] as number) * (raw[i + 1] as number)) : x;
    });
    noGrad(() => offsets.zero_());
    const byHand = net.predict({ scalars: tensor(shifted, [3, 3, S]), mask });
    // The same float32 additions in the same order: bit for bit.
    assert.deepEqual(values(learned.position), values(byHand.position));
    assert.deepEqual(values(learned.raw), values(byHand.raw));
    const unshifted = net.predict({ scalars: tensor(raw, [3, 3, S]), mask });
    assert.ok(
      values(unshifted.position).some((x, i) => Math.abs(x - (values(learned.position)[i] as number)) > 1e-3),
      'the offsets change the output',
    );
    // Receiver c is not heard in sample 2: its offset cannot move that sample, receiver a's does.
    const sample2 = (o: number[]) => {
      noGrad(() => offsets.copy_(tensor(o)));
      return values(net.predict({ scalars: tensor(raw, [3, 3, S]), mask }).position).slice(4, 6);
    };
    assert.deepEqual(sample2([0, 0, 5]), sample2([0, 0, 0]));
    assert.notDeepEqual(sample2([5, 0, 0]), sample2([0, 0, 0]));
  }));

test('a training step on a batch without mel reaches the receiver offsets', () =>
  tidy(() => {
    const net = scalarNet({ receiverOffsets: true, prior: true });
    const size = 4;
    const batch = toTensors(
      {
        size,
        scalars: Float32Array.from(
          scalarsWith(
            [
              [1, 1, 0],
              [1, 0, 1],
              [0, 1, 1],
              [1, 1, 1],
            ],
            5,
          ),
        ),
        mask: new Uint8Array(size * 3).fill(1),
        prior: new Float32Array(size * 6),
        target: Float32Array.from(randomValues(size * 2, 6, -1500, 1500)),
      },
      { receivers: 3, scalarCount: S, scaleM: 2000, prior: { sigmaFloor: 1e-3 } },
    );
    assert.equal(batch.mel, undefined);
    assert.deepEqual(batch.prior?.shape, [size, 6]);
    // A non-zero head, so the loss depends on the inputs (a prior network's head starts at zero).
    noGrad(() => net.head.weight.copy_(tensor(randomValues(net.head.weight.numel, 7, -0.3, 0.3), net.head.weight.shape)));
    new LocalizationModule(net).trainingStep(batch).backward();
    const grad = net.receiverOffsets?.grad;
    assert.ok(grad);
    assert.deepEqual(grad.shape, [3]);
    assert.ok(
      values(grad).every((g) => Number.isFinite(g) && g !== 0),
      `every receiver is heard somewhere: ${values(grad)}`,
    );
    assert.throws(
      () =>
        toTensors(
          {
            size: 1,
            scalars: new Float32Array(3 * S),
            mask: new Uint8Array(3),
            prior: new Float32Array(6),
            target: new Float32Array(2),
          },
          { receivers: 3, scalarCount: S, scaleM: 2000, mel: { melBands: 128, frames: 32 } },
        ),
      /reads spectrograms; the batch has no mel/,
    );
    assert.throws(() => scalarNet({ receiverOffsets: true, scalarCount: 1 }), /channels 0 \(power\) and 1 \(heard\)/);
  }));
