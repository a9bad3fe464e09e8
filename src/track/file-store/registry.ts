// MLflow's model registry in its file-store layout (mlflow/store/model_registry/file_store.py):
//   models/<name>/meta.yaml                 the registered model
//   models/<name>/tags/<key>                its tags (file content = value)
//   models/<name>/aliases/<alias>           file content = the version number it points to
//   models/<name>/version-<N>/meta.yaml     a model version (stage, source, run_id, status READY)
//   models/<name>/version-<N>/tags/<key>
// Version numbers are claimed by creating version-<N> with mkdir, which fails if another process
// took N first: concurrent registrations get distinct versions without a lock.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  canonicalStage,
  MAX_ENTITY_KEY_LENGTH,
  MlflowError,
  MODEL_STAGES,
  type ModelStage,
  type ModelVersion,
  type NewModelVersion,
  type RegisteredModel,
} from '../types.js';
import { filesUnder, readMeta, readText, subdirs, writeMeta, writeText } from './fs.js';
import {
  modelVersionFromMeta,
  modelVersionMeta,
  registeredModelFromMeta,
  registeredModelMeta,
  STAGE_DELETED_INTERNAL,
} from './meta.js';

/**
 * MLflow's rule (no path separator, no '%', not '.' or '..'), and what a folder name also needs:
 * no control character (a NUL would reach the file system as a TypeError, a newline would split
 * log lines) and at most 255 bytes (a longer name fails deep inside mkdir with ENAMETOOLONG).
 */
function checkModelName(name: string): void {
  if (name === '' || /[/\\%]/.test(name) || name === '.' || name === '..') {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid name: '${name}'. Registered model name cannot be empty or contain a path separator or '%'`,
    );
  }
  if (/\p{Cc}/u.test(name) || Buffer.byteLength(name) > 255) {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid name: '${name.replace(/\p{Cc}/gu, '?').slice(0, 100)}'. Registered model name cannot contain control characters or be longer than 255 bytes`,
    );
  }
}

