// exportLocalizationNet: engine module → verified .onnx file. The file is written under a
// temporary name, checked (onnxruntime against the engine's eval-mode forward on a batch, then
// ONNX's checker), and only then renamed into place: a failed export leaves no file behind and
// never replaces a good one.
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { noGrad } from '../engine/autograd.js';
import { fromFloat32Array } from '../engine/creation.js';
import { tidy } from '../engine/scope.js';
import type { LocalFrame } from '../geo/local-frame.js';
import { type LocalizationNet, PRIOR_INPUT_WIDTH } from '../model/localization-net.js';
import { sigmaRhoFromRaw } from '../model/losses.js';
import { priorInputs } from '../model/prior-inputs.js';
import { FEATURE_CODE_VERSION } from '../signal/features/code-version.js';
import type { FeatureConfig } from '../signal/features/config.js';
import { hopFor } from '../signal/features/config.js';
import { PRIOR_WIDTH, type PriorSpec } from '../signal/features/prior.js';
import type { FeatureStats } from '../signal/features/stats.js';
import { commitTemps, writeTemp } from '../util/atomic-file.js';
import { type CheckerResult, runOnnxChecker } from './checker.js';
import { checkInputContract } from './contract.js';
import { localizationGraph } from './localization-graph.js';
import {
  GRAPH_SHA256_KEY,
  METADATA_FORMAT_VERSION,
  type ModelMetadataInput,
  metadataProps,
  parseMetadataProps,
} from './metadata.js';
import { encodeGraph, encodeModel, ONNX_IR_VERSION, ONNX_OPSET } from './onnx/model-proto.js';
import { createSession, type InputBatch, type InputDims, type OutputBatch, runBatch } from './ort.js';
import { calibrate, quantizeConvs } from './quantize.js';

export { ONNX_IR_VERSION, ONNX_OPSET } from './onnx/model-proto.js';
/** Largest allowed |ORT − engine| relative to each output's scale. */
export const PARITY_TOLERANCE = 1e-4;

export interface MetadataInfo {
  /** Registry version, e.g. "1". */
  modelVersion: string;
  trainingRunId?: string;
  /** e.g. "quickstart-nw-italy-2m@1". */
  dataset?: string;
  /** The frame the network's east/north positions are in. */
  frame: LocalFrame;
  /** The network's receivers with their coordinates, in any order (matched by id). */
  receivers: { id: string; lat: number; lon: number; altM?: number }[];
  featureConfig: FeatureConfig;
  featureStats: FeatureStats;
  sigmaFloor: number;
  sigmaScale: number;
  /** The physics prior the network corrects (required when it takes one). */
  prior?: PriorSpec | null;
  metrics?: Record<string, number>;
  createdAt?: Date;
}

/** Metadata for `net`: receivers in the network's input order, the frame, features, σ handling. */
export function localizationMetadata(net: LocalizationNet, info: MetadataInfo): ModelMetadataInput {
  const byId = new Map(info.receivers.map((r) => [r.id, r]));
  const receivers = net.options.receivers.map((r) => {
    const loc = byId.get(r.id);
    if (loc === undefined) throw new Error(`ONNX export: no coordinates given for the network's receiver '${r.id}'`);
    return { id: r.id, lat: loc.lat, lon: loc.lon, altM: loc.altM ?? 0, east: r.east, north: r.north };
  });
  const ref = info.frame.reference;
  return {
    formatVersion: METADATA_FORMAT_VERSION,
    modelVersion: info.modelVersion,
    trainingRunId: info.trainingRunId ?? '',
    dataset: info.dataset ?? '',
    createdAt: (info.createdAt ?? new Date()).toISOString(),
    receivers,
    reference: { lat: ref.lat, lon: ref.lon, altM: ref.altM },
    scaleM: net.options.scaleM,
    featureConfig: info.featureConfig,
    featureCodeVersion: FEATURE_CODE_VERSION,
    featureHop: hopFor(info.featureConfig),
    featureStats: info.featureStats,
    scalarNames: info.featureStats.scalarNames,
    sigmaFloor: info.sigmaFloor,
    sigmaScale: info.sigmaScale,
    diagonal: net.options.diagonal ?? false,
    prior: info.prior ?? null,
    spectrogram: net.trunk !== undefined,
    metrics: info.metrics ?? {},
  };
}

