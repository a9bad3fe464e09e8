// A checkpoint's model weights into a module: the Trainer saves them under `model.` beside the
// optimizer's state; after a fit, the best checkpoint's weights replace the last epoch's.
import type { Module } from '../engine/nn/module.js';
import { loadSafetensors } from '../engine/safetensors.js';
import type { Tensor } from '../engine/tensor.js';

export function loadCheckpointWeights(module: Module, path: string): void {
  const { tensors } = loadSafetensors(path);
  const weights = new Map<string, Tensor>();
  for (const [k, t] of tensors) if (k.startsWith('model.')) weights.set(k.slice('model.'.length), t);
  module.loadStateDict(weights);
  for (const t of tensors.values()) t.dispose();
}
