// The smallest complete training run on the engine: an MLP fits a smooth 2-D function.
// It is the install check and the readable example of a training step: forward, loss,
// backward, clip, optimizer step, all inside tidy() so native memory stays flat.
import { noGrad } from '../engine/autograd.js';
import { rand } from '../engine/creation.js';
import { mseLoss } from '../engine/functional.js';
import { Linear, ReLU, Sequential } from '../engine/nn/layers.js';
import { Adam } from '../engine/optim/adam.js';
import { clipGradNorm } from '../engine/optim/clip.js';
import { getNumThreads, manualSeed } from '../engine/runtime.js';
import { keep, tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { type ToyRegressionOptions, toyRegressionDefaults } from './toy-regression-defaults.js';

export interface ToyRegressionResult {
  losses: { step: number; loss: number }[];
  initialLoss: number;
  finalLoss: number;
  testLoss: number;
  parameters: number;
  threads: number;
  seconds: number;
}

/** y = sin(π x₁) · cos(π x₂) + 0.5 x₁ on [-1, 1]². */
function target(x: Tensor): Tensor {
  return tidy(() => {
    const x1 = x.select(1, 0);
    const x2 = x.select(1, 1);
    return x1.mul(Math.PI).sin().mul(x2.mul(Math.PI).cos()).add(x1.mul(0.5)).unsqueeze(1);
  });
}

function sampleInputs(n: number): Tensor {
  return tidy(() => rand([n, 2]).mul(2).sub(1));
}

export function runToyRegression(
  options: Partial<ToyRegressionOptions> = {},
  onLog: (step: number, loss: number) => void = () => {},
): ToyRegressionResult {
  const o = { ...toyRegressionDefaults, ...options };
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new RangeError(`steps must be a positive integer, got ${o.steps}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer, got ${o.batchSize}`);
  manualSeed(o.seed);
  const started = performance.now();
  const model = new Sequential(new Linear(2, 64), new ReLU(), new Linear(64, 64), new ReLU(), new Linear(64, 1));
  const optimizer = new Adam(model.parameters(), { lr: o.lr });
  const testX = keep(sampleInputs(1024));
  const testY = keep(target(testX));
  const losses: { step: number; loss: number }[] = [];
  try {
    for (let step = 1; step <= o.steps; step++) {
      const loss = tidy(() => {
        const x = sampleInputs(o.batchSize);
        const l = mseLoss(model.forward(x), target(x));
        optimizer.zeroGrad();
        l.backward();
        clipGradNorm(model.parameters(), 1.0);
        optimizer.step();
        return l.item();
      });
      if (!Number.isFinite(loss)) throw new Error(`toy regression diverged: loss is ${loss} at step ${step}`);
      if (step === 1 || step % o.logEvery === 0 || step === o.steps) {
        losses.push({ step, loss });
        onLog(step, loss);
      }
    }
    const testLoss = tidy(() => noGrad(() => mseLoss(model.forward(testX), testY).item()));
    return {
      losses,
      initialLoss: losses[0]?.loss ?? Number.NaN,
      finalLoss: losses[losses.length - 1]?.loss ?? Number.NaN,
      testLoss,
      parameters: model.parameterCount(),
      threads: getNumThreads(),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
    testX.dispose();
    testY.dispose();
  }
}
