// A tiny LocalizationNet trained for a few epochs on a small simulated nw-italy-2m set, exported
// with calibrated σ: the shared setup of the predict tests (about 20 s on 2 cores). Features come
// from the SigMF files through the same extractor and normalization that predict uses.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noGrad } from '../../src/engine/autograd.js';
import { fromFloat32Array, fromTypedArray } from '../../src/engine/creation.js';
import { AdamW } from '../../src/engine/optim/adam.js';
import { manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import { tidy } from '../../src/engine/scope.js';
import { fitSigmaScale } from '../../src/eval/calibration.js';
import { type ExportResult, exportLocalizationNet, localizationMetadata } from '../../src/export/export.js';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { LocalizationNet } from '../../src/model/localization-net.js';
import { covarianceFromRaw, gaussianNll } from '../../src/model/losses.js';
import { loadRecordingSets, type RecordingSet } from '../../src/predict/sets.js';
import { defaultFeatureConfig } from '../../src/signal/features/config.js';
import type { TransmissionFeatures } from '../../src/signal/features/extract.js';
import { FeatureExtractor } from '../../src/signal/features/extractor.js';
import { SCALAR_COUNT } from '../../src/signal/features/scalars.js';
import { type FeatureStats, FeatureStatsAccumulator, normalizeFeatures } from '../../src/signal/features/stats.js';
import { resolveScenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulate.js';

export interface Labelled {
  set: RecordingSet;
  features: TransmissionFeatures;
  east: number;
  north: number;
}

export interface TrainedFixture {
  dir: string;
  modelPath: string;
  exported: ExportResult;
  net: LocalizationNet;
  frame: LocalFrame;
  stats: FeatureStats;
  sigmaScale: number;
  receivers: string[];
  test: Labelled[];
}

const c = defaultFeatureConfig;
const SIGMA_FLOOR = 1e-3;

function batchOf(items: Labelled[], r: number, scaleM: number) {
  const block = r * c.melBands * c.frames;
  const mel = new Float32Array(items.length * block);
  const scalars = new Float32Array(items.length * r * SCALAR_COUNT);
  const mask = new Uint8Array(items.length * r);
  const target = new Float32Array(items.length * 2);
  items.forEach((x, i) => {
    mel.set(x.features.mel, i * block);
    scalars.set(x.features.scalars, i * r * SCALAR_COUNT);
    mask.set(x.features.mask, i * r);
    target[2 * i] = x.east / scaleM;
    target[2 * i + 1] = x.north / scaleM;
  });
  return { size: items.length, mel, scalars, mask, target };
}

export async function trainedFixture(o: { samples?: number; epochs?: number } = {}): Promise<TrainedFixture> {
  setNumThreads(2);
  const samples = o.samples ?? 240;
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-predict-'));
  const scenario = resolveScenario({ preset: 'nw-italy-2m' });
  await simulate({ scenario, seed: 5, samples, outDir: join(dir, 'sim') });
  const network = scenario.network.receivers;
  const frame = LocalFrame.centroidOf(network);
  const receivers = network.map((r) => ({ id: r.id, ...frame.toLocal(r) }));
  const ids = receivers.map((r) => r.id);
  const scaleM = Math.max(1000, ...receivers.map((p) => Math.hypot(p.east, p.north)));

  const extractor = new FeatureExtractor({ config: c, receivers: ids, workers: 1 });
  const all: Labelled[] = [];
  for (const set of loadRecordingSets([join(dir, 'sim')])) {
    const truth = set.extra?.['heimdall:truth'] as { lat: number; lon: number };
    all.push({ set, features: await extractor.extract(set.recordings), ...frame.toLocal(truth) });
  }
  await extractor.close();
  const nTrain = Math.round(samples * 0.6);
  const nVal = Math.round(samples * 0.2);
  const train = all.slice(0, nTrain);
  const val = all.slice(nTrain, nTrain + nVal);
  const test = all.slice(nTrain + nVal);
  const acc = new FeatureStatsAccumulator(c.melBands, c.frames);
  for (const x of train) acc.add(x.features);
  const stats = acc.finish();
  for (const x of all) normalizeFeatures(x.features, stats);

  manualSeed(5);
  const net = new LocalizationNet({ receivers, scaleM, scalarCount: SCALAR_COUNT, widths: [4, 8, 8, 16], hidden: 32 });
  const opt = new AdamW(net.parameters(), { lr: 3e-3, weightDecay: 1e-4 });
  const r = ids.length;
  const toTensors = (b: ReturnType<typeof batchOf>) => ({
    mel: fromFloat32Array(b.mel, [b.size, r, c.melBands, c.frames]),
    scalars: fromFloat32Array(b.scalars, [b.size, r, SCALAR_COUNT]),
    mask: fromTypedArray(b.mask, [b.size, r]),
    target: fromFloat32Array(b.target, [b.size, 2]),
  });
  for (let epoch = 0; epoch < (o.epochs ?? 25); epoch++) {
    for (let i = 0; i < train.length; i += 16) {
      const b = batchOf(train.slice(i, i + 16), r, scaleM);
      tidy(() => {
        opt.zeroGrad();
        const t = toTensors(b);
        const out = net.predict(t);
        gaussianNll(out.position, out.raw, t.target, { floor: SIGMA_FLOOR }).backward();
        opt.step();
      });
    }
  }
  opt.dispose();

  // σ calibration on the validation split, as quickstart does.
  net.eval();
  const vb = batchOf(val, r, scaleM);
  const { position, raw } = tidy(() =>
    noGrad(() => {
      const out = net.predict(toTensors(vb));
      return { position: out.position.toFloat32Array(), raw: out.raw.toFloat32Array() };
    }),
  );
  const covs = covarianceFromRaw(raw, { floor: SIGMA_FLOOR, scale: scaleM });
  const sigmaScale = fitSigmaScale(
    val.map((x, i) => ({
      errorE: (position[2 * i] as number) * scaleM - x.east,
      errorN: (position[2 * i + 1] as number) * scaleM - x.north,
      cov: covs[i] as (typeof covs)[number],
    })),
  );

  const modelPath = join(dir, 'model.onnx');
  const tb = batchOf(test, r, scaleM);
  const exported = await exportLocalizationNet(net, {
    path: modelPath,
    metadata: localizationMetadata(net, {
      modelVersion: '1',
      trainingRunId: 'test-run',
      dataset: 'predict-fixture',
      frame,
      receivers: network.map((x) => ({ id: x.id, lat: x.lat, lon: x.lon })),
      featureConfig: c,
      featureStats: stats,
      sigmaFloor: SIGMA_FLOOR,
      sigmaScale,
    }),
    // The held-out test split checks the trained model's parity on real features.
    verifyBatch: { size: tb.size, mel: tb.mel, scalars: tb.scalars, mask: tb.mask },
  });
  return { dir, modelPath, exported, net, frame, stats, sigmaScale, receivers: ids, test };
}
