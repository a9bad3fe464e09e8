// Worker-thread entry: computes the per-recording features of one transmission's recordings.
import { parentPort } from 'node:worker_threads';
import type { Recording } from '../recording.js';
import type { FeatureConfig } from './config.js';
import { recordingFeatures } from './extract.js';

export interface FeatureJob {
  id: number;
  recordings: Recording[];
  config: FeatureConfig;
}

parentPort?.on('message', (job: FeatureJob) => {
  try {
    const out = job.recordings.map((r) => recordingFeatures(r, job.config));
    const transfer = out.flatMap((f) => [f.mel.buffer as ArrayBuffer, f.scalars.buffer as ArrayBuffer]);
    parentPort?.postMessage({ id: job.id, features: out }, transfer);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: (err as Error).message });
  }
});
