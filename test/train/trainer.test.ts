import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tensor } from '../../src/engine/creation.js';
import { dropout, mseLoss } from '../../src/engine/functional.js';
import { Linear, ReLU, Sequential } from '../../src/engine/nn/layers.js';
import type { Module } from '../../src/engine/nn/module.js';
import { liveTensorCount, manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import { saveSafetensors } from '../../src/engine/safetensors.js';
import { keep, tidy } from '../../src/engine/scope.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { constantSchedule, cosineSchedule, scheduleFromSpec } from '../../src/train/schedule.js';
import { type FitResult, Trainer, type TrainerConfig } from '../../src/train/trainer.js';
import type { DataSource, TrainableModule } from '../../src/train/types.js';
import { assertClose, prng, randomValues } from '../helpers.js';

setNumThreads(1);

const root = mkdtempSync(join(tmpdir(), 'heimdall-trainer-'));
let dirCount = 0;
const freshDir = (): string => join(root, `run-${dirCount++}`);
after(() => rmSync(root, { recursive: true, force: true }));

interface Batch {
  x: Tensor;
  y: Tensor;
}

/** y = x0 − 2·x1 + x2·x3 on 4-D inputs uniform in [-1, 1). */
class Dataset {
  readonly x: Tensor;
  readonly y: Tensor;
  constructor(
    readonly n: number,
    seed: number,
  ) {
    const xs = randomValues(n * 4, seed);
    const ys = Array.from({ length: n }, (_, i) => {
      const [a, b, c, d] = xs.slice(4 * i, 4 * i + 4) as [number, number, number, number];
      return a - 2 * b + c * d;
    });
    this.x = keep(tensor(xs, [n, 4]));
    this.y = keep(tensor(ys, [n, 1]));
  }
  dispose(): void {
    this.x.dispose();
    this.y.dispose();
  }
}

/** Batches of a dataset, shuffled per epoch from (seed, epoch) by a plain JS PRNG (Fisher–Yates). */
class Source implements DataSource<Batch> {
  readonly batchesPerEpoch: number;
  constructor(
    readonly data: Dataset,
    readonly batchSize: number,
    readonly seed: number,
    readonly shuffle = true,
  ) {
    this.batchesPerEpoch = Math.ceil(data.n / batchSize);
  }
  *epoch(epoch: number): Iterable<Batch> {
    const order = Array.from({ length: this.data.n }, (_, i) => i);
    if (this.shuffle) {
      const r = prng(this.seed * 100_003 + epoch);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
    }
    for (let start = 0; start < order.length; start += this.batchSize) {
      const idx = order.slice(start, start + this.batchSize);
      yield tidy(() => {
        const index = tensor(idx, [idx.length], 'int64');
        return { x: this.data.x.indexSelect(0, index), y: this.data.y.indexSelect(0, index) };
      });
    }
  }
}

/** Linear(4,16) → ReLU → Linear(16,1) fitted by MSE; optional input dropout makes the RNG matter. */
class Regressor implements TrainableModule<Batch> {
  readonly module: Module;
  constructor(
    initSeed: number,
    readonly inputDropout = 0,
  ) {
    manualSeed(initSeed);
    this.module = new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 1));
  }
  trainingStep(b: Batch): Tensor {
    const x = this.inputDropout > 0 ? dropout(b.x, this.inputDropout, true) : b.x;
    return mseLoss(this.module.forward(x), b.y);
  }
  validationStep(b: Batch): Record<string, number> {
    return { loss: mseLoss(this.module.forward(b.x), b.y).item(), count: b.x.shape[0] ?? 0 };
  }
}

const quiet: TrainerConfig = { log: () => {}, earlyStopping: null, lr: 1e-2 };

function weightBytes(m: Module): string[] {
  return [...m.namedParameters()].map(([name, p]) => {
    const a = p.toTypedArray();
    return `${name}:${Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex')}`;
  });
}

const trainData = new Dataset(32, 11);
const valData = new Dataset(16, 12);
after(() => {
  trainData.dispose();
  valData.dispose();
});
const train = new Source(trainData, 8, 5);
const val = new Source(valData, 8, 0, false);