export interface ExportOptions {
  path: string;
  metadata: ModelMetadataInput;
  /** A held-out batch (e.g. a test-split loader batch) for the parity check; default: 4 seeded random transmissions. */
  verifyBatch?: InputBatch;
  /** Run python3-onnx's checker when installed (default true). */
  checker?: boolean;
  /**
   * 'int8' writes the convolutions in QDQ int8 form (quantize.ts), calibrated on
   * `calibrationBatch` (default: verifyBatch, else synthetic inputs), and verifies against the
   * engine with INT8_TOLERANCE instead of PARITY_TOLERANCE. Default 'fp32'. Refused for a
   * network without the spectrogram trunk: it has no convolutions to quantize.
   */
  precision?: 'fp32' | 'int8';
  calibrationBatch?: InputBatch;
}

/**
 * How far an int8 model may move from the fp32 engine: positions by at most 0.1 of the smaller
 * predicted σ (a shift well inside the ellipse), σ by 5 %, ρ by 0.05.
 */
export const INT8_TOLERANCE = { positionSigmas: 0.1, sigmaRelative: 0.05, rho: 0.05 } as const;

export interface Int8Report {
  /** Largest position difference in units of the sample's smaller predicted σ. */
  positionSigmas: number;
  /** Largest |Δσ| / σ. */
  sigmaRelative: number;
  rho: number;
}

/** int8 outputs against the engine's, in the units INT8_TOLERANCE is written in. */
export function compareInt8(engine: OutputBatch, onnx: OutputBatch): Int8Report {
  const r: Int8Report = { positionSigmas: 0, sigmaRelative: 0, rho: 0 };
  const worse = (a: number, b: number) => (Number.isNaN(b) ? Number.POSITIVE_INFINITY : Math.max(a, b));
  for (let i = 0; i < engine.positions.length / 2; i++) {
    const u = (k: number, o: OutputBatch) => o.uncertainties[3 * i + k] as number;
    const sigma = Math.min(u(0, engine), u(1, engine));
    const d = Math.hypot(
      (engine.positions[2 * i] as number) - (onnx.positions[2 * i] as number),
      (engine.positions[2 * i + 1] as number) - (onnx.positions[2 * i + 1] as number),
    );
    r.positionSigmas = worse(r.positionSigmas, d / sigma);
    for (const k of [0, 1]) r.sigmaRelative = worse(r.sigmaRelative, Math.abs(u(k, onnx) - u(k, engine)) / u(k, engine));
    r.rho = worse(r.rho, Math.abs(u(2, onnx) - u(2, engine)));
  }
  return r;
}

export interface ParityReport {
  /** Max |ORT − engine| per output group (m, m, unitless). */
  maxAbsDiff: { positionsM: number; sigmaM: number; rho: number };
  /** Max over groups of maxAbsDiff / the group's scale (max |engine value|; 1 for ρ). */
  maxRelDiff: number;
  batchSize: number;
}

export interface ExportResult extends ParityReport {
  path: string;
  bytes: number;
  checker: CheckerResult;
  precision: 'fp32' | 'int8';
  /** For int8 exports: the accuracy check's figures. */
  int8?: Int8Report;
}

/** Seeded standard-normal inputs with a mix of present/absent receivers (never all absent). */
export function syntheticBatch(
  size: number,
  receivers: number,
  melBands: number,
  frames: number,
  scalars: number,
  seed = 1,
  o: {
    /** For a model with a physics prior: priors around the network (m), a few invalid. */
    prior?: { scaleM: number };
    /** False for a model without spectrograms: the batch has no mel. */
    spectrogram?: boolean;
  } = {},
): InputBatch {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const mask = new Uint8Array(size * receivers);
  for (let i = 0; i < size; i++) {
    for (let r = 0; r < receivers; r++) mask[i * receivers + r] = i === 0 || r === i % receivers || uniform() < 0.6 ? 1 : 0;
  }
  return {
    size,
    ...((o.spectrogram ?? true) ? { mel: Float32Array.from({ length: size * receivers * melBands * frames }, normal) } : {}),
    scalars: Float32Array.from({ length: size * receivers * scalars }, normal),
    mask,
    ...(o.prior ? { prior: syntheticPriors(size, o.prior.scaleM, uniform, normal) } : {}),
  };
}

function syntheticPriors(size: number, scaleM: number, uniform: () => number, normal: () => number): Float32Array {
  const out = new Float32Array(size * PRIOR_WIDTH);
  for (let i = 0; i < size; i++) {
    const valid = i === 0 || uniform() < 0.8;
    if (!valid) continue;
    const sigma = () => scaleM * (0.02 + 0.3 * uniform());
    out.set([0.5 * scaleM * normal(), 0.5 * scaleM * normal(), sigma(), sigma(), 1.6 * uniform() - 0.8, 1], i * PRIOR_WIDTH);
  }
  return out;
}

function requireMel(b: InputBatch): Float32Array {
  if (b.mel === undefined) throw new RangeError('ONNX export: the network reads spectrograms; the batch has none');
  return b.mel;
}

