// The Tracker over an MLflow tracking server's REST API (JSON bodies as in MLflow's REST API
// reference: service.proto and model_registry.proto). Enums travel as names ("RUNNING",
// "READY"); batches are split to runs/log-batch's limits (1000 metrics, 100 params, 100 tags,
// 1000 entities per request).
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { artifactFiles } from '../artifacts.js';
import { isProcessAlive } from '../tags.js';
import {
  type CreateRunOptions,
  canonicalStage,
  type Experiment,
  isMlflowError,
  type LogBatch,
  type Metric,
  MlflowError,
  type ModelStage,
  type ModelVersion,
  type NewModelVersion,
  type RegisteredModel,
  RUN_STATUSES,
  type Run,
  type RunInfo,
  type RunStatus,
  splitBatch,
  type Tracker,
} from '../types.js';
import { type S3Factory, uploadArtifacts } from './artifacts.js';
import { type HttpOptions, MlflowHttp } from './http.js';

type KV = { key: string; value: string };
type J = Record<string, unknown>;

const s = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const n = (v: unknown): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v));
const kv = (list: unknown): Record<string, string> =>
  Object.fromEntries(((list as KV[] | undefined) ?? []).map((t) => [t.key, s(t.value)]));
const toKv = (map: Record<string, string> | [string, string][]): KV[] =>
  (Array.isArray(map) ? map : Object.entries(map)).map(([key, value]) => ({ key, value }));

function experimentOf(e: J): Experiment {
  const creationTime = n(e.creation_time);
  const lastUpdateTime = n(e.last_update_time);
  return {
    experimentId: s(e.experiment_id),
    name: s(e.name),
    artifactLocation: s(e.artifact_location),
    lifecycleStage: s(e.lifecycle_stage) || 'active',
    ...(creationTime !== undefined ? { creationTime } : {}),
    ...(lastUpdateTime !== undefined ? { lastUpdateTime } : {}),
  };
}

function runInfoOf(i: J): RunInfo {
  const status = s(i.status) as RunStatus;
  const endTime = n(i.end_time);
  return {
    runId: s(i.run_id ?? i.run_uuid),
    runName: s(i.run_name),
    experimentId: s(i.experiment_id),
    userId: s(i.user_id),
    status: RUN_STATUSES.includes(status) ? status : 'RUNNING',
    startTime: n(i.start_time) ?? 0,
    ...(endTime !== undefined && endTime !== 0 ? { endTime } : {}),
    artifactUri: s(i.artifact_uri),
    lifecycleStage: s(i.lifecycle_stage) || 'active',
  };
}

function runOf(r: J): Run {
  const data = (r.data ?? {}) as J;
  return {
    info: runInfoOf((r.info ?? {}) as J),
    metrics: ((data.metrics as J[] | undefined) ?? []).map((m) => ({
      key: s(m.key),
      value: Number(m.value),
      timestamp: n(m.timestamp) ?? 0,
      step: n(m.step) ?? 0,
    })),
    params: kv(data.params),
    tags: kv(data.tags),
  };
}

function versionOf(v: J): ModelVersion {
  return {
    name: s(v.name),
    version: s(v.version),
    creationTimestamp: n(v.creation_timestamp) ?? 0,
    lastUpdatedTimestamp: n(v.last_updated_timestamp) ?? 0,
    currentStage: canonicalStage(s(v.current_stage) || 'None'),
    source: s(v.source),
    runId: s(v.run_id),
    status: s(v.status) || 'READY',
    aliases: ((v.aliases as string[] | undefined) ?? []).map(String),
    tags: kv(v.tags),
    ...(typeof v.description === 'string' && v.description !== '' ? { description: v.description } : {}),
  };
}

function modelOf(m: J): RegisteredModel {
  return {
    name: s(m.name),
    creationTimestamp: n(m.creation_timestamp) ?? 0,
    lastUpdatedTimestamp: n(m.last_updated_timestamp) ?? 0,
    ...(typeof m.description === 'string' && m.description !== '' ? { description: m.description } : {}),
    aliases: Object.fromEntries(
      ((m.aliases as { alias: string; version: string }[] | undefined) ?? []).map((a) => [a.alias, s(a.version)]),
    ),
    latestVersions: ((m.latest_versions as J[] | undefined) ?? []).map(versionOf),
    tags: kv(m.tags),
  };
}

/** Doubles in proto JSON: NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity". */
function metricJson(m: Metric): J {
  const value = Number.isFinite(m.value) ? m.value : Number.isNaN(m.value) ? 'NaN' : m.value > 0 ? 'Infinity' : '-Infinity';
  return { key: m.key, value, timestamp: m.timestamp, step: m.step };
}

export interface RestTrackerOptions extends HttpOptions {
  /** Blob store for s3:// artifact URIs (built from MLFLOW_S3_ENDPOINT_URL / AWS_* by open.ts). */
  s3?: S3Factory;
}

