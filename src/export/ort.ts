// onnxruntime-node sessions for exported LocalizationNets: one place for the session options
// (2 intra-op threads, all graph optimizations, sequential execution: the fastest batch-1
// setting measured in bench/inference) and for feeding the inputs.
import * as ort from 'onnxruntime-node';
import { PRIOR_INPUT_WIDTH } from '../model/localization-net.js';
import { priorInputs } from '../model/prior-inputs.js';
import { PRIOR_WIDTH } from '../signal/features/prior.js';
import { SCALAR_COUNT } from '../signal/features/scalars.js';
import { INPUT_NAMES, OUTPUT_NAMES } from './localization-graph.js';
import type { ModelMetadata } from './metadata.js';

export interface SessionOptions {
  /** Intra-op threads (default 2, or HEIMDALL_THREADS). */
  threads?: number;
}

export async function createSession(pathOrBytes: string | Uint8Array, o: SessionOptions = {}): Promise<ort.InferenceSession> {
  const threads = o.threads ?? (Number(process.env.HEIMDALL_THREADS) || 2);
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  return typeof pathOrBytes === 'string'
    ? ort.InferenceSession.create(pathOrBytes, options)
    : ort.InferenceSession.create(pathOrBytes, options);
}

/** A batch in the model's input layout (the data loader's Batch has this shape). */
export interface InputBatch {
  size: number;
  /** [size][receivers][melBands][frames], normalized; not read by a model without spectrograms. */
  mel?: Float32Array;
  /** [size][receivers][scalars], normalized. */
  scalars: Float32Array;
  /** [size][receivers], 1 = present. */
  mask: Uint8Array | Float32Array;
  /** [size][PRIOR_WIDTH] the physics prior in metres, for a model that corrects it. */
  prior?: Float32Array;
}

/**
 * The sizes of a model's inputs; `prior` is set for a model that takes the physics prior,
 * `spectrogram: false` for a model without the mel input (melBands × frames are then not fed).
 */
export interface InputDims {
  receivers: number;
  melBands: number;
  frames: number;
  scalars: number;
  prior?: { scaleM: number; sigmaFloor: number };
  spectrogram?: boolean;
}

export interface OutputBatch {
  /** [size][2] east, north (m). */
  positions: Float32Array;
  /** [size][3] σ_east (m), σ_north (m), ρ. */
  uncertainties: Float32Array;
}

/** The graph inputs of a batch as onnxruntime tensors (the prior in network units, as in training). */
export function inputFeeds(b: InputBatch, dims: InputDims): Record<string, ort.Tensor> {
  const { receivers: r, melBands, frames, scalars } = dims;
  const feeds: Record<string, ort.Tensor> = {
    [INPUT_NAMES.scalars]: new ort.Tensor('float32', b.scalars, [b.size, r, scalars]),
    [INPUT_NAMES.mask]: new ort.Tensor('float32', Float32Array.from(b.mask), [b.size, r]),
  };
  if (dims.spectrogram ?? true) {
    if (b.mel === undefined) throw new RangeError('inputFeeds: the model reads spectrograms; the batch has no mel');
    feeds[INPUT_NAMES.mel] = new ort.Tensor('float32', b.mel, [b.size, r, melBands, frames]);
  }
  if (dims.prior) {
    if (b.prior === undefined) throw new RangeError('inputFeeds: the model takes a physics prior; the batch has none');
    feeds[INPUT_NAMES.prior] = new ort.Tensor('float32', priorInputs(b.prior, dims.prior), [b.size, PRIOR_INPUT_WIDTH]);
  }
  return feeds;
}

export async function runBatch(session: ort.InferenceSession, b: InputBatch, dims: InputDims): Promise<OutputBatch> {
  const { receivers: r, melBands, frames, scalars } = dims;
  const expect = (what: string, got: number, want: number) => {
    if (got !== want) throw new RangeError(`runBatch: ${what} has ${got} values, expected ${want} for a batch of ${b.size}`);
  };
  if (dims.spectrogram ?? true) expect('mel', b.mel?.length ?? 0, b.size * r * melBands * frames);
  expect('scalars', b.scalars.length, b.size * r * scalars);
  expect('mask', b.mask.length, b.size * r);
  if (dims.prior) expect('prior', b.prior?.length ?? 0, b.size * PRIOR_WIDTH);
  const out = await session.run(inputFeeds(b, dims));
  const get = (name: string) => {
    const t = out[name];
    if (t === undefined) throw new Error(`runBatch: the model has no output '${name}'`);
    return t.data as Float32Array;
  };
  return { positions: get(OUTPUT_NAMES.positions), uncertainties: get(OUTPUT_NAMES.uncertainties) };
}

/**
 * A model's input sizes from its metadata (loadModel checked the graph against them with
 * checkInputContract): receivers, spectrogram (and whether it is an input), this code's scalars,
 * and the prior when it has one.
 */
export function modelInputDims(md: ModelMetadata): InputDims {
  const c = md.featureConfig;
  return {
    receivers: md.receivers.length,
    melBands: c.melBands,
    frames: c.frames,
    scalars: SCALAR_COUNT,
    ...(md.prior ? { prior: { scaleM: md.scaleM, sigmaFloor: md.sigmaFloor } } : {}),
    ...(md.spectrogram ? {} : { spectrogram: false }),
  };
}
