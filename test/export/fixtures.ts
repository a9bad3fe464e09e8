// Shared by the export and predict tests: small LocalizationNets with non-trivial batch-norm
// statistics, and complete metadata for them.

import { noGrad } from '../../src/engine/autograd.js';
import { tensor } from '../../src/engine/creation.js';
import { BatchNorm2d } from '../../src/engine/nn/layers.js';
import type { Module } from '../../src/engine/nn/module.js';
import { manualSeed } from '../../src/engine/runtime.js';
import { localizationMetadata } from '../../src/export/export.js';
import type { ModelMetadataInput } from '../../src/export/metadata.js';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { LocalizationNet } from '../../src/model/localization-net.js';
import { defaultFeatureConfig } from '../../src/signal/features/config.js';
import type { PriorSpec } from '../../src/signal/features/prior.js';
import { SCALAR_COUNT, SCALAR_NAMES } from '../../src/signal/features/scalars.js';
import type { FeatureStats } from '../../src/signal/features/stats.js';
import { randomValues } from '../helpers.js';

export const SITES = [
  { id: 'alpha', lat: 45.02, lon: 7.29, altM: 400 },
  { id: 'bravo', lat: 45.234, lon: 7.857, altM: 250 },
  { id: 'charlie', lat: 44.561, lon: 8.956, altM: 470 },
  { id: 'delta', lat: 45.478, lon: 9.123, altM: 130 },
];

export const FRAME = LocalFrame.centroidOf(SITES);

function walk(m: Module, each: (m: Module) => void): void {
  each(m);
  for (const [, c] of m.namedChildren()) walk(c, each);
}

/** Running statistics, γ and β far from their 1/0 defaults, so folding is really exercised. */
export function randomizeBatchNorm(net: Module, seed: number): void {
  let k = seed;
  noGrad(() =>
    walk(net, (m) => {
      if (!(m instanceof BatchNorm2d)) return;
      const n = m.weight.shape[0] as number;
      m.runningMean.copy_(tensor(randomValues(n, k++, -0.5, 0.5)));
      m.runningVar.copy_(tensor(randomValues(n, k++, 0.3, 3)));
      m.weight.copy_(tensor(randomValues(n, k++, 0.5, 1.5)));
      m.bias.copy_(tensor(randomValues(n, k++, -0.3, 0.3)));
    }),
  );
}

export function makeNet(
  o: {
    seed?: number;
    widths?: [number, number, number, number];
    sites?: typeof SITES;
    diagonal?: boolean;
    /** A network that corrects the physics prior (its head starts at zero). */
    prior?: boolean;
    /** False for a power-only network (no spectrogram trunk). */
    spectrogram?: boolean;
    /** Learned per-receiver power offsets (they start at zero). */
    receiverOffsets?: boolean;
  } = {},
) {
  manualSeed(o.seed ?? 7);
  const sites = o.sites ?? SITES;
  const receivers = sites.map((s) => ({ id: s.id, ...FRAME.toLocal(s) }));
  const scaleM = Math.max(1000, ...receivers.map((p) => Math.hypot(p.east, p.north)));
  const net = new LocalizationNet({
    receivers,
    scaleM,
    scalarCount: SCALAR_COUNT,
    widths: o.widths ?? [4, 8, 8, 16],
    hidden: 16,
    ...(o.diagonal ? { diagonal: true } : {}),
    ...(o.prior ? { prior: true } : {}),
    ...(o.spectrogram === false ? { spectrogram: false } : {}),
    ...(o.receiverOffsets ? { receiverOffsets: true } : {}),
  });
  randomizeBatchNorm(net, (o.seed ?? 7) * 100);
  return net;
}

export function fakeStats(): FeatureStats {
  const c = defaultFeatureConfig;
  return {
    melBands: c.melBands,
    frames: c.frames,
    melMean: randomValues(c.melBands, 11, -120, -60),
    melStd: randomValues(c.melBands, 12, 3, 20),
    scalarNames: [...SCALAR_NAMES],
    scalarMean: randomValues(SCALAR_COUNT, 13, -50, 10),
    scalarStd: randomValues(SCALAR_COUNT, 14, 0.5, 30),
    count: 1234,
  };
}

export function metadataFor(
  net: LocalizationNet,
  over: Partial<Parameters<typeof localizationMetadata>[1]> = {},
): ModelMetadataInput {
  return localizationMetadata(net, {
    modelVersion: '3',
    trainingRunId: 'run-8f2c',
    dataset: 'quickstart-nw-italy-2m@1',
    frame: FRAME,
    receivers: SITES,
    featureConfig: defaultFeatureConfig,
    featureStats: fakeStats(),
    sigmaFloor: 1e-3,
    sigmaScale: 1.37,
    metrics: { medianErrorM: 4321.5, coverage2Sigma: 0.86 },
    createdAt: new Date('2025-01-02T03:04:05.678Z'),
    ...over,
  });
}

/** What publishModel takes besides the version and run: SITES' frame and receivers, default features. */
export function publishMetadata() {
  return {
    frame: FRAME,
    receivers: SITES,
    featureConfig: defaultFeatureConfig,
    featureStats: fakeStats(),
    sigmaFloor: 1e-3,
    sigmaScale: 1,
  };
}

/** A physics prior for SITES (or `sites`): 2 m log-distance at 145 MHz over a 200 km square. */
export function priorSpecFor(sites: typeof SITES = SITES): PriorSpec {
  return {
    model: {
      propagation: { model: 'log-distance', exponent: 3, refDistanceM: 1000 },
      frequencyHz: 145.5e6,
      txHeightM: 5,
      sigmaDb: 8,
      txPowerDbm: [20, 50],
      description: 'log-distance n = 3 beyond 1 km at 145.500 MHz, σ = 8 dB',
    },
    receivers: sites.map((s) => ({ id: s.id, ...FRAME.toLocal(s), heightM: s.altM + 10, gainDbi: 2, noiseDbm: -125 })),
    region: { east: [-100_000, 100_000], north: [-100_000, 100_000] },
    heardSnrDb: 3,
  };
}
