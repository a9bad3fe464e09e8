// Worker-thread entry: one transmission's work off the caller's thread — the per-recording features
// it lacks and, when asked, its time differences (the costly cross-correlations), so neither runs
// on the thread that feeds the trainer.
import { parentPort } from 'node:worker_threads';
import type { Recording } from '../recording.js';
import type { FeatureConfig } from './config.js';
import { type RecordingFeatures, recordingFeatures } from './extract.js';
import { type SessionTiming, sessionTiming } from './session-timing.js';

export interface FeatureJob {
  id: number;
  recordings: Recording[];
  /** Indices of the recordings whose features to compute. */
  compute: number[];
  /** Compute the time differences too (with this clock threshold), or null. */
  timingMaxSigmaS: number | null;
  config: FeatureConfig;
}

export interface FeatureReply {
  id: number;
  features?: RecordingFeatures[];
  timing?: SessionTiming;
  error?: string;
}

/** The job's work, in whatever thread runs it (the extractor runs it inline with 0 workers). */
export function runFeatureJob(job: FeatureJob): { features: RecordingFeatures[]; timing?: SessionTiming } {
  const features = job.compute.map((k) => recordingFeatures(job.recordings[k] as Recording, job.config));
  if (job.timingMaxSigmaS === null) return { features };
  return { features, timing: sessionTiming(job.recordings, job.timingMaxSigmaS) };
}

parentPort?.on('message', (job: FeatureJob) => {
  try {
    const out = runFeatureJob(job);
    const transfer = out.features.flatMap((f) => [f.mel.buffer as ArrayBuffer, f.scalars.buffer as ArrayBuffer]);
    parentPort?.postMessage({ id: job.id, ...out } satisfies FeatureReply, transfer);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: (err as Error).message } satisfies FeatureReply);
  }
});
