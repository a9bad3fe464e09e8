// The prior in network units: rawFromSigmaRho inverts THE σ/ρ post-processing, priorInputs turns
// an invalid prior into "the network's centre, σ = one scale", and an untrained prior network's
// outputs are exactly its prior inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noGrad } from '../../src/engine/autograd.js';
import { fromFloat32Array, tensor, zeros } from '../../src/engine/creation.js';
import { manualSeed } from '../../src/engine/runtime.js';
import { LocalizationNet, PRIOR_INPUT_WIDTH } from '../../src/model/localization-net.js';
import { rawFromSigmaRho, sigmaRhoFromRaw } from '../../src/model/losses.js';
import { priorInputs } from '../../src/model/prior-inputs.js';
import { randomValues } from '../helpers.js';

/** A small two-receiver network that corrects the prior, seeded. */
function priorNet(seed: number): LocalizationNet {
  manualSeed(seed);
  return new LocalizationNet({
    receivers: [
      { id: 'a', east: 0, north: 1000 },
      { id: 'b', east: 800, north: -500 },
    ],
    scaleM: 1000,
    scalarCount: 8,
    widths: [4, 4, 8, 8],
    hidden: 8,
    prior: true,
  });
}

test('rawFromSigmaRho inverts sigmaRhoFromRaw (small, large σ; ρ of both signs)', () => {
  for (const [se, sn, rho] of [
    [0.01, 0.5, 0.3],
    [3, 40, -0.95],
    [0.2, 0.2, 0],
  ] as [number, number, number][]) {
    const raw = rawFromSigmaRho({ sigmaE: se * 7000, sigmaN: sn * 7000, rho }, { floor: 1e-3, scale: 7000 });
    const [back] = sigmaRhoFromRaw(raw, { floor: 1e-3, scale: 7000 });
    assert.ok(Math.abs((back?.sigmaE as number) / (se * 7000) - 1) < 1e-9, `σe ${back?.sigmaE}`);
    assert.ok(Math.abs((back?.sigmaN as number) / (sn * 7000) - 1) < 1e-9, `σn ${back?.sigmaN}`);
    assert.ok(Math.abs((back?.rho as number) - rho) < 1e-9, `ρ ${back?.rho}`);
  }
  // At or below the floor: the smallest σ the network can express (the floor), not NaN.
  const [tiny] = sigmaRhoFromRaw(rawFromSigmaRho({ sigmaE: 0, sigmaN: 1, rho: 1 }, { floor: 1e-3 }), { floor: 1e-3 });
  assert.ok(Math.abs((tiny?.sigmaE as number) - 1e-3) < 1e-5 && Number.isFinite(tiny?.rho));
});

test('priorInputs: metres → network units; an invalid prior is the centre with σ = one scale, flagged 0', () => {
  const prior = Float32Array.from([5000, -2500, 1000, 2000, 0.4, 1, 0, 0, 0, 0, 0, 0]);
  const x = priorInputs(prior, { scaleM: 10_000, sigmaFloor: 1e-3 });
  assert.equal(x.length, 2 * PRIOR_INPUT_WIDTH);
  assert.deepEqual([x[0], x[1], x[5]], [0.5, -0.25, 1]);
  const [valid, invalid] = sigmaRhoFromRaw([x[2], x[3], x[4], x[8], x[9], x[10]] as number[], { floor: 1e-3, scale: 10_000 });
  assert.ok(Math.abs((valid?.sigmaE as number) - 1000) < 0.01 && Math.abs((valid?.rho as number) - 0.4) < 1e-6);
  assert.deepEqual([x[6], x[7], x[11]], [0, 0, 0]);
  assert.ok(Math.abs((invalid?.sigmaN as number) - 10_000) < 0.1 && invalid?.rho === 0);
  assert.throws(() => priorInputs(new Float32Array(7), { scaleM: 1, sigmaFloor: 1e-3 }), {
    message: /not a whole number of 6-value priors/,
  });
});

test('an untrained prior network returns its prior inputs; without the input it refuses', () => {
  const net = priorNet(3);
  const prior = priorInputs(Float32Array.from([300, -200, 50, 80, -0.2, 1, 0, 0, 0, 0, 0, 0]), {
    scaleM: 1000,
    sigmaFloor: 1e-3,
  });
  noGrad(() => {
    net.eval();
    const out = net.predict({
      mel: zeros([2, 2, 128, 32]),
      scalars: zeros([2, 2, 8]),
      mask: fromFloat32Array(Float32Array.from([1, 1, 1, 0]), [2, 2]),
      prior: fromFloat32Array(prior, [2, PRIOR_INPUT_WIDTH]),
    });
    const pos = out.position.toFloat32Array();
    const raw = out.raw.toFloat32Array();
    assert.deepEqual([...pos], [prior[0], prior[1], prior[6], prior[7]]);
    assert.deepEqual([...raw], [prior[2], prior[3], prior[4], prior[8], prior[9], prior[10]]);
    assert.throws(() => net.predict({ mel: zeros([1, 2, 128, 32]), scalars: zeros([1, 2, 8]), mask: zeros([1, 2]) }), {
      message: /corrects the physics prior; the batch has no prior/,
    });
  });
});

test('scaleCorrection shrinks the position correction only; a plain network refuses it', () => {
  const net = priorNet(4);
  noGrad(() => {
    net.head.weight.copy_(tensor(randomValues(net.head.weight.numel, 5, -0.5, 0.5), net.head.weight.shape));
    net.head.bias?.copy_(tensor([0.3, -0.2, 0.1, 0.05, -0.1]));
  });
  const prior = priorInputs(Float32Array.from([300, -200, 50, 80, -0.2, 1]), { scaleM: 1000, sigmaFloor: 1e-3 });
  const run = () =>
    noGrad(() => {
      net.eval();
      const out = net.predict({
        mel: zeros([1, 2, 128, 32]),
        scalars: fromFloat32Array(Float32Array.from(randomValues(16, 9)), [1, 2, 8]),
        mask: fromFloat32Array(Float32Array.from([1, 1]), [1, 2]),
        prior: fromFloat32Array(prior, [1, PRIOR_INPUT_WIDTH]),
      });
      return { pos: [...out.position.toFloat32Array()], raw: [...out.raw.toFloat32Array()] };
    });
  const before = run();
  net.scaleCorrection(0.25);
  const after = run();
  for (const k of [0, 1]) {
    const expected = (prior[k] as number) + 0.25 * ((before.pos[k] as number) - (prior[k] as number));
    assert.ok(Math.abs((after.pos[k] as number) - expected) < 1e-6, `position ${k}: ${after.pos[k]} vs ${expected}`);
  }
  assert.ok(Math.abs((before.pos[0] as number) - (prior[0] as number)) > 0.01, 'the fixture has a real correction');
  for (const [k, v] of after.raw.entries()) assert.ok(Math.abs(v - (before.raw[k] as number)) < 1e-6, 'σ/ρ outputs unchanged');
  assert.throws(() => net.scaleCorrection(1.5), { message: /gain must be in \[0, 1\], got 1.5/ });
  const plain = new LocalizationNet({
    receivers: [{ id: 'a', east: 0, north: 0 }],
    scaleM: 1000,
    scalarCount: 8,
    widths: [4, 4, 8, 8],
  });
  assert.throws(() => plain.scaleCorrection(0.5), { message: /needs a network that corrects the prior/ });
});