/** validation.py _validate_model_alias_name. */
function checkAlias(alias: string): void {
  if (alias === '' || !/^[\w-]*$/.test(alias) || alias.length > 255) {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  if (alias.toLowerCase() === 'latest')
    throw new MlflowError('INVALID_PARAMETER_VALUE', "'latest' alias name (case insensitive) is reserved.");
  if (/^[vV]\d+$/.test(alias)) throw new MlflowError('INVALID_PARAMETER_VALUE', `Version alias name '${alias}' is reserved.`);
}

function checkTags(tags: Record<string, string>): void {
  for (const key of Object.keys(tags)) {
    if (key === '' || key.length > MAX_ENTITY_KEY_LENGTH || !/^[/\w.\- ]*$/.test(key)) {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid tag name: '${key}'`);
    }
  }
}

export class FileRegistry {
  protected readonly modelsDir: string;

  constructor(
    readonly root: string,
    protected readonly now: () => number = Date.now,
  ) {
    this.modelsDir = join(root, 'models');
    mkdirSync(this.modelsDir, { recursive: true });
  }

  private modelDir(name: string): string {
    checkModelName(name);
    return join(this.modelsDir, name);
  }

  private notFound(name: string): MlflowError {
    return new MlflowError('RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`);
  }

  private touchModel(name: string, time: number): void {
    const path = join(this.modelDir(name), 'meta.yaml');
    const meta = readMeta(path);
    if (meta === undefined) throw this.notFound(name);
    writeMeta(path, registeredModelMeta({ ...registeredModelFromMeta(meta, path), lastUpdatedTimestamp: time }));
  }

  private readTags(dir: string): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const key of filesUnder(join(dir, 'tags'))) tags[key] = readText(join(dir, 'tags', key)) ?? '';
    return tags;
  }

  private aliases(name: string): Record<string, string> {
    const dir = join(this.modelDir(name), 'aliases');
    const out: Record<string, string> = {};
    for (const alias of filesUnder(dir)) out[alias] = (readText(join(dir, alias)) ?? '').trim();
    return out;
  }

  async createRegisteredModel(name: string, tags: Record<string, string> = {}): Promise<RegisteredModel> {
    checkTags(tags);
    const dir = this.modelDir(name);
    try {
      mkdirSync(dir); // not recursive: fails if the name is taken, also by a concurrent process
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);
      }
      throw err;
    }
    const t = this.now();
    for (const [k, v] of Object.entries(tags)) writeTagFile(join(dir, 'tags'), k, v);
    writeMeta(join(dir, 'meta.yaml'), registeredModelMeta({ name, creationTimestamp: t, lastUpdatedTimestamp: t }));
    return (await this.getRegisteredModel(name)) as RegisteredModel;
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    const dir = this.modelDir(name);
    const path = join(dir, 'meta.yaml');
    const meta = readMeta(path);
    if (meta === undefined) return undefined;
    return {
      ...registeredModelFromMeta(meta, path),
      aliases: this.aliases(name),
      latestVersions: await this.getLatestVersions(name),
      tags: this.readTags(dir),
    };
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = [];
    for (const name of subdirs(this.modelsDir)) {
      const m = await this.getRegisteredModel(name);
      if (m !== undefined) out.push(m);
    }
    return out;
  }

  async createModelVersion(o: NewModelVersion): Promise<ModelVersion> {
    checkTags(o.tags ?? {});
    const dir = this.modelDir(o.name);
    if (readMeta(join(dir, 'meta.yaml')) === undefined) throw this.notFound(o.name);
    let version = Math.max(0, ...subdirs(dir).map(versionNumber)) + 1;
    for (;;) {
      try {
        mkdirSync(join(dir, `version-${version}`));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        version++; // another process claimed it first
      }
    }
    const t = this.now();
    const vdir = join(dir, `version-${version}`);
    for (const [k, v] of Object.entries(o.tags ?? {})) writeTagFile(join(vdir, 'tags'), k, v);
    writeMeta(
      join(vdir, 'meta.yaml'),
      modelVersionMeta({
        name: o.name,
        version: String(version),
        creationTimestamp: t,
        lastUpdatedTimestamp: t,
        currentStage: 'None',
        source: o.source,
        runId: o.runId ?? '',
        status: 'READY',
      }),
    );
    this.touchModel(o.name, t);
    return this.getModelVersion(o.name, String(version));
  }

  private readVersion(name: string, version: string): ModelVersion | undefined {
    const vdir = join(this.modelDir(name), `version-${version}`);
    const path = join(vdir, 'meta.yaml');
    const meta = readMeta(path);
    if (meta === undefined) return undefined;
    const v = modelVersionFromMeta(meta, path);
    if ((v.currentStage as string) === STAGE_DELETED_INTERNAL) return undefined;
    const aliases = Object.entries(this.aliases(name))
      .filter(([, ver]) => ver === v.version)
      .map(([a]) => a);
    return { ...v, aliases, tags: this.readTags(vdir) };
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    if (!/^\d+$/.test(version))
      throw new MlflowError('INVALID_PARAMETER_VALUE', `Model version must be an integer, got '${version}'`);
    if (readMeta(join(this.modelDir(name), 'meta.yaml')) === undefined) throw this.notFound(name);
    const v = this.readVersion(name, version);
    if (v === undefined)
      throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Model Version (name=${name}, version=${version}) not found`);
    return v;
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    const dir = this.modelDir(name);
    if (readMeta(join(dir, 'meta.yaml')) === undefined) throw this.notFound(name);
    return subdirs(dir)
      .map(versionNumber)
      .filter((n) => n > 0)
      .sort((a, b) => a - b)
      .map((n) => this.readVersion(name, String(n)))
      .filter((v): v is ModelVersion => v !== undefined);
  }

  async transitionStage(name: string, version: string, stage: ModelStage, archiveExisting = false): Promise<ModelVersion> {
    const target = canonicalStage(stage);
    if (archiveExisting && target !== 'Staging' && target !== 'Production') {
      throw new MlflowError(
        'INVALID_PARAMETER_VALUE',
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are Staging, Production`,
      );
    }
    const mv = await this.getModelVersion(name, version);
    const t = this.now();
    if (archiveExisting) {
      for (const other of await this.listModelVersions(name)) {
        if (other.version !== mv.version && other.currentStage === target)
          this.writeVersion({ ...other, currentStage: 'Archived' }, t);
      }
    }
    this.writeVersion({ ...mv, currentStage: target }, t);
    this.touchModel(name, t);
    return this.getModelVersion(name, version);
  }

  private writeVersion(v: ModelVersion, time: number): void {
    writeMeta(
      join(this.modelDir(v.name), `version-${v.version}`, 'meta.yaml'),
      modelVersionMeta({ ...v, lastUpdatedTimestamp: time }),
    );
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    checkAlias(alias);
    await this.getModelVersion(name, version); // the version must exist
    writeText(join(mkdirp(join(this.modelDir(name), 'aliases')), alias), version, this.modelDir(name));
    this.touchModel(name, this.now());
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    checkAlias(alias);
    if (readMeta(join(this.modelDir(name), 'meta.yaml')) === undefined) throw this.notFound(name);
    const version = this.aliases(name)[alias];
    if (version === undefined) throw new MlflowError('INVALID_PARAMETER_VALUE', `Registered model alias ${alias} not found.`);
    return this.getModelVersion(name, version);
  }

  async getLatestVersions(name: string, stages?: ModelStage[]): Promise<ModelVersion[]> {
    const wanted = stages === undefined || stages.length === 0 ? [...MODEL_STAGES] : stages.map(canonicalStage);
    const latest = new Map<string, ModelVersion>();
    for (const v of await this.listModelVersions(name)) {
      const held = latest.get(v.currentStage);
      if (wanted.includes(v.currentStage) && (held === undefined || Number(held.version) < Number(v.version))) {
        latest.set(v.currentStage, v);
      }
    }
    return wanted.flatMap((s) => latest.get(s) ?? []);
  }
}

function versionNumber(dirName: string): number {
  const m = /^version-(\d+)$/.exec(dirName);
  return m === null ? 0 : Number(m[1]);
}

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A tag or param file (dir = <run>/tags, <run>/params, <model>/tags…): the value with no trailing
 * newline, as MLflow's write_to writes it, staged in dir's parent so MLflow never lists the temporary.
 */
export function writeTagFile(dir: string, key: string, value: string): void {
  const path = join(dir, ...key.split('/'));
  mkdirp(join(path, '..'));
  writeText(path, value, join(dir, '..'));
}