function requirePrior(b: InputBatch): Float32Array {
  if (b.prior === undefined) throw new RangeError('ONNX export: the network corrects a physics prior; the batch has none');
  return b.prior;
}

/** The engine's eval-mode forward, post-processed like the graph (metres, calibrated σ, ρ). */
export function engineOutputs(
  net: LocalizationNet,
  b: InputBatch,
  o: { sigmaFloor: number; sigmaScale: number; melBands: number; frames: number },
): OutputBatch {
  const r = net.receiverCount;
  const wasTraining = net.training;
  net.eval();
  const out = tidy(() =>
    noGrad(() => {
      const p = net.predict({
        ...(net.trunk ? { mel: fromFloat32Array(requireMel(b), [b.size, r, o.melBands, o.frames]) } : {}),
        scalars: fromFloat32Array(b.scalars, [b.size, r, net.options.scalarCount]),
        mask: fromFloat32Array(Float32Array.from(b.mask), [b.size, r]),
        ...(net.options.prior
          ? {
              prior: fromFloat32Array(priorInputs(requirePrior(b), { scaleM: net.options.scaleM, sigmaFloor: o.sigmaFloor }), [
                b.size,
                PRIOR_INPUT_WIDTH,
              ]),
            }
          : {}),
      });
      return { position: p.position.toFloat32Array(), raw: p.raw.toFloat32Array() };
    }),
  );
  net.train(wasTraining);
  const scaleM = net.options.scaleM;
  // The shared post-processing (model/losses.ts): what evaluation and inference use too.
  const rows = sigmaRhoFromRaw(out.raw, {
    floor: o.sigmaFloor,
    diagonal: net.options.diagonal ?? false,
    scale: scaleM * o.sigmaScale,
  });
  const uncertainties = Float32Array.from(rows.flatMap((s) => [s.sigmaE, s.sigmaN, s.rho]));
  return { positions: out.position.map((v) => v * scaleM), uncertainties };
}

/** Compares ORT's outputs with the engine's, per output group. */
export function compareOutputs(engine: OutputBatch, onnx: OutputBatch): Omit<ParityReport, 'batchSize'> {
  const groups = {
    positionsM: { a: engine.positions, b: onnx.positions, pick: () => true, unit: 0 },
    sigmaM: { a: engine.uncertainties, b: onnx.uncertainties, pick: (i: number) => i % 3 !== 2, unit: 0 },
    rho: { a: engine.uncertainties, b: onnx.uncertainties, pick: (i: number) => i % 3 === 2, unit: 1 },
  };
  const maxAbsDiff = { positionsM: 0, sigmaM: 0, rho: 0 };
  let maxRelDiff = 0;
  for (const [name, g] of Object.entries(groups) as [keyof typeof maxAbsDiff, (typeof groups)['rho']][]) {
    if (g.a.length !== g.b.length) throw new Error(`ONNX export: output sizes differ (${g.a.length} vs ${g.b.length})`);
    let diff = 0;
    let scale = g.unit;
    for (let i = 0; i < g.a.length; i++) {
      if (!g.pick(i)) continue;
      const d = Math.abs((g.a[i] as number) - (g.b[i] as number));
      diff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(diff, d);
      scale = Math.max(scale, Math.abs(g.a[i] as number));
    }
    maxAbsDiff[name] = diff;
    maxRelDiff = Math.max(maxRelDiff, scale > 0 ? diff / scale : diff);
  }
  return { maxAbsDiff, maxRelDiff };
}

/**
 * Writes `net` (eval mode, batch norm folded) as ONNX with its metadata, verifies it against the
 * engine on `verifyBatch` and with ONNX's checker, then moves it to `path`. Throws (leaving no
 * file) when the outputs differ by more than PARITY_TOLERANCE × output scale or the checker refuses.
 */
