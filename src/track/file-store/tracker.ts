// MLflow's tracking file store (mlflow/store/tracking/file_store.py), written by us so that
// `mlflow ui --backend-store-uri <root>` shows Heimdall's runs:
//   <root>/.trash/                              MLflow's deleted-experiments folder
//   <root>/<experiment_id>/meta.yaml            experiment 0 is "Default"
//   <root>/<experiment_id>/<run_id>/meta.yaml   run info; status as the RunStatus number
//   <root>/<experiment_id>/<run_id>/params/<key>    value, no trailing newline
//   <root>/<experiment_id>/<run_id>/tags/<key>      value, no trailing newline
//   <root>/<experiment_id>/<run_id>/metrics/<key>   lines "<timestamp_ms> <value> <step>"
//   <root>/<experiment_id>/<run_id>/artifacts/      the run's files
// Writes are atomic (temporary file + rename) or single O_APPEND writes (metric lines), so
// concurrent runs in several processes never see or leave a half-written file.
import { randomInt, randomUUID } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { syncDir } from '../../util/atomic-file.js';
import { isProcessAlive } from '../tags.js';
import {
  type CreateRunOptions,
  checkKey,
  type Experiment,
  type LogBatch,
  MAX_PARAM_VALUE_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  type Metric,
  MlflowError,
  type Run,
  type RunInfo,
  type RunStatus,
  type Tracker,
} from '../types.js';
import { appendLines, filesUnder, readMeta, readText, subdirs, withLockFile, writeMeta } from './fs.js';
import { experimentFromMeta, experimentMeta, runFromMeta, runMeta } from './meta.js';
import { FileRegistry, writeTagFile } from './registry.js';

const DEFAULT_EXPERIMENT_ID = '0';
const RESERVED_ROOT_FOLDERS = new Set(['.trash', 'models']);
/** Run ids are uuid4 hex (32 characters), as MLflow's create_run makes them. */
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;

/** Python's repr of a float, which is what MLflow writes as a metric value. */
export function formatMetricValue(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  return String(v);
}

function defaultRunName(): string {
  return `run-${randomUUID().slice(0, 8)}`;
}

/** MLflow's length check of a param or tag value, with its message. */
function checkValueLength(kind: 'Param' | 'Tag', v: string, limit: number): void {
  if (v.length > limit) {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `${kind} value '${v.slice(0, 50)}…' had length ${v.length}, which exceeded length limit of ${limit}`,
    );
  }
}

export class FileTracker extends FileRegistry implements Tracker {
  readonly location: string;

  constructor(root: string, now: () => number = Date.now) {
    const dir = resolve(root);
    const fresh = !existsSync(join(dir, DEFAULT_EXPERIMENT_ID, 'meta.yaml'));
    mkdirSync(join(dir, '.trash'), { recursive: true });
    super(dir, now);
    this.location = pathToFileURL(dir).href;
    if (fresh) {
      // MLflow's FileStore creates experiment 0, "Default", with the store; so do we.
      mkdirSync(join(dir, DEFAULT_EXPERIMENT_ID), { recursive: true });
      const t = this.now();
      writeMeta(
        join(dir, DEFAULT_EXPERIMENT_ID, 'meta.yaml'),
        experimentMeta({
          experimentId: DEFAULT_EXPERIMENT_ID,
          name: 'Default',
          artifactLocation: `${this.location}/${DEFAULT_EXPERIMENT_ID}`,
          lifecycleStage: 'active',
          creationTime: t,
          lastUpdateTime: t,
        }),
      );
    }
  }

  // --- experiments ---

  async listExperiments(): Promise<Experiment[]> {
    const out: Experiment[] = [];
    for (const id of subdirs(this.root)) {
      if (RESERVED_ROOT_FOLDERS.has(id) || id.startsWith('.')) continue; // dot-folders: writes in flight
      const path = join(this.root, id, 'meta.yaml');
      const meta = readMeta(path);
      if (meta !== undefined) out.push(experimentFromMeta(meta, path));
    }
    return out.sort((a, b) => Number(a.experimentId) - Number(b.experimentId));
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    return (await this.listExperiments()).find((e) => e.name === name && e.lifecycleStage === 'active');
  }

