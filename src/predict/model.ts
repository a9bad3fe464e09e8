// A loaded model for inference: the onnxruntime session plus the metadata that makes one .onnx
// file enough (receivers, frame, feature parameters, normalization statistics).
import type { InferenceSession } from 'onnxruntime-node';
import { checkInputContract } from '../export/contract.js';
import type { ModelMetadata } from '../export/metadata.js';
import { createSession, type SessionOptions } from '../export/ort.js';
import { parseOnnx, readOnnxModel } from '../export/read.js';
import { LocalFrame } from '../geo/local-frame.js';

export interface LoadedModel {
  /** The file (or a label for in-memory bytes). */
  path: string;
  session: InferenceSession;
  metadata: ModelMetadata;
  frame: LocalFrame;
  release(): Promise<void>;
}

/**
 * Reads, validates and opens an exported model: clear errors for damaged or foreign files, and
 * for models whose inputs differ from what this code computes (checkInputContract).
 */
export async function loadModel(
  source: string | { bytes: Uint8Array; label: string },
  o: SessionOptions = {},
): Promise<LoadedModel> {
  const { metadata, bytes, model } = typeof source === 'string' ? readOnnxModel(source) : parseOnnx(source.bytes, source.label);
  const path = typeof source === 'string' ? source : source.label;
  // Before anything runs: the model must take the inputs this code computes.
  checkInputContract(metadata, model.graph.inputs, path);
  let session: InferenceSession;
  try {
    session = await createSession(bytes, o);
  } catch (err) {
    throw new Error(`${path}: onnxruntime could not load the model: ${(err as Error).message}`);
  }
  const ref = metadata.reference;
  return {
    path,
    session,
    metadata,
    frame: new LocalFrame({ lat: ref.lat, lon: ref.lon }, ref.altM),
    release: () => session.release(),
  };
}