export async function exportLocalizationNet(net: LocalizationNet, o: ExportOptions): Promise<ExportResult> {
  const precision = o.precision ?? 'fp32';
  const props = metadataProps({ ...o.metadata, precision });
  const meta = JSON.parse(props['heimdall.feature_config'] as string) as FeatureConfig;
  const sigmaFloor = Number(props['heimdall.sigma_floor']);
  const sigmaScale = Number(props['heimdall.sigma_scale']);
  const ids = (JSON.parse(props['heimdall.receivers'] as string) as { id: string }[]).map((r) => r.id);
  if (ids.join() !== net.options.receivers.map((r) => r.id).join()) {
    throw new Error(
      `ONNX export: metadata receivers [${ids.join(', ')}] differ from the network's input order [${net.options.receivers.map((r) => r.id).join(', ')}]`,
    );
  }
  const hasPrior = props['heimdall.prior'] !== undefined && props['heimdall.prior'] !== 'null';
  if (hasPrior !== (net.options.prior ?? false))
    throw new Error(
      hasPrior
        ? 'ONNX export: the metadata has a physics prior (heimdall.prior) but the network does not take one'
        : 'ONNX export: the network corrects a physics prior but the metadata has none (heimdall.prior): inference could not compute its input',
    );
  const spectrogram = net.trunk !== undefined;
  if (props['heimdall.spectrogram'] !== String(spectrogram))
    throw new Error(
      `ONNX export: the metadata says heimdall.spectrogram = ${props['heimdall.spectrogram']} but the network ${spectrogram ? 'reads' : 'has no'} spectrograms`,
    );
  if (precision === 'int8' && !spectrogram)
    throw new Error(
      "ONNX export: int8 quantizes the spectrogram trunk's convolutions and this network has none (spectrogram: false); export it as fp32",
    );
  const dims = { melBands: meta.melBands, frames: meta.frames };
  const inputDims: InputDims = {
    receivers: net.receiverCount,
    ...dims,
    scalars: net.options.scalarCount,
    ...(hasPrior ? { prior: { scaleM: net.options.scaleM, sigmaFloor } } : {}),
    ...(spectrogram ? {} : { spectrogram: false }),
  };
  const synthetic = (size: number) =>
    syntheticBatch(size, net.receiverCount, meta.melBands, meta.frames, net.options.scalarCount, 1, {
      ...(hasPrior ? { prior: { scaleM: net.options.scaleM } } : {}),
      spectrogram,
    });
  let onnxGraph = localizationGraph(net, { sigmaFloor, sigmaScale, ...dims });
  // Never write a file that inference would refuse (scalars, feature code, input shapes).
  checkInputContract(parseMetadataProps(props, o.path), onnxGraph.inputs, `ONNX export to ${o.path}`);
  if (precision === 'int8') {
    const ranges = await calibrate(onnxGraph, o.calibrationBatch ?? o.verifyBatch ?? synthetic(16), inputDims);
    onnxGraph = quantizeConvs(onnxGraph, ranges);
  }
  const graph = encodeGraph(onnxGraph);
  const model = encodeModel(
    {
      irVersion: ONNX_IR_VERSION,
      opsetVersion: ONNX_OPSET,
      producerName: 'heimdall',
      producerVersion: process.env.npm_package_version ?? '0.1.0',
      metadata: { ...props, [GRAPH_SHA256_KEY]: createHash('sha256').update(graph).digest('hex') },
    },
    graph,
  );
  const tmp = writeTemp(o.path, model);
  try {
    const batch = o.verifyBatch ?? synthetic(4);
    const session = await createSession(tmp);
    const onnx = await runBatch(session, batch, inputDims);
    await session.release();
    const engine = engineOutputs(net, batch, { sigmaFloor, sigmaScale, ...dims });
    const parity = compareOutputs(engine, onnx);
    const int8 = precision === 'int8' ? compareInt8(engine, onnx) : undefined;
    if (int8 !== undefined) {
      const t = INT8_TOLERANCE;
      if (!(int8.positionSigmas <= t.positionSigmas && int8.sigmaRelative <= t.sigmaRelative && int8.rho <= t.rho)) {
        throw new Error(
          `ONNX export: the int8 model is too far from the engine: positions moved by up to ${int8.positionSigmas.toFixed(3)} σ (limit ${t.positionSigmas}), σ by ${(100 * int8.sigmaRelative).toFixed(1)} % (limit ${100 * t.sigmaRelative} %), ρ by ${int8.rho.toFixed(3)} (limit ${t.rho}); export fp32, or calibrate on more representative inputs`,
        );
      }
    } else if (!(parity.maxRelDiff <= PARITY_TOLERANCE)) {
      throw new Error(
        `ONNX export: onnxruntime and the engine disagree: max relative difference ${parity.maxRelDiff.toExponential(2)} > ${PARITY_TOLERANCE} (abs: positions ${parity.maxAbsDiff.positionsM} m, σ ${parity.maxAbsDiff.sigmaM} m, ρ ${parity.maxAbsDiff.rho})`,
      );
    }
    const checker: CheckerResult = o.checker === false ? { status: 'skipped', reason: 'disabled' } : runOnnxChecker(tmp);
    commitTemps([{ tmp, path: o.path }]);
    return {
      path: o.path,
      bytes: model.byteLength,
      checker,
      ...parity,
      batchSize: batch.size,
      precision,
      ...(int8 ? { int8 } : {}),
    };
  } catch (err) {
    rmSync(tmp, { force: true });
    // Messages name the file the caller asked for, not the temporary it was checked under.
    if (err instanceof Error) err.message = err.message.split(tmp).join(o.path);
    throw err;
  }
}