  private experimentDir(experimentId: string): string {
    if (!/^[a-zA-Z0-9][\w-]{0,63}$/.test(experimentId) || !existsSync(join(this.root, experimentId, 'meta.yaml'))) {
      throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with ID ${experimentId}`);
    }
    return join(this.root, experimentId);
  }

  private getExperiment(experimentId: string): Experiment {
    const path = join(this.experimentDir(experimentId), 'meta.yaml');
    return experimentFromMeta(readMeta(path) ?? {}, path);
  }

  /** Experiment names are unique; a lock file makes check-then-create atomic across processes. */
  private withExperimentLock<T>(fn: () => Promise<T>): Promise<T> {
    return withLockFile(join(this.root, '.heimdall-experiments.lock'), fn);
  }

  private async createUnlocked(name: string): Promise<string> {
    if (name === '' || name.length > 500) throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid experiment name: '${name}'`);
    if ((await this.getExperimentByName(name)) !== undefined) {
      throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
    }
    let id: string;
    do id = String(randomInt(1, 2 ** 47));
    while (existsSync(join(this.root, id)));
    // Built under a temporary dot-name and renamed into place: a reader (MLflow's UI, another
    // process) never sees an experiment folder without its meta.yaml.
    const tmp = join(this.root, `.heimdall-tmp-${id}-${process.pid}`);
    mkdirSync(tmp);
    const t = this.now();
    writeMeta(
      join(tmp, 'meta.yaml'),
      experimentMeta({
        experimentId: id,
        name,
        artifactLocation: `${this.location}/${id}`,
        lifecycleStage: 'active',
        creationTime: t,
        lastUpdateTime: t,
      }),
    );
    renameSync(tmp, join(this.root, id));
    return id;
  }

  createExperiment(name: string): Promise<string> {
    return this.withExperimentLock(() => this.createUnlocked(name));
  }

  getOrCreateExperiment(name: string): Promise<Experiment> {
    return this.withExperimentLock(async () => {
      const found = await this.getExperimentByName(name);
      return found ?? this.getExperiment(await this.createUnlocked(name));
    });
  }

  // --- runs ---

