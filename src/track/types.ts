// The tracker adapter: one interface over MLflow's tracking + model-registry concepts, with two
// backends (file-store/ writes MLflow's on-disk layout; rest/ talks to an MLflow server). Field
// names and enum values follow MLflow's protos (service.proto, model_registry.proto); see
// docs/TRACKING.md for where each was verified.

/** MLflow's RunStatus enum (service.proto): the file store writes the number, REST the name. */
export const RUN_STATUS_CODES = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 } as const;
export type RunStatus = keyof typeof RUN_STATUS_CODES;
export const RUN_STATUSES = Object.keys(RUN_STATUS_CODES) as RunStatus[];

/** Model-version stages (MLflow's model_version_stages.py). */
export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

/** Batch limits of runs/log-batch (MLflow's utils/validation.py, service.proto LogBatch). */
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;
/** Length limits (validation.py): keys 250, param values 6000, run-tag values 5000 characters. */
export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 5000;

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: string;
  creationTime?: number;
  lastUpdateTime?: number;
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  /** Milliseconds since the Unix epoch. */
  startTime: number;
  endTime?: number;
  artifactUri: string;
  lifecycleStage: string;
}

export interface Metric {
  key: string;
  value: number;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  step: number;
}

export interface Run {
  info: RunInfo;
  /** The latest value of each metric (highest step, then timestamp, as MLflow picks it). */
  metrics: Metric[];
  params: Record<string, string>;
  tags: Record<string, string>;
}

/** What a new model version is made from: the model's name, the artifact URI, the producing run. */
export interface NewModelVersion {
  name: string;
  source: string;
  runId?: string;
  tags?: Record<string, string>;
}

export interface ModelVersion {
  name: string;
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  currentStage: ModelStage;
  source: string;
  runId: string;
  status: string;
  aliases: string[];
  tags: Record<string, string>;
  description?: string;
}

export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
  /** alias → version */
  aliases: Record<string, string>;
  /** The latest version in each stage. */
  latestVersions: ModelVersion[];
  tags: Record<string, string>;
}

export interface LogBatch {
  metrics?: Metric[];
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

export interface CreateRunOptions {
  experimentId: string;
  runName?: string;
  startTime?: number;
  tags?: Record<string, string>;
}

/**
 * Everything Heimdall asks of experiment tracking. Both backends implement it; code above it
 * (run.ts, the trainer callback, the CLI) never knows which one it talks to.
 */
export interface Tracker {
  /** Where runs go, for messages: "file:///…/mlruns" or "http://mlflow:5000". */
  readonly location: string;

  getExperimentByName(name: string): Promise<Experiment | undefined>;
  /** Creates an experiment and returns its id; fails with RESOURCE_ALREADY_EXISTS on a taken name. */
  createExperiment(name: string): Promise<string>;
  /** The experiment of that name, created if missing (safe against a concurrent creator). */
  getOrCreateExperiment(name: string): Promise<Experiment>;
  listExperiments(): Promise<Experiment[]>;

  createRun(o: CreateRunOptions): Promise<RunInfo>;
  /** Metrics, params and tags; split into batches within MLflow's limits by the backend. */
  logBatch(runId: string, batch: LogBatch): Promise<void>;
  /** Uploads a file, or a folder recursively, under the run's artifacts (at artifactPath if given). */
  logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void>;
  updateRun(runId: string, status: RunStatus, endTime?: number): Promise<void>;
  /** Throws MlflowError RESOURCE_DOES_NOT_EXIST naming the run when it is unknown. */
  getRun(runId: string): Promise<Run>;
  /** Every logged value of one metric of a run (its learning curve), in logging order. */
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;
  /** Runs of the given experiments, newest first. */
  searchRuns(experimentIds: string[], o?: { maxResults?: number }): Promise<Run[]>;
  /**
   * Marks RUNNING runs of dead processes on this machine FAILED (they crashed or were SIGKILLed)
   * and returns their ids. Ownership comes from the heimdall.host / heimdall.pid run tags.
   */
  recoverCrashedRuns(experimentId?: string): Promise<string[]>;
  /** Synchronous status update, for a process 'exit' handler (no event loop left). */
  updateRunSync(runId: string, status: RunStatus, endTime: number): void;

  createRegisteredModel(name: string, tags?: Record<string, string>): Promise<RegisteredModel>;
  /** undefined when no model has that name. */
  getRegisteredModel(name: string): Promise<RegisteredModel | undefined>;
  listRegisteredModels(): Promise<RegisteredModel[]>;
  createModelVersion(o: NewModelVersion): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  listModelVersions(name: string): Promise<ModelVersion[]>;
  transitionStage(name: string, version: string, stage: ModelStage, archiveExisting?: boolean): Promise<ModelVersion>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  /** The latest version per stage (all stages when none are given). */
  getLatestVersions(name: string, stages?: ModelStage[]): Promise<ModelVersion[]>;

  close(): Promise<void>;
}

/**
 * An error in MLflow's terms: errorCode is one of its ErrorCode names (RESOURCE_DOES_NOT_EXIST,
 * RESOURCE_ALREADY_EXISTS, INVALID_PARAMETER_VALUE, …), message its text. The REST client raises
 * the server's; the file store raises the same codes for the same situations.
 */
export class MlflowError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'MlflowError';
  }
}

export function isMlflowError(err: unknown, code?: string): err is MlflowError {
  return err instanceof MlflowError && (code === undefined || err.errorCode === code);
}

export function canonicalStage(stage: string): ModelStage {
  const found = MODEL_STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
  if (found === undefined) {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid Model Version stage ${stage} (expected ${MODEL_STAGES.join(', ')})`,
    );
  }
  return found;
}

/** MLflow's rule for metric, param and tag names (validation.py _VALID_PARAM_AND_METRIC_NAMES). */
export function checkKey(kind: string, key: string): void {
  if (key === '' || !/^[/\w.\- ]*$/.test(key)) {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
    );
  }
  const parts = key.split('/');
  if (key.startsWith('/') || parts.some((p) => p === '.' || p === '..' || p === '')) {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid ${kind} name: '${key}': it must not resolve to another path`);
  }
  if (key.length > MAX_ENTITY_KEY_LENGTH) {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `${kind} name '${key.slice(0, 50)}…' had length ${key.length}, which exceeded length limit of ${MAX_ENTITY_KEY_LENGTH}`,
    );
  }
}

/** Splits a batch into pieces each within MLflow's log-batch limits (params first, as MLflow logs them). */
export function splitBatch(batch: LogBatch): { metrics: Metric[]; params: [string, string][]; tags: [string, string][] }[] {
  const metrics = [...(batch.metrics ?? [])];
  const params = Object.entries(batch.params ?? {});
  const tags = Object.entries(batch.tags ?? {});
  const out: { metrics: Metric[]; params: [string, string][]; tags: [string, string][] }[] = [];
  while (metrics.length > 0 || params.length > 0 || tags.length > 0) {
    const p = params.splice(0, MAX_PARAMS_TAGS_PER_BATCH);
    const t = tags.splice(0, Math.min(MAX_PARAMS_TAGS_PER_BATCH, MAX_ENTITIES_PER_BATCH - p.length));
    const m = metrics.splice(0, Math.min(MAX_METRICS_PER_BATCH, MAX_ENTITIES_PER_BATCH - p.length - t.length));
    out.push({ metrics: m, params: p, tags: t });
  }
  return out;
}
