// A stand-in MLflow tracking server for the REST tests (no MLflow server can run here). It
// implements the documented contract of each endpoint Heimdall uses (MLflow REST API reference;
// service.proto, model_registry.proto): JSON request and response bodies, enums as names, errors
// as {error_code, message} with MLflow's HTTP statuses (400 INVALID_PARAMETER_VALUE and
// RESOURCE_ALREADY_EXISTS, 404 RESOURCE_DOES_NOT_EXIST), log-batch limits, and the artifact
// proxy's PUT /api/2.0/mlflow-artifacts/artifacts/<path>. Faults can be injected per request.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type J = Record<string, unknown>;
type KV = { key: string; value: string };

export interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: J | undefined;
}

class Fail extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface FakeRun {
  info: J;
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: J[];
}

interface FakeVersion extends J {
  name: string;
  version: string;
  current_stage: string;
  aliases: string[];
}

export interface FakeMlflow {
  url: string;
  requests: Recorded[];
  /** Applied to the next requests in order: an HTTP status to answer with, or 'reset' to drop the connection. */
  faults: (number | 'reset')[];
  artifacts: Map<string, Buffer>;
  runs: Map<string, FakeRun>;
  close(): Promise<void>;
}

export async function startFakeMlflow(o: { artifactRoot?: string; token?: string } = {}): Promise<FakeMlflow> {
  const artifactRoot = o.artifactRoot ?? 'mlflow-artifacts:';
  const experiments = new Map<string, J>([
    ['0', { experiment_id: '0', name: 'Default', artifact_location: `${artifactRoot}/0`, lifecycle_stage: 'active' }],
  ]);
  const runs = new Map<string, FakeRun>();
  const models = new Map<string, { model: J; tags: KV[]; aliases: Map<string, string>; versions: FakeVersion[] }>();
  const artifacts = new Map<string, Buffer>();
  const requests: Recorded[] = [];
  const faults: (number | 'reset')[] = [];
  let nextExperiment = 1;

  const runJson = (r: FakeRun): J => ({
    info: r.info,
    data: {
      metrics: latestMetrics(r.metrics),
      params: [...r.params].map(([key, value]) => ({ key, value })),
      tags: [...r.tags].map(([key, value]) => ({ key, value })),
    },
  });
  const getRun = (id: unknown): FakeRun => {
    const r = runs.get(String(id));
    if (r === undefined) throw new Fail(404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${String(id)} not found`);
    return r;
  };
  const getModel = (name: unknown) => {
    const m = models.get(String(name));
    if (m === undefined) throw new Fail(404, 'RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${String(name)} not found`);
    return m;
  };
  const getVersion = (name: unknown, version: unknown): FakeVersion => {
    const v = getModel(name).versions.find((x) => x.version === String(version));
    if (v === undefined)
      throw new Fail(
        404,
        'RESOURCE_DOES_NOT_EXIST',
        `Model Version (name=${String(name)}, version=${String(version)}) not found`,
      );
    return v;
  };
  const modelJson = (name: string): J => {
    const m = getModel(name);
    const latest = new Map<string, FakeVersion>();
    for (const v of m.versions) latest.set(v.current_stage, v);
    return {
      ...m.model,
      tags: m.tags,
      aliases: [...m.aliases].map(([alias, version]) => ({ alias, version })),
      latest_versions: [...latest.values()],
    };
  };
  const required = (body: J, ...keys: string[]) => {
    for (const k of keys) {
      if (body[k] === undefined || body[k] === '')
        throw new Fail(400, 'INVALID_PARAMETER_VALUE', `Missing value for required parameter '${k}'.`);
    }
  };

  const routes: Record<string, (b: J) => J> = {
    'GET mlflow/experiments/get-by-name': (b) => {
      const e = [...experiments.values()].find((x) => x.name === b.experiment_name);
      if (e === undefined)
        throw new Fail(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${String(b.experiment_name)}'`);
      return { experiment: e };
    },
    'POST mlflow/experiments/create': (b) => {
      required(b, 'name');
      if ([...experiments.values()].some((x) => x.name === b.name)) {
        throw new Fail(400, 'RESOURCE_ALREADY_EXISTS', `Experiment '${String(b.name)}' already exists.`);
      }
      const id = String(nextExperiment++);
      experiments.set(id, {
        experiment_id: id,
        name: b.name,
        artifact_location: `${artifactRoot}/${id}`,
        lifecycle_stage: 'active',
        creation_time: Date.now(),
        last_update_time: Date.now(),
      });
      return { experiment_id: id };
    },
    'POST mlflow/experiments/search': (b) => {
      const all = [...experiments.values()];
      const start = Number(b.page_token ?? 0);
      const size = Number(b.max_results ?? 1000);
      const page = all.slice(start, start + Math.min(size, 2)); // small pages to exercise paging
      return { experiments: page, ...(start + page.length < all.length ? { next_page_token: String(start + page.length) } : {}) };
    },
    'POST mlflow/runs/create': (b) => {
      const exp = experiments.get(String(b.experiment_id));
      if (exp === undefined)
        throw new Fail(404, 'RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${String(b.experiment_id)} exists`);
      const id = randomUUID().replaceAll('-', '');
      const tags = new Map(((b.tags as KV[] | undefined) ?? []).map((t) => [t.key, t.value]));
      const runName = String(b.run_name ?? tags.get('mlflow.runName') ?? `fake-${id.slice(0, 4)}`);
      tags.set('mlflow.runName', runName);
      const info = {
        run_id: id,
        run_uuid: id,
        run_name: runName,
        experiment_id: exp.experiment_id,
        user_id: '',
        status: 'RUNNING',
        start_time: b.start_time,
        artifact_uri: `${exp.artifact_location}/${id}/artifacts`,
        lifecycle_stage: 'active',
      };
      const run = { info, params: new Map<string, string>(), tags, metrics: [] };
      runs.set(id, run);
      return { run: runJson(run) };
    },
    'POST mlflow/runs/log-batch': (b) => {
      const r = getRun(b.run_id);
      const metrics = (b.metrics as J[] | undefined) ?? [];
      const params = (b.params as KV[] | undefined) ?? [];
      const tags = (b.tags as KV[] | undefined) ?? [];
      const limit = (what: string, max: number, n: number) => {
        if (n > max) {
          throw new Fail(
            400,
            'INVALID_PARAMETER_VALUE',
            `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
          );
        }
      };
      limit('metrics', 1000, metrics.length);
      limit('params', 100, params.length);
      limit('tags', 100, tags.length);
      limit('metrics, params, and tags', 1000, metrics.length + params.length + tags.length);
      for (const p of params) {
        const old = r.params.get(p.key);
        if (old !== undefined && old !== p.value) {
          throw new Fail(
            400,
            'INVALID_PARAMETER_VALUE',
            `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${String(b.run_id)}'. Attempted logging new value '${p.value}'.`,
          );
        }
      }
      for (const p of params) r.params.set(p.key, p.value);
      r.metrics.push(...metrics);
      for (const t of tags) r.tags.set(t.key, t.value);
      return {};
    },
    'POST mlflow/runs/update': (b) => {
      const r = getRun(b.run_id ?? b.run_uuid);
      if (b.status !== undefined) r.info.status = b.status;
      if (b.end_time !== undefined) r.info.end_time = b.end_time;
      return { run_info: r.info };
    },
    'GET mlflow/runs/get': (b) => ({ run: runJson(getRun(b.run_id)) }),
    // Documented contract: metrics of one key in logging order, paginated by an opaque page_token
    // (max_results defaults to 25,000; this stand-in pages by 1,000 to exercise the client's paging).
    'GET mlflow/metrics/get-history': (b) => {
      const all = (getRun(b.run_id).metrics as J[]).filter((m) => m.key === b.metric_key);
      const start = Number(b.page_token ?? 0);
      const page = all.slice(start, start + 1000);
      return { metrics: page, ...(start + 1000 < all.length ? { next_page_token: String(start + 1000) } : {}) };
    },
    'POST mlflow/runs/search': (b) => {
      const ids = (b.experiment_ids as string[] | undefined) ?? [];
      let found = [...runs.values()].filter((r) => ids.includes(String(r.info.experiment_id)));
      for (const clause of String(b.filter ?? '')
        .split(/\s+and\s+/i)
        .filter((c) => c.trim() !== '')) {
        const status = /^attributes\.status\s*=\s*'([^']*)'$/.exec(clause.trim());
        const tag = /^tags\.`([^`]+)`\s*=\s*'([^']*)'$/.exec(clause.trim());
        if (status) found = found.filter((r) => r.info.status === status[1]);
        else if (tag) found = found.filter((r) => r.tags.get(tag[1] as string) === tag[2]);
        else throw new Fail(400, 'INVALID_PARAMETER_VALUE', `Invalid filter '${clause}'`);
      }
      found.sort((x, y) => Number(y.info.start_time) - Number(x.info.start_time));
      const start = Number(b.page_token ?? 0);
      const page = found.slice(start, start + Math.min(Number(b.max_results ?? 1000), 2));
      return {
        runs: page.map(runJson),
        ...(start + page.length < found.length ? { next_page_token: String(start + page.length) } : {}),
      };
    },
    'POST mlflow/registered-models/create': (b) => {
      required(b, 'name');
      const name = String(b.name);
      if (models.has(name)) throw new Fail(400, 'RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);
      models.set(name, {
        model: { name, creation_timestamp: Date.now(), last_updated_timestamp: Date.now() },
        tags: (b.tags as KV[] | undefined) ?? [],
        aliases: new Map(),
        versions: [],
      });
      return { registered_model: modelJson(name) };
    },
    'GET mlflow/registered-models/get': (b) => ({ registered_model: modelJson(String(getModel(b.name).model.name)) }),
    'GET mlflow/registered-models/search': (b) => {
      const names = [...models.keys()].sort();
      const start = Number(b.page_token ?? 0);
      const page = names.slice(start, start + 1);
      return {
        registered_models: page.map(modelJson),
        ...(start + 1 < names.length ? { next_page_token: String(start + 1) } : {}),
      };
    },
    'POST mlflow/model-versions/create': (b) => {
      required(b, 'name', 'source');
      const m = getModel(b.name);
      const v: FakeVersion = {
        name: String(b.name),
        version: String(m.versions.length + 1),
        creation_timestamp: Date.now(),
        last_updated_timestamp: Date.now(),
        current_stage: 'None',
        source: b.source,
        run_id: b.run_id ?? '',
        status: 'READY',
        tags: b.tags ?? [],
        aliases: [],
      };
      m.versions.push(v);
      return { model_version: v };
    },
    'GET mlflow/model-versions/get': (b) => ({ model_version: getVersion(b.name, b.version) }),
    'GET mlflow/model-versions/search': (b) => {
      const name = /^name='(.*)'$/.exec(String(b.filter ?? ''))?.[1];
      return { model_versions: name === undefined ? [] : (models.get(name)?.versions ?? []) };
    },
    'POST mlflow/model-versions/transition-stage': (b) => {
      required(b, 'name', 'version', 'stage');
      if (b.archive_existing_versions === undefined)
        throw new Fail(400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'archive_existing_versions'.");
      const stage = ['None', 'Staging', 'Production', 'Archived'].find((s) => s.toLowerCase() === String(b.stage).toLowerCase());
      if (stage === undefined) throw new Fail(400, 'INVALID_PARAMETER_VALUE', `Invalid Model Version stage ${String(b.stage)}.`);
      const v = getVersion(b.name, b.version);
      if (b.archive_existing_versions === true) {
        for (const o of getModel(b.name).versions) if (o !== v && o.current_stage === stage) o.current_stage = 'Archived';
      }
      v.current_stage = stage;
      return { model_version: v };
    },
    'POST mlflow/registered-models/alias': (b) => {
      required(b, 'name', 'alias', 'version');
      const m = getModel(b.name);
      const v = getVersion(b.name, b.version);
      const old = m.aliases.get(String(b.alias));
      if (old !== undefined) {
        const prev = getVersion(b.name, old);
        prev.aliases = prev.aliases.filter((a) => a !== b.alias);
      }
      m.aliases.set(String(b.alias), v.version);
      v.aliases.push(String(b.alias));
      return {};
    },
    'GET mlflow/registered-models/alias': (b) => {
      const version = getModel(b.name).aliases.get(String(b.alias));
      if (version === undefined)
        throw new Fail(400, 'INVALID_PARAMETER_VALUE', `Registered model alias ${String(b.alias)} not found.`);
      return { model_version: getVersion(b.name, version) };
    },
    'POST mlflow/registered-models/get-latest-versions': (b) => {
      const stages = (b.stages as string[] | undefined) ?? ['None', 'Staging', 'Production', 'Archived'];
      const latest = new Map<string, FakeVersion>();
      for (const v of getModel(b.name).versions) if (stages.includes(v.current_stage)) latest.set(v.current_stage, v);
      return { model_versions: [...latest.values()] };
    },
  };

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const isJson = (req.headers['content-type'] ?? '').includes('application/json');
    requests.push({
      method: req.method ?? '',
      path,
      query,
      headers: req.headers,
      body: isJson ? (JSON.parse(raw.toString()) as J) : undefined,
    });
    const fault = faults.shift();
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    const send = (status: number, body: J) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (fault !== undefined) return send(fault, { error_code: 'TEMPORARILY_UNAVAILABLE', message: `injected ${fault}` });
    if (o.token !== undefined && req.headers.authorization !== `Bearer ${o.token}`) {
      return send(401, { error_code: 'UNAUTHENTICATED', message: 'You are not authenticated.' });
    }
    try {
      const artifact = /^\/api\/2\.0\/mlflow-artifacts\/artifacts\/(.+)$/.exec(path);
      if (artifact && req.method === 'PUT') {
        artifacts.set(decodeURIComponent(artifact[1] as string), raw);
        return send(200, {});
      }
      const endpoint = path.replace(/^\/api\/2\.0\//, '');
      const handler = routes[`${req.method} ${endpoint}`];
      if (handler === undefined)
        return send(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No endpoint ${req.method} ${path}` });
      return send(200, handler(req.method === 'GET' ? query : ((isJson ? JSON.parse(raw.toString()) : {}) as J)));
    } catch (err) {
      if (err instanceof Fail) return send(err.status, { error_code: err.code, message: err.message });
      return send(500, { error_code: 'INTERNAL_ERROR', message: String(err) });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    artifacts,
    runs,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** GetRun returns the latest value per metric key. */
function latestMetrics(all: J[]): J[] {
  const latest = new Map<string, J>();
  for (const m of all) {
    const held = latest.get(String(m.key));
    if (held === undefined || Number(m.step) >= Number(held.step)) latest.set(String(m.key), m);
  }
  return [...latest.values()];
}