describe('Trainer', () => {
  test('overfits a tiny dataset (loss falls more than 10×) and releases its tensors', async () => {
    const model = new Regressor(1);
    const live = liveTensorCount();
    const lines: string[] = [];
    const r = await new Trainer({ ...quiet, maxEpochs: 80, log: (l) => lines.push(l) }).fit(model, train, val);
    assert.equal(r.stoppedBecause, 'max_epochs');
    assert.equal(r.epochs, 80);
    assert.equal(r.globalStep, 80 * 4);
    assert.equal(r.monitor, 'val_loss');
    const first = r.history[0]?.train_loss as number;
    const last = r.history[79]?.train_loss as number;
    assert.ok(last < first / 10, `train loss ${first} → ${last}`);
    assert.ok((r.history[79]?.val_loss as number) < (r.history[0]?.val_loss as number));
    assert.equal(lines.length, 81, 'one line per epoch plus a final one');
    assert.match(lines[0] as string, /^epoch 1\/80 {2}train_loss \d+\.\d+ {2}val_loss/);
    assert.equal(liveTensorCount(), live, 'batches and optimizer state are released');
    assert.equal(model.module.training, true);
    model.module.dispose();
  });

  test('early stopping stops after `patience` epochs without improvement', async () => {
    const scripted = [5, 4, 3, 3.5, 3, 2.99, 2.995];
    let trainer: Trainer | null = null;
    const model = new Regressor(1);
    const stub: TrainableModule<Batch> = {
      module: model.module,
      trainingStep: (b) => model.trainingStep(b),
      validationStep: (b) => {
        assert.equal(model.module.training, false, 'validation runs in eval mode');
        return { nll: scripted[(trainer?.epoch ?? 0) - 1] ?? 0, count: b.x.shape[0] ?? 0 };
      },
    };
    trainer = new Trainer({ ...quiet, maxEpochs: 50, earlyStopping: { patience: 3, minDelta: 0.02 } });
    const r = await trainer.fit(stub, train, val);
    // Epochs 1–3 improve; 4 (3.5), 5 (3, not < 3 − 0.02) and 6 (2.99, not < 2.98) do not → stop after 6.
    assert.equal(r.stoppedBecause, 'early_stopping');
    assert.equal(r.monitor, 'val_nll', 'val_nll is preferred when validation reports it');
    assert.equal(r.epochs, 6);
    assert.equal(r.bestEpoch, 3);
    assert.equal(r.bestMetric, 3);
    assert.deepEqual(
      r.history.map((h) => h.val_nll),
      scripted.slice(0, 6),
    );
    model.module.dispose();
  });

  test('a run resumed after epoch 3 ends with the same weights and history as an uninterrupted one', async () => {
    const config: TrainerConfig = {
      ...quiet,
      optimizer: 'adamw',
      schedule: { kind: 'cosine', warmupSteps: 4, totalSteps: 24, minLr: 1e-4 },
      earlyStopping: { patience: 10, minDelta: 0 },
    };
    const straight = new Regressor(1, 0.1);
    const a = await new Trainer({ ...config, maxEpochs: 6, checkpointDir: freshDir() }).fit(straight, train, val);

    const dir = freshDir();
    const first = new Regressor(1, 0.1);
    const b1 = await new Trainer({ ...config, maxEpochs: 3, checkpointDir: dir }).fit(first, train, val);
    assert.equal(b1.epochs, 3);
    first.module.dispose();
    const resumed = new Regressor(999, 0.1); // other initial weights: everything must come from the checkpoint
    const b2 = await new Trainer({ ...config, maxEpochs: 6, checkpointDir: dir }).fit(resumed, train, val, 'last');

    assert.equal(b2.epochs, 6);
    assert.equal(b2.globalStep, a.globalStep);
    assert.deepEqual(weightBytes(resumed.module), weightBytes(straight.module));
    assert.deepEqual(b2.history, a.history);
    assert.equal(b2.bestEpoch, a.bestEpoch);
    assert.equal(b2.bestMetric, a.bestMetric);
    straight.module.dispose();
    resumed.module.dispose();
  });

  test('two runs with one seed give identical metrics; another trainer seed does not', async () => {
    const run = async (seed: number): Promise<FitResult> => {
      const m = new Regressor(3, 0.2);
      const r = await new Trainer({ ...quiet, maxEpochs: 4, seed }).fit(m, train, val);
      m.module.dispose();
      return r;
    };
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    assert.deepEqual(b.history, a.history);
    assert.notDeepEqual(c.history, a.history, 'the seed drives dropout');
  });

  test('a NaN loss stops the run with an error naming the epoch and batch', async () => {
    const model = new Regressor(1);
    let calls = 0;
    const poisoned: TrainableModule<Batch> = {
      module: model.module,
      trainingStep: (b) => {
        calls++;
        const loss = model.trainingStep(b);
        return calls === 5 ? loss.mul(Number.NaN) : loss; // 4 batches per epoch: call 5 = epoch 2, batch 1
      },
      validationStep: (b) => model.validationStep(b),
    };
    const seen: unknown[] = [];
    const trainer = new Trainer({
      ...quiet,
      maxEpochs: 5,
      callbacks: [{ onException: (_t, err) => void seen.push(err) }],
    });
    const live = liveTensorCount();
    await assert.rejects(trainer.fit(poisoned, train, val), /loss is NaN at epoch 2, batch 1 \(global step 5\)/);
    assert.equal(seen.length, 1);
    assert.equal(trainer.stoppedBecause, 'nan');
    assert.equal(trainer.history.length, 1);
    assert.equal(liveTensorCount(), live);
    model.module.dispose();
  });

  test('an abort mid-epoch saves last, reports aborted, and resumes exactly', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    const batchEnds: number[] = [];
    const model = new Regressor(2, 0.1);
    const r = await new Trainer({
      ...quiet,
      maxEpochs: 3,
      checkpointDir: dir,
      signal: controller.signal,
      callbacks: [
        {
          onTrainBatchEnd: (t, _loss, i) => {
            batchEnds.push(i);
            if (t.globalStep === 6) controller.abort(); // epoch 2, after its second batch
          },
        },
      ],
    }).fit(model, train, val);
    assert.equal(r.stoppedBecause, 'aborted');
    assert.equal(r.epochs, 1);
    assert.equal(r.globalStep, 6);
    assert.deepEqual(batchEnds, [0, 1, 2, 3, 0, 1]);
    assert.ok(existsSync(join(dir, 'last.safetensors')));
    model.module.dispose();

    const straight = new Regressor(2, 0.1);
    const a = await new Trainer({ ...quiet, maxEpochs: 3 }).fit(straight, train, val);
    const resumed = new Regressor(5, 0.1);
    const b = await new Trainer({ ...quiet, maxEpochs: 3, checkpointDir: dir }).fit(resumed, train, val, dir);
    assert.equal(b.stoppedBecause, 'max_epochs');
    assert.deepEqual(weightBytes(resumed.module), weightBytes(straight.module));
    assert.deepEqual(b.history, a.history);
    straight.module.dispose();
    resumed.module.dispose();
  });

  test('keeps exactly the k best checkpoints', async () => {
    const dir = freshDir();
    const model = new Regressor(4);
    const r = await new Trainer({ ...quiet, lr: 3e-2, maxEpochs: 8, keepBest: 2, checkpointDir: dir }).fit(model, train, val);
    const files = readdirSync(dir).sort();
    const best = files.filter((f) => f.startsWith('best-'));
    assert.equal(best.length, 2, `files: ${files.join(', ')}`);
    assert.ok(files.includes('last.safetensors'));
    assert.equal(files.length, 3, 'no temporaries left behind');
    const ranked = [...r.history].sort((x, y) => (x.val_loss as number) - (y.val_loss as number)).slice(0, 2);
    assert.deepEqual(best, ranked.map((h) => `best-epoch-${String(h.epoch).padStart(4, '0')}.safetensors`).sort());
    assert.equal(r.bestCheckpoint, join(dir, `best-epoch-${String(r.bestEpoch).padStart(4, '0')}.safetensors`));
    model.module.dispose();
  });

  test('refuses bad options and non-trainer checkpoints', async () => {
    assert.throws(() => new Trainer({ maxEpochs: 0 }), /maxEpochs must be a positive integer, got 0/);
    assert.throws(() => new Trainer({ earlyStopping: { patience: 0 } }), /patience must be a positive integer, got 0/);
    const model = new Regressor(1);
    await assert.rejects(
      new Trainer({ ...quiet, earlyStopping: { monitor: 'val_acc' }, maxEpochs: 1 }).fit(model, train, val),
      /monitored metric 'val_acc' is not among the epoch metrics \[epoch, step, train_loss, lr, val_loss\]/,
    );
    await assert.rejects(
      new Trainer({ ...quiet, schedule: { kind: 'cosine', warmupSteps: 2 } }).fit(model, { epoch: () => train.epoch(1) }),
      /totalSteps is not set/,
    );
    const plain = join(root, 'plain.safetensors');
    saveSafetensors(plain, model.module.stateDict());
    await assert.rejects(new Trainer(quiet).fit(model, train, val, plain), /plain\.safetensors is not a trainer checkpoint/);
    await assert.rejects(new Trainer(quiet).fit(model, train, val, 'last'), /resumeFrom 'last' needs checkpointDir/);
    model.module.dispose();
  });
});