export class RestTracker implements Tracker {
  readonly location: string;
  readonly http: MlflowHttp;
  private readonly s3: S3Factory;
  private readonly artifactUris = new Map<string, string>();

  constructor(o: RestTrackerOptions) {
    this.http = new MlflowHttp(o);
    this.location = this.http.baseUrl;
    this.s3 =
      o.s3 ??
      (() => {
        throw new MlflowError('INVALID_PARAMETER_VALUE', 's3:// artifact URIs need MLFLOW_S3_ENDPOINT_URL or AWS credentials');
      });
  }

  // --- experiments ---

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const r = await this.http.json<{ experiment: J }>('GET', 'mlflow/experiments/get-by-name', { experiment_name: name });
      return experimentOf(r.experiment);
    } catch (err) {
      if (isMlflowError(err, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw err;
    }
  }

  async createExperiment(name: string): Promise<string> {
    const r = await this.http.json<{ experiment_id: string }>('POST', 'mlflow/experiments/create', { name });
    return s(r.experiment_id);
  }

  async getOrCreateExperiment(name: string): Promise<Experiment> {
    const found = await this.getExperimentByName(name);
    if (found !== undefined) return found;
    try {
      await this.createExperiment(name);
    } catch (err) {
      if (!isMlflowError(err, 'RESOURCE_ALREADY_EXISTS')) throw err; // created meanwhile by another run
    }
    const created = await this.getExperimentByName(name);
    if (created === undefined) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `experiment '${name}' vanished after creation`);
    return created;
  }

  async listExperiments(): Promise<Experiment[]> {
    const out: Experiment[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.http.json<{ experiments?: J[]; next_page_token?: string }>('POST', 'mlflow/experiments/search', {
        max_results: 1000,
        ...(pageToken ? { page_token: pageToken } : {}),
      });
      out.push(...(r.experiments ?? []).map(experimentOf));
      pageToken = r.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  // --- runs ---

  async createRun(o: CreateRunOptions): Promise<RunInfo> {
    const r = await this.http.json<{ run: J }>('POST', 'mlflow/runs/create', {
      experiment_id: o.experimentId,
      start_time: o.startTime ?? Date.now(),
      ...(o.runName !== undefined ? { run_name: o.runName } : {}),
      tags: toKv(o.tags ?? {}),
    });
    const info = runOf(r.run).info;
    this.artifactUris.set(info.runId, info.artifactUri);
    return info;
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    for (const part of splitBatch(batch)) {
      await this.http.json('POST', 'mlflow/runs/log-batch', {
        run_id: runId,
        metrics: part.metrics.map(metricJson),
        params: toKv(part.params),
        tags: toKv(part.tags),
      });
    }
  }

  async logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    let uri = this.artifactUris.get(runId);
    if (uri === undefined) {
      uri = (await this.getRun(runId)).info.artifactUri;
      this.artifactUris.set(runId, uri);
    }
    await uploadArtifacts(this.http, uri, artifactFiles(localPath, artifactPath), this.s3);
  }

  private updateBody(runId: string, status: RunStatus, endTime?: number): J {
    return { run_id: runId, status, ...(endTime !== undefined ? { end_time: endTime } : {}) };
  }

  async updateRun(runId: string, status: RunStatus, endTime?: number): Promise<void> {
    const end = endTime ?? (status === 'RUNNING' ? undefined : Date.now());
    await this.http.json('POST', 'mlflow/runs/update', this.updateBody(runId, status, end));
  }

  /**
   * For a process 'exit' handler, where no asynchronous work runs any more: a child Node process
   * makes the one request (bounded to 10 s) while this one waits for it.
   */
  updateRunSync(runId: string, status: RunStatus, endTime: number): void {
    const request = {
      url: this.http.api('mlflow/runs/update'),
      headers: { ...this.http.authHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify(this.updateBody(runId, status, endTime)),
    };
    const script =
      'const r=JSON.parse(process.env.HEIMDALL_SYNC_REQUEST);' +
      "fetch(r.url,{method:'POST',headers:r.headers,body:r.body}).then(x=>process.exit(x.ok?0:1),()=>process.exit(2))";
    spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, HEIMDALL_SYNC_REQUEST: JSON.stringify(request) },
      timeout: 10_000,
      stdio: 'ignore',
    });
  }

  async getRun(runId: string): Promise<Run> {
    const r = await this.http.json<{ run: J }>('GET', 'mlflow/runs/get', { run_id: runId });
    return runOf(r.run);
  }

  /** MLflow's GET metrics/get-history, following next_page_token. */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.http.json<{ metrics?: J[]; next_page_token?: string }>('GET', 'mlflow/metrics/get-history', {
        run_id: runId,
        metric_key: key,
        ...(pageToken ? { page_token: pageToken } : {}),
      });
      for (const m of r.metrics ?? [])
        out.push({ key, value: Number(m.value), timestamp: Number(m.timestamp ?? 0), step: Number(m.step ?? 0) });
      pageToken = r.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  private async search(experimentIds: string[], filter: string | undefined, maxResults: number): Promise<Run[]> {
    const out: Run[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.http.json<{ runs?: J[]; next_page_token?: string }>('POST', 'mlflow/runs/search', {
        experiment_ids: experimentIds,
        ...(filter !== undefined ? { filter } : {}),
        max_results: Math.min(1000, maxResults - out.length),
        order_by: ['attributes.start_time DESC'],
        ...(pageToken ? { page_token: pageToken } : {}),
      });
      out.push(...(r.runs ?? []).map(runOf));
      pageToken = r.next_page_token || undefined;
    } while (pageToken && out.length < maxResults);
    return out;
  }

  searchRuns(experimentIds: string[], o: { maxResults?: number } = {}): Promise<Run[]> {
    return this.search(experimentIds, undefined, o.maxResults ?? 1000);
  }

  async recoverCrashedRuns(experimentId?: string): Promise<string[]> {
    const ids = experimentId !== undefined ? [experimentId] : (await this.listExperiments()).map((e) => e.experimentId);
    if (ids.length === 0) return [];
    const host = hostname().replaceAll("'", '');
    const filter = `attributes.status = 'RUNNING' and tags.\`heimdall.host\` = '${host}'`;
    const recovered: string[] = [];
    for (const run of await this.search(ids, filter, 10_000)) {
      const pid = Number(run.tags['heimdall.pid']);
      if (run.info.status !== 'RUNNING' || run.tags['heimdall.host'] !== hostname() || !Number.isInteger(pid)) continue;
      if (pid === process.pid || isProcessAlive(pid)) continue;
      await this.logBatch(run.info.runId, { tags: { 'heimdall.recovered': `process ${pid} ended without ending the run` } });
      await this.updateRun(run.info.runId, 'FAILED');
      recovered.push(run.info.runId);
    }
    return recovered;
  }

  // --- registry ---

  async createRegisteredModel(name: string, tags: Record<string, string> = {}): Promise<RegisteredModel> {
    const r = await this.http.json<{ registered_model: J }>('POST', 'mlflow/registered-models/create', {
      name,
      tags: toKv(tags),
    });
    return modelOf(r.registered_model);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    try {
      const r = await this.http.json<{ registered_model: J }>('GET', 'mlflow/registered-models/get', { name });
      return modelOf(r.registered_model);
    } catch (err) {
      if (isMlflowError(err, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw err;
    }
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.http.json<{ registered_models?: J[]; next_page_token?: string }>(
        'GET',
        'mlflow/registered-models/search',
        {
          max_results: 1000,
          page_token: pageToken,
        },
      );
      out.push(...(r.registered_models ?? []).map(modelOf));
      pageToken = r.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  async createModelVersion(o: NewModelVersion): Promise<ModelVersion> {
    const r = await this.http.json<{ model_version: J }>('POST', 'mlflow/model-versions/create', {
      name: o.name,
      source: o.source,
      ...(o.runId !== undefined ? { run_id: o.runId } : {}),
      tags: toKv(o.tags ?? {}),
    });
    return versionOf(r.model_version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const r = await this.http.json<{ model_version: J }>('GET', 'mlflow/model-versions/get', { name, version });
    return versionOf(r.model_version);
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    const r = await this.http.json<{ model_versions?: J[] }>('GET', 'mlflow/model-versions/search', {
      filter: `name='${name.replaceAll("'", "\\'")}'`,
      max_results: 10_000,
    });
    return (r.model_versions ?? []).map(versionOf).sort((a, b) => Number(a.version) - Number(b.version));
  }

  async transitionStage(name: string, version: string, stage: ModelStage, archiveExisting = false): Promise<ModelVersion> {
    const r = await this.http.json<{ model_version: J }>('POST', 'mlflow/model-versions/transition-stage', {
      name,
      version,
      stage: canonicalStage(stage),
      archive_existing_versions: archiveExisting,
    });
    return versionOf(r.model_version);
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.http.json('POST', 'mlflow/registered-models/alias', { name, alias, version });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const r = await this.http.json<{ model_version: J }>('GET', 'mlflow/registered-models/alias', { name, alias });
    return versionOf(r.model_version);
  }

  async getLatestVersions(name: string, stages?: ModelStage[]): Promise<ModelVersion[]> {
    const r = await this.http.json<{ model_versions?: J[] }>('POST', 'mlflow/registered-models/get-latest-versions', {
      name,
      ...(stages !== undefined ? { stages } : {}),
    });
    return (r.model_versions ?? []).map(versionOf);
  }

  async close(): Promise<void> {}
}
