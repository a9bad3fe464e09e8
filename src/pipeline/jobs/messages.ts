// What a worker and its job's child process tell each other (Node IPC, structured clone).
import type { Job } from '../../jobs/job-store.js';

/** Worker → child: the job to run, once. */
export interface ChildJob {
  job: Job;
  home: string;
}

/** Child → worker. */
export type ChildEvent =
  | { type: 'run'; runId: string }
  | { type: 'epoch'; epoch: number; maxEpochs: number; metrics: Record<string, number>; restored: boolean }
  | { type: 'log'; line: string }
  /** model: a training job's registered model; result: what a simulate or import job made. */
  | { type: 'succeeded'; model: { name: string; version: string } | null; result?: Record<string, unknown> }
  /** Stopped (cancel or the worker stopping); runId: the run a training job resumes. */
  | { type: 'interrupted'; runId: string | null }
  /** transient: caused by something outside the job (a dependency down), so worth retrying. */
  | { type: 'failed'; error: string; transient: boolean };
