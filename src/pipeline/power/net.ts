// LocalizationNet's scalar path on power-only data: no spectrogram branch, learned per-receiver
// power offsets, and the radio map's posterior as its prior — the network learns a CORRECTION of
// the radio map, starting at zero. After training, validation decides how much of the correction
// to keep (the same significance tests as the IQ path: eval/calibration.ts fitCorrectionGain for
// the position, pipeline/evaluate.ts fitUncertaintyGain for the covariance); a correction that
// does not help significantly is dropped, so the network is never worse than the map on
// validation unless the data say so. Inference and the weights file: predict/power-net.ts.
import { manualSeed } from '../../engine/runtime.js';
import { type CorrectionGain, fitCorrectionGain } from '../../eval/calibration.js';
import { type PowerNetInputs, type PowerNetSpec, powerNetInputs } from '../../locate/power/net-inputs.js';
import type { RadioMap } from '../../locate/power/radio-map.js';
import type { PowerSample } from '../../locate/power/samples.js';
import type { LocationEstimate } from '../../locate/types.js';
import { Rng } from '../../math/rng.js';
import type { LocalizationNet } from '../../model/localization-net.js';
import { buildPowerNet, powerNetBatch, powerNetOutputs } from '../../predict/power-net.js';
import { loadCheckpointWeights } from '../../train/load-weights.js';
import { LocalizationModule, type TensorBatch } from '../../train/localization-module.js';
import { Trainer } from '../../train/trainer.js';
import type { DataSource } from '../../train/types.js';
import { fitUncertaintyGain } from '../evaluate.js';
import { SIGMA_FLOOR } from '../train.js';

export interface PowerNetOptions {
  seed: number;
  maxEpochs?: number;
  batchSize?: number;
  hidden?: number;
  lr?: number;
  patience?: number;
  checkpointDir: string;
  /** Called after each epoch with its metrics (a job's progress: pipeline/jobs). */
  onEpoch?: (epoch: number, maxEpochs: number, metrics: Record<string, number>) => void | Promise<void>;
  signal?: AbortSignal;
  log: (line: string) => void;
}

export interface TrainedPowerNet {
  net: LocalizationNet;
  spec: PowerNetSpec;
  epochs: number;
  bestEpoch: number;
  /** The kept shares of the learned correction (0: the radio map itself). */
  positionGain: CorrectionGain;
  uncertaintyGain: number;
}

/** Shuffled batches per epoch: a pure function of the seed and the epoch (the Trainer's contract). */
function source(
  x: PowerNetInputs,
  spec: PowerNetSpec,
  batchSize: number,
  seed: number,
  shuffle: boolean,
): DataSource<TensorBatch> {
  const n = x.size;
  return {
    batchesPerEpoch: Math.ceil(n / batchSize),
    *epoch(e: number) {
      const order = Array.from({ length: n }, (_, i) => i);
      if (shuffle) new Rng(seed, 'power-net-epoch', e).shuffle(order);
      for (let k = 0; k < n; k += batchSize) yield powerNetBatch(x, order.slice(k, k + batchSize), spec, SIGMA_FLOOR);
    },
  };
}

export async function trainPowerNet(
  map: RadioMap,
  spec: PowerNetSpec,
  data: {
    train: readonly PowerSample[];
    val: readonly PowerSample[];
    trainPriors: readonly (LocationEstimate | undefined)[];
    valPriors: readonly (LocationEstimate | undefined)[];
  },
  o: PowerNetOptions,
): Promise<TrainedPowerNet> {
  manualSeed(o.seed);
  const net = buildPowerNet(map, spec, o.hidden ?? 64);
  const train = powerNetInputs(data.train, data.trainPriors, spec);
  const val = powerNetInputs(data.val, data.valPriors, spec);
  const batchSize = o.batchSize ?? 64;
  const maxEpochs = o.maxEpochs ?? 40;
  const perEpoch = Math.ceil(train.size / batchSize);
  o.log(
    `    LocalizationNet, scalar path (${net.parameterCount().toLocaleString('en')} parameters, ${spec.receivers.length} receivers, no spectrogram branch, learned device offsets), correcting the radio map …`,
  );
  const trainer = new Trainer({
    maxEpochs,
    lr: o.lr ?? 1e-3,
    optimizer: 'adamw',
    weightDecay: 1e-4,
    gradClipNorm: 1,
    schedule: { kind: 'cosine', warmupSteps: Math.max(1, perEpoch) },
    earlyStopping: { monitor: 'val_nll', patience: o.patience ?? 6 },
    checkpointDir: o.checkpointDir,
    keepBest: 1,
    seed: o.seed,
    ...(o.signal ? { signal: o.signal } : {}),
    log: (line) => o.log(`      ${line}`),
    callbacks: o.onEpoch
      ? [{ onTrainEpochEnd: (_t: Trainer, m: Record<string, number>) => o.onEpoch?.(m.epoch ?? 0, maxEpochs, m) }]
      : [],
  });
  const fit = await trainer.fit(
    new LocalizationModule(net, SIGMA_FLOOR),
    source(train, spec, batchSize, o.seed, true),
    source(val, spec, 256, o.seed, false),
  );
  if (fit.bestCheckpoint) loadCheckpointWeights(net, fit.bestCheckpoint);
  const v = powerNetOutputs(net, spec, val, SIGMA_FLOOR);
  const positionGain = fitCorrectionGain(v.prior, v.model, v.truth, { seed: o.seed });
  const uncertainty = fitUncertaintyGain(v, {
    positionGain: positionGain.gain,
    sigmaFloor: SIGMA_FLOOR,
    scaleM: spec.scaleM,
    diagonal: false,
  });
  if (positionGain.gain !== 1 || uncertainty.gain !== 1) net.scaleCorrection(positionGain.gain, uncertainty.gain);
  o.log(
    `    validation median: radio map ${positionGain.priorMedianM.toFixed(0)} m, with the whole correction ${positionGain.fullMedianM.toFixed(0)} m (the best share ${positionGain.bestGain.toFixed(2)}, its improvement's 95 % upper bound ${positionGain.improvementUpperM.toFixed(0)} m); mean NLL ${uncertainty.priorMeanNll.toFixed(2)} → ${uncertainty.meanNll.toFixed(2)}`,
  );
  o.log(
    `    kept ${(100 * positionGain.gain).toFixed(0)} % of the learned position correction and ${(100 * uncertainty.gain).toFixed(0)} % of the uncertainty correction (only what is significant on validation)`,
  );
  return { net, spec, epochs: fit.epochs, bestEpoch: fit.bestEpoch, positionGain, uncertaintyGain: uncertainty.gain };
}
