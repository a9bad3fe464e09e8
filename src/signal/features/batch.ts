// The batch layout every consumer of features shares — training, evaluation, export calibration
// and inference: typed arrays, receiver-major, in the network's fixed receiver order.

export interface Batch {
  size: number;
  sessionIds: number[];
  /** [size][receivers][melBands][frames] */
  mel: Float32Array;
  /** [size][receivers][SCALAR_COUNT] */
  scalars: Float32Array;
  /** [size][receivers] */
  mask: Uint8Array;
  /** [size][2]: east, north (m) */
  target: Float32Array;
}

/** Anything that yields batches epoch after epoch (a dataset loader; an in-memory list in tests). */
export interface BatchSource {
  readonly batchesPerEpoch: number;
  epoch(epoch: number): AsyncIterable<Batch>;
}
