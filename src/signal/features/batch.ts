// The batch layout every consumer of features shares — training, evaluation, export calibration
// and inference: typed arrays, receiver-major, in the network's fixed receiver order. ONE
// function (assembleBatch) lays transmissions out in it, so a model sees the same numbers for a
// transmission whether the loader or predict prepared them.
import { PRIOR_WIDTH } from './prior.js';
import { SCALAR_COUNT } from './scalars.js';

export interface Batch {
  size: number;
  sessionIds: number[];
  /** [size][receivers][melBands][frames] */
  mel: Float32Array;
  /** [size][receivers][SCALAR_COUNT] */
  scalars: Float32Array;
  /** [size][receivers] */
  mask: Uint8Array;
  /** [size][PRIOR_WIDTH]: the physics prior in metres (signal/features/prior.ts); zeros = none. */
  prior: Float32Array;
  /** [size][2]: east, north (m) */
  target: Float32Array;
}

/** Anything that yields batches epoch after epoch (a dataset loader; an in-memory list in tests). */
export interface BatchSource {
  readonly batchesPerEpoch: number;
  epoch(epoch: number): AsyncIterable<Batch>;
}

/** One transmission's features in network receiver order (TransmissionFeatures has this shape). */
export interface BatchItem {
  /** [receivers][melBands][frames] */
  mel: Float32Array;
  /** [receivers][SCALAR_COUNT] */
  scalars: Float32Array;
  /** [receivers], 1 = present. */
  mask: Uint8Array;
  /** [PRIOR_WIDTH] physics prior, when the pipeline computes one. */
  prior?: Float32Array;
}

export interface BatchDims {
  receivers: number;
  melBands: number;
  frames: number;
}

/**
 * N transmissions' features → one Batch (with mask). `targets` (east/north m) and `sessionIds`
 * are given for labelled data; without targets the target is NaN (inference has none, and a NaN
 * makes any use as a label visible). Each item must have exactly the sizes `dims` imply.
 */
export function assembleBatch(
  items: readonly BatchItem[],
  dims: BatchDims,
  o: { targets?: readonly { east: number; north: number }[]; sessionIds?: readonly number[] } = {},
): Batch {
  const { receivers: r, melBands, frames } = dims;
  const n = items.length;
  if (o.targets !== undefined && o.targets.length !== n)
    throw new RangeError(`assembleBatch: ${o.targets.length} targets for ${n} transmissions`);
  if (o.sessionIds !== undefined && o.sessionIds.length !== n)
    throw new RangeError(`assembleBatch: ${o.sessionIds.length} session ids for ${n} transmissions`);
  const block = r * melBands * frames;
  const b: Batch = {
    size: n,
    sessionIds: o.sessionIds ? [...o.sessionIds] : [],
    mel: new Float32Array(n * block),
    scalars: new Float32Array(n * r * SCALAR_COUNT),
    mask: new Uint8Array(n * r),
    prior: new Float32Array(n * PRIOR_WIDTH),
    target: new Float32Array(n * 2).fill(o.targets ? 0 : Number.NaN),
  };
  items.forEach((f, i) => {
    const check = (what: string, got: number, want: number) => {
      if (got !== want)
        throw new RangeError(`assembleBatch: transmission ${i} has ${got} ${what} values, expected ${want} (${r} receivers)`);
    };
    check('mel', f.mel.length, block);
    check('scalar', f.scalars.length, r * SCALAR_COUNT);
    check('mask', f.mask.length, r);
    b.mel.set(f.mel, i * block);
    b.scalars.set(f.scalars, i * r * SCALAR_COUNT);
    b.mask.set(f.mask, i * r);
    if (f.prior !== undefined) {
      check('prior', f.prior.length, PRIOR_WIDTH);
      b.prior.set(f.prior, i * PRIOR_WIDTH);
    }
    const t = o.targets?.[i];
    if (t !== undefined) {
      b.target[2 * i] = t.east;
      b.target[2 * i + 1] = t.north;
    }
  });
  return b;
}
