// A run from start to end, over any Tracker: what the pipeline and the trainer callback use.
// startRun recovers crashed runs first, tags the new run (git commit, engine, machine, owner)
// and guards it so an unexpected exit marks it KILLED; registerModel and promoteModel wrap the
// registry steps the way mlflow.register_model and the MLflow UI do them.
import { guardRun, type OpenRun, releaseRun } from './exit-guard.js';
import { defaultRunTags, ownerTags } from './tags.js';
import {
  isMlflowError,
  type Metric,
  type ModelStage,
  type ModelVersion,
  type RunInfo,
  type RunStatus,
  type Tracker,
} from './types.js';

export interface StartRunOptions {
  /** Experiment name, created if missing. Default "heimdall". */
  experiment?: string;
  runName?: string;
  params?: Record<string, string>;
  /** Extra tags, on top of defaultRunTags(). */
  tags?: Record<string, string>;
  /** libtorch's version for the heimdall.engine tag (pass libtorchVersion() from src/engine/runtime.ts). */
  libtorchVersion?: string;
  /** Mark the run KILLED if the process ends before end() (default true). */
  guardExit?: boolean;
}

export class ActiveRun implements OpenRun {
  #ended = false;

  constructor(
    readonly tracker: Tracker,
    readonly info: RunInfo,
  ) {}

  get runId(): string {
    return this.info.runId;
  }

  get ended(): boolean {
    return this.#ended;
  }

  logParams(params: Record<string, string>): Promise<void> {
    return this.tracker.logBatch(this.runId, { params });
  }

  /** One value per name at this step; non-finite values are logged as MLflow logs them (nan, inf). */
  logMetrics(metrics: Record<string, number>, step: number, timestamp = Date.now()): Promise<void> {
    const list: Metric[] = Object.entries(metrics).map(([key, value]) => ({ key, value, step, timestamp }));
    return this.tracker.logBatch(this.runId, { metrics: list });
  }

  setTags(tags: Record<string, string>): Promise<void> {
    return this.tracker.logBatch(this.runId, { tags });
  }

  /** A file (stored as <artifactPath>/<name>) or a folder (its contents under artifactPath). */
  logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    return this.tracker.logArtifact(this.runId, localPath, artifactPath);
  }

  /** Ends the run (FINISHED by default, or FAILED / KILLED). A second call does nothing. */
  async end(status: RunStatus = 'FINISHED'): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    releaseRun(this);
    await this.tracker.updateRun(this.runId, status);
  }

  markSync(status: RunStatus): void {
    if (this.#ended) return;
    this.#ended = true;
    this.tracker.updateRunSync(this.runId, status, Date.now());
  }
}

export async function startRun(tracker: Tracker, o: StartRunOptions = {}): Promise<ActiveRun> {
  const experiment = await tracker.getOrCreateExperiment(o.experiment ?? 'heimdall');
  await tracker.recoverCrashedRuns(experiment.experimentId);
  const tags = { ...defaultRunTags({ ...o }), ...o.tags };
  const info = await tracker.createRun({
    experimentId: experiment.experimentId,
    ...(o.runName !== undefined ? { runName: o.runName } : {}),
    tags,
  });
  const run = new ActiveRun(tracker, info);
  if (o.guardExit ?? true) guardRun(run);
  if (o.params !== undefined && Object.keys(o.params).length > 0) await run.logParams(o.params);
  return run;
}

/**
 * Continues a run that was interrupted (its process killed or stopped): marks it RUNNING again
 * and guards it like a new one, so `heimdall train --resume` adds to the same run.
 */
export async function resumeRun(tracker: Tracker, runId: string, o: { guardExit?: boolean } = {}): Promise<ActiveRun> {
  const existing = await tracker.getRun(runId);
  if (existing.info.status === 'FINISHED')
    throw new Error(`run ${runId} finished already; there is nothing to resume (start a new run instead)`);
  await tracker.updateRun(runId, 'RUNNING');
  // This process owns the run now: crash recovery and a job's next taker look at these tags.
  await tracker.logBatch(runId, { tags: ownerTags() });
  const run = new ActiveRun(tracker, { ...existing.info, status: 'RUNNING' });
  if (o.guardExit ?? true) guardRun(run);
  return run;
}

/**
 * Registers <run's artifact URI>/<artifactPath> as a new version of `name` (creating the
 * registered model if needed), with the run id: what mlflow.register_model("runs:/<run>/<path>")
 * does (it resolves runs:/ to the artifact URI before create_model_version).
 */
export async function registerModel(
  tracker: Tracker,
  name: string,
  runId: string,
  artifactPath: string,
  tags?: Record<string, string>,
): Promise<ModelVersion> {
  if ((await tracker.getRegisteredModel(name)) === undefined) {
    try {
      await tracker.createRegisteredModel(name);
    } catch (err) {
      if (!isMlflowError(err, 'RESOURCE_ALREADY_EXISTS')) throw err; // a concurrent registration
    }
  }
  const run = await tracker.getRun(runId);
  const source = `${run.info.artifactUri.replace(/\/+$/, '')}/${artifactPath.replace(/^\/+/, '')}`;
  return tracker.createModelVersion({ name, source, runId, ...(tags !== undefined ? { tags } : {}) });
}

/** Points an alias at a version and/or moves it to a stage (archiving the stage's previous holder). */
export async function promoteModel(
  tracker: Tracker,
  name: string,
  version: string,
  o: { alias?: string; stage?: ModelStage; archiveExisting?: boolean },
): Promise<ModelVersion> {
  if (o.stage !== undefined) {
    const active = o.stage === 'Staging' || o.stage === 'Production';
    await tracker.transitionStage(name, version, o.stage, o.archiveExisting ?? active);
  }
  if (o.alias !== undefined) await tracker.setAlias(name, o.alias, version);
  return tracker.getModelVersion(name, version);
}