describe('learning-rate schedules', () => {
  test('constant', () => {
    const s = constantSchedule(0.01);
    assert.deepEqual([0, 1, 1000].map(s.lrAt), [0.01, 0.01, 0.01]);
  });

  test('cosine with linear warm-up at known steps', () => {
    const s = cosineSchedule({ lr: 1, warmupSteps: 4, totalSteps: 14, minLr: 0.1 });
    const steps = [0, 1, 3, 4, 9, 14, 100];
    // Warm-up (s+1)/4; then 0.1 + 0.9·(1 + cos(π(s−4)/10))/2: s=9 is half-way → 0.55.
    assertClose(
      steps.map((t) => s.lrAt(t)),
      [0.25, 0.5, 1, 1, 0.55, 0.1, 0.1],
      1e-12,
    );
    const noWarmup = cosineSchedule({ lr: 2, warmupSteps: 0, totalSteps: 4 });
    assertClose([noWarmup.lrAt(0), noWarmup.lrAt(1), noWarmup.lrAt(4)], [2, 1 + Math.SQRT1_2, 0], 1e-12);
    assertClose([scheduleFromSpec({ kind: 'cosine', warmupSteps: 4 }, 1, 14).lrAt(9)], [0.5], 1e-12);
  });

  test('bad schedule arguments are refused', () => {
    assert.throws(() => cosineSchedule({ lr: 1, warmupSteps: 5, totalSteps: 5 }), /totalSteps must be an integer > warmupSteps/);
    assert.throws(() => cosineSchedule({ lr: 1, warmupSteps: 0, totalSteps: 5, minLr: 2 }), /minLr must lie in/);
    assert.throws(() => constantSchedule(1).lrAt(-1), /step must be a non-negative integer, got -1/);
  });
});