  private runDir(runId: string): string {
    if (!RUN_ID.test(runId)) throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid run ID: '${runId}'`);
    for (const exp of subdirs(this.root)) {
      if (RESERVED_ROOT_FOLDERS.has(exp)) continue;
      const dir = join(this.root, exp, runId);
      if (existsSync(join(dir, 'meta.yaml'))) return dir;
    }
    throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run '${runId}' not found in ${this.location}`);
  }

  private readInfo(dir: string): RunInfo {
    const path = join(dir, 'meta.yaml');
    return runFromMeta(readMeta(path) ?? {}, path);
  }

  async createRun(o: CreateRunOptions): Promise<RunInfo> {
    const exp = this.getExperiment(o.experimentId);
    if (exp.lifecycleStage !== 'active') {
      throw new MlflowError('INVALID_STATE', `Could not create run under non-active experiment with ID ${o.experimentId}.`);
    }
    const runName = o.runName ?? o.tags?.['mlflow.runName'] ?? defaultRunName();
    const runId = randomUUID().replaceAll('-', '');
    const dir = join(this.root, exp.experimentId, runId);
    const info: RunInfo = {
      runId,
      runName,
      experimentId: exp.experimentId,
      userId: safeUser(),
      status: 'RUNNING',
      startTime: o.startTime ?? this.now(),
      artifactUri: `${exp.artifactLocation}/${runId}/artifacts`,
      lifecycleStage: 'active',
    };
    const tags = Object.entries({ ...o.tags, 'mlflow.runName': runName });
    for (const [k, v] of tags) {
      checkKey('tag', k);
      checkValueLength('Tag', v, MAX_TAG_VALUE_LENGTH);
    }
    // Built under a dot-name at the store's root (skipped by every listing) and renamed into place
    // whole: a process killed half-way leaves no run folder without its meta.yaml, and no run
    // without the heimdall.host/pid tags crash recovery needs to mark it FAILED.
    const staging = join(this.root, `.heimdall-tmp-run-${runId}`);
    for (const sub of ['metrics', 'params', 'artifacts', 'tags']) mkdirSync(join(staging, sub), { recursive: true });
    for (const [k, v] of tags) writeTagFile(join(staging, 'tags'), k, v);
    writeMeta(join(staging, 'meta.yaml'), runMeta(info, true));
    renameSync(staging, dir);
    return info;
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    const dir = this.runDir(runId);
    const info = this.readInfo(dir);
    if (info.lifecycleStage !== 'active') {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `The run ${runId} must be in 'active' lifecycle_stage.`);
    }
    // Validate everything first so a bad entry writes nothing.
    const params = Object.entries(batch.params ?? {});
    const tags = Object.entries(batch.tags ?? {});
    for (const [k, v] of params) {
      checkKey('parameter', k);
      checkValueLength('Param', v, MAX_PARAM_VALUE_LENGTH);
      const old = readText(join(dir, 'params', ...k.split('/')));
      if (old !== undefined && old !== v) {
        throw new MlflowError(
          'INVALID_PARAMETER_VALUE',
          `Changing param values is not allowed. Param with key='${k}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${v}'.`,
        );
      }
    }
    for (const [k, v] of tags) {
      checkKey('tag', k);
      checkValueLength('Tag', v, MAX_TAG_VALUE_LENGTH);
    }
    const byKey = new Map<string, Metric[]>();
    for (const m of batch.metrics ?? []) {
      checkKey('metric', m.key);
      if (typeof m.value !== 'number' || !Number.isSafeInteger(m.timestamp) || m.timestamp < 0 || !Number.isSafeInteger(m.step)) {
        throw new MlflowError(
          'INVALID_PARAMETER_VALUE',
          `Got invalid metric '${m.key}' (value=${m.value}, timestamp=${m.timestamp}, step=${m.step})`,
        );
      }
      byKey.set(m.key, [...(byKey.get(m.key) ?? []), m]);
    }
    for (const [k, v] of params) writeTagFile(join(dir, 'params'), k, v);
    for (const [key, list] of byKey) {
      const path = join(dir, 'metrics', ...key.split('/'));
      mkdirSync(join(path, '..'), { recursive: true });
      appendLines(path, list.map((m) => `${m.timestamp} ${formatMetricValue(m.value)} ${m.step}\n`).join(''));
    }
    for (const [k, v] of tags) writeTagFile(join(dir, 'tags'), k, v);
    const runName = batch.tags?.['mlflow.runName'];
    if (runName !== undefined && runName !== info.runName) writeMeta(join(dir, 'meta.yaml'), runMeta({ ...info, runName }));
  }

  async logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    const info = this.readInfo(this.runDir(runId));
    if (!info.artifactUri.startsWith('file:')) {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `run ${runId}: artifact URI ${info.artifactUri} is not a local folder`);
    }
    // An artifact path is a relative '/'-path inside the run's artifacts, never '..' out of them.
    if (artifactPath) checkKey('artifact path', artifactPath);
    const base = join(fileURLToPath(info.artifactUri), ...(artifactPath ? artifactPath.split('/') : []));
    // MLflow's log_artifact puts a file under artifact_path; log_artifacts copies a folder's contents there.
    const target = statSync(localPath).isDirectory() ? base : join(base, basename(localPath));
    copyAtomic(localPath, target);
  }

  async updateRun(runId: string, status: RunStatus, endTime?: number): Promise<void> {
    this.updateRunSync(runId, status, endTime ?? (status === 'RUNNING' ? undefined : this.now()));
  }

  updateRunSync(runId: string, status: RunStatus, endTime?: number): void {
    const dir = this.runDir(runId);
    const info = this.readInfo(dir);
    writeMeta(join(dir, 'meta.yaml'), runMeta({ ...info, status, ...(endTime !== undefined ? { endTime } : {}) }));
  }

  private readRun(dir: string): Run {
    const info = this.readInfo(dir);
    const read = (sub: string) => {
      const out: Record<string, string> = {};
      for (const key of filesUnder(join(dir, sub))) out[key] = readText(join(dir, sub, key)) ?? '';
      return out;
    };
    const metrics: Metric[] = [];
    for (const key of filesUnder(join(dir, 'metrics'))) {
      let best: Metric | undefined;
      for (const line of (readText(join(dir, 'metrics', key)) ?? '').split('\n')) {
        const [ts, value, step] = line.trim().split(' ');
        if (ts === undefined || ts === '' || value === undefined) continue;
        const m = { key, timestamp: Number(ts), value: Number(value), step: Number(step ?? 0) };
        // MLflow's latest value: max by (step, timestamp, value).
        if (
          best === undefined ||
          m.step > best.step ||
          (m.step === best.step && (m.timestamp > best.timestamp || (m.timestamp === best.timestamp && m.value > best.value)))
        ) {
          best = m;
        }
      }
      if (best !== undefined) metrics.push(best);
    }
    return { info, metrics, params: read('params'), tags: read('tags') };
  }

  async getRun(runId: string): Promise<Run> {
    return this.readRun(this.runDir(runId));
  }

  /** Full history of one metric, in logging order. */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    checkKey('metric', key);
    const text = readText(join(this.runDir(runId), 'metrics', ...key.split('/'))) ?? '';
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const [ts, value, step] = l.trim().split(' ');
        return { key, timestamp: Number(ts), value: Number(value), step: Number(step ?? 0) };
      });
  }

  async searchRuns(experimentIds: string[], o: { maxResults?: number } = {}): Promise<Run[]> {
    const runs: Run[] = [];
    for (const id of experimentIds) {
      const expDir = this.experimentDir(id);
      for (const runId of subdirs(expDir)) {
        if (runId === 'tags' || runId === 'datasets' || runId === 'traces') continue;
        if (existsSync(join(expDir, runId, 'meta.yaml'))) runs.push(this.readRun(join(expDir, runId)));
      }
    }
    runs.sort((a, b) => b.info.startTime - a.info.startTime || a.info.runId.localeCompare(b.info.runId));
    return runs.slice(0, o.maxResults ?? 1000);
  }

  async recoverCrashedRuns(experimentId?: string): Promise<string[]> {
    const ids = experimentId !== undefined ? [experimentId] : (await this.listExperiments()).map((e) => e.experimentId);
    const host = hostname();
    const recovered: string[] = [];
    for (const run of await this.searchRuns(ids, { maxResults: Number.MAX_SAFE_INTEGER })) {
      const pid = Number(run.tags['heimdall.pid']);
      if (run.info.status !== 'RUNNING' || run.tags['heimdall.host'] !== host || !Number.isInteger(pid)) continue;
      if (pid === process.pid || isProcessAlive(pid)) continue;
      await this.logBatch(run.info.runId, { tags: { 'heimdall.recovered': `process ${pid} ended without ending the run` } });
      await this.updateRun(run.info.runId, 'FAILED');
      recovered.push(run.info.runId);
    }
    return recovered;
  }

  async close(): Promise<void> {}
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * Copies a file (or a folder's files) so that each appears at its name whole or not at all: to a
 * temporary name beside it, fsync'd, then renamed. A plain copy killed half-way leaves a torn
 * artifact (a model, a checkpoint) that MLflow, predict or a registry reader would take as valid.
 */
function copyAtomic(from: string, to: string): void {
  if (statSync(from).isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) copyAtomic(join(from, name), join(to, name));
    return;
  }
  mkdirSync(join(to, '..'), { recursive: true });
  const tmp = `${to}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    copyFileSync(from, tmp);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, to);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(join(to, '..'));
}
