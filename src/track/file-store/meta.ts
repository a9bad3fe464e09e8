// meta.yaml contents of MLflow's file store, both ways. Keys and value types are those MLflow's
// FileStore writes (mlflow/store/tracking/file_store.py, mlflow/store/model_registry/file_store.py):
// the run status is the RunStatus enum NUMBER, ids are strings, times milliseconds since the epoch.
import {
  canonicalStage,
  type Experiment,
  MlflowError,
  type ModelStage,
  type ModelVersion,
  RUN_STATUS_CODES,
  RUN_STATUSES,
  type RunInfo,
  type RunStatus,
} from '../types.js';
import type { YamlMap, YamlValue } from '../yaml.js';

/** SourceType.LOCAL in service.proto; MLflow's FileStore writes it for every run. */
const SOURCE_TYPE_LOCAL = 4;

type Meta = Record<string, YamlValue>;

function str(meta: Meta, key: string, where: string): string {
  const v = meta[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v); // MLflow once wrote experiment ids as integers
  throw new MlflowError('INTERNAL_ERROR', `${where}: '${key}' is missing or not a string`);
}

function num(meta: Meta, key: string): number | undefined {
  const v = meta[key];
  return typeof v === 'number' ? v : undefined;
}

export function experimentMeta(e: Experiment): YamlMap {
  return {
    artifact_location: e.artifactLocation,
    creation_time: e.creationTime ?? null,
    experiment_id: e.experimentId,
    last_update_time: e.lastUpdateTime ?? null,
    lifecycle_stage: e.lifecycleStage,
    name: e.name,
  };
}

export function experimentFromMeta(meta: Meta, where: string): Experiment {
  const creationTime = num(meta, 'creation_time');
  const lastUpdateTime = num(meta, 'last_update_time');
  return {
    experimentId: str(meta, 'experiment_id', where),
    name: str(meta, 'name', where),
    artifactLocation: str(meta, 'artifact_location', where),
    lifecycleStage: typeof meta.lifecycle_stage === 'string' ? meta.lifecycle_stage : 'active',
    ...(creationTime !== undefined ? { creationTime } : {}),
    ...(lastUpdateTime !== undefined ? { lastUpdateTime } : {}),
  };
}

export function runMeta(r: RunInfo, created = false): YamlMap {
  return {
    artifact_uri: r.artifactUri,
    end_time: r.endTime ?? null,
    entry_point_name: '',
    experiment_id: r.experimentId,
    lifecycle_stage: r.lifecycleStage,
    run_id: r.runId,
    run_name: r.runName,
    run_uuid: r.runId,
    source_name: '',
    source_type: SOURCE_TYPE_LOCAL,
    source_version: '',
    start_time: r.startTime,
    status: RUN_STATUS_CODES[r.status],
    tags: [],
    user_id: r.userId,
    // MLflow's create_run writes deleted_time: None; later overwrites leave it out.
    ...(created ? { deleted_time: null } : {}),
  };
}

export function runFromMeta(meta: Meta, where: string): RunInfo {
  const code = meta.status ?? RUN_STATUS_CODES.RUNNING;
  const status = RUN_STATUSES.find((s) => RUN_STATUS_CODES[s] === code);
  if (status === undefined) throw new MlflowError('INTERNAL_ERROR', `${where}: unknown run status ${String(code)}`);
  const endTime = num(meta, 'end_time');
  const runId = typeof meta.run_id === 'string' ? meta.run_id : str(meta, 'run_uuid', where);
  return {
    runId,
    runName: typeof meta.run_name === 'string' ? meta.run_name : '',
    experimentId: str(meta, 'experiment_id', where),
    userId: typeof meta.user_id === 'string' ? meta.user_id : '',
    status: status as RunStatus,
    startTime: num(meta, 'start_time') ?? 0,
    ...(endTime !== undefined ? { endTime } : {}),
    artifactUri: str(meta, 'artifact_uri', where),
    lifecycleStage: typeof meta.lifecycle_stage === 'string' ? meta.lifecycle_stage : 'active',
  };
}

export interface RegisteredModelMeta {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
}

export function registeredModelMeta(m: RegisteredModelMeta): YamlMap {
  // `aliases` is part of MLflow's RegisteredModel dict; the alias files under aliases/ are the truth.
  return {
    aliases: {},
    creation_timestamp: m.creationTimestamp,
    description: m.description ?? null,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    name: m.name,
  };
}

export function registeredModelFromMeta(meta: Meta, where: string): RegisteredModelMeta {
  return {
    name: str(meta, 'name', where),
    creationTimestamp: num(meta, 'creation_timestamp') ?? 0,
    lastUpdatedTimestamp: num(meta, 'last_updated_timestamp') ?? 0,
    ...(typeof meta.description === 'string' ? { description: meta.description } : {}),
  };
}

/** MLflow's FileModelVersion dict minus tags (kept in tags/), as its _save_model_version_as_meta_file writes it. */
export function modelVersionMeta(v: Omit<ModelVersion, 'tags' | 'aliases'>): YamlMap {
  return {
    aliases: [],
    creation_timestamp: v.creationTimestamp,
    current_stage: v.currentStage,
    description: v.description ?? null,
    last_updated_timestamp: v.lastUpdatedTimestamp,
    name: v.name,
    run_id: v.runId === '' ? null : v.runId,
    run_link: null,
    source: v.source,
    status: v.status,
    status_message: null,
    storage_location: v.source,
    user_id: null,
    version: Number(v.version),
  };
}

export function modelVersionFromMeta(meta: Meta, where: string): Omit<ModelVersion, 'tags' | 'aliases'> {
  return {
    name: str(meta, 'name', where),
    version: str(meta, 'version', where),
    creationTimestamp: num(meta, 'creation_timestamp') ?? 0,
    lastUpdatedTimestamp: num(meta, 'last_updated_timestamp') ?? 0,
    currentStage: stageOf(meta.current_stage),
    source: typeof meta.source === 'string' ? meta.source : '',
    runId: typeof meta.run_id === 'string' ? meta.run_id : '',
    status: typeof meta.status === 'string' ? meta.status : 'READY',
    ...(typeof meta.description === 'string' ? { description: meta.description } : {}),
  };
}

/** MLflow marks a deleted version with this internal stage and hides it. */
export const STAGE_DELETED_INTERNAL = 'Deleted_Internal';

function stageOf(v: YamlValue | undefined): ModelStage {
  if (typeof v !== 'string') return 'None';
  if (v === STAGE_DELETED_INTERNAL) return v as ModelStage; // filtered out by the caller
  return canonicalStage(v);
}
