// The HTTP API (Fastify): jobs, datasets and models under /api/v1, health, readiness, Prometheus
// metrics, and the OpenAPI document built from the same route schemas that validate requests.
// Every route but /healthz, /readyz, /openapi.json and /docs takes a bearer token with the scope
// the route declares (config.scope); errors are JSON `{error}` naming the input, never a stack.
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { FINISHED_STATUSES, JobConflictError, JobNotFoundError, type Job as JobRow, type JobStore } from '../jobs/job-store.js';
import { type JobQueue, QueueUnavailableError, submitJob } from '../jobs/queue.js';
import { isTransient } from '../jobs/retry.js';
import { resolveTrainConfig } from '../pipeline/train-config.js';
import { parseDatasetRef } from '../pipeline/train-dataset.js';
import { resolveScenario } from '../sim/scenario.js';
import type { Catalog } from '../store/catalog/catalog.js';
import { checkDatasetName } from '../store/catalog/names.js';
import type { DatasetRow } from '../store/catalog/types.js';
import { expiredMessage, type Scope, scopeAllows, type TokenStore } from '../store/tokens.js';
import type { Tracker } from '../track/types.js';
import { errors, HttpError, secured } from './http.js';
import { type ModelRouteDeps, registerModelRoutes } from './model-routes.js';
import * as S from './schemas.js';
import { registerUploadRoutes } from './upload-routes.js';
import { fileTooLarge, MAX_UPLOAD_FILES, uploadLimit } from './uploads.js';

export interface ApiDeps extends ModelRouteDeps {
  catalog: Catalog;
  jobs: JobStore;
  /** Where submitted jobs go (src/jobs/open-queue.ts). */
  queue: JobQueue;
  tokens: TokenStore;
  tracker: Tracker;
  /** Readiness probe of the blob store. */
  blobsReachable: () => Promise<boolean>;
  /** Pino options, or false (tests). */
  logger?: boolean | Record<string, unknown>;
  /** Largest request body, bytes (default 1 MiB). */
  bodyLimit?: number;
  /** How often a job's event stream looks at the catalog for changes (ms, default 500). */
  eventPollMs?: number;
  /** How long /readyz waits for each dependency before calling it unreachable (ms, default 3000). */
  readyProbeMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with the scope it needs (documentation routes: public). */
    heimdallRoutes: { method: string; url: string; scope: string }[];
  }
  interface FastifyContextConfig {
    /** The token scope a route needs; 'public' for health and documentation. */
    scope?: Scope | 'public';
  }
}

function jobBody(j: JobRow): S.JobBody {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    dataset: j.request.dataset ?? null,
    config: ('config' in j.request ? j.request.config : undefined) ?? null,
    request: { kind: j.kind, ...j.request },
    result: j.result,
    progress: j.progress,
    epoch: j.epoch,
    metrics: j.metrics,
    error: j.error,
    runId: j.runId,
    model: j.model,
    attempts: j.attempts,
    cancelRequested: j.cancelRequested,
    createdAt: j.createdAt.toISOString(),
    startedAt: j.startedAt?.toISOString() ?? null,
    finishedAt: j.finishedAt?.toISOString() ?? null,
  };
}

function datasetBody(x: DatasetRow) {
  return { name: x.name, version: x.version, seed: x.seed, counts: x.counts, createdAt: x.createdAt.toISOString() };
}

export async function buildApi(d: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: d.logger ?? { level: 'info', redact: ['req.headers.authorization'] },
    bodyLimit: d.bodyLimit ?? 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true, discriminator: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Every route, as registered: a test checks each is in the OpenAPI document with its auth.
  const routes: { method: string; url: string; scope: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat())
      if (method !== 'HEAD')
        routes.push({ method, url: r.url, scope: (r.config as { scope?: string } | undefined)?.scope ?? 'admin' });
  });
  app.decorate('heimdallRoutes', routes);
  app.addSchema(S.ErrorBody);
  app.addSchema(S.Job);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Heimdall API', version: '1', description: 'Training jobs, datasets and models of a Heimdall catalog.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: false } });

  // Request latency per route, for /metrics.
  const latency = new Map<string, { count: number; sum: number }>();
  app.addHook('onResponse', async (req, reply) => {
    const key = `${req.method} ${req.routeOptions.url ?? 'unmatched'} ${reply.statusCode}`;
    const s = latency.get(key) ?? { count: 0, sum: 0 };
    s.count++;
    s.sum += reply.elapsedTime / 1000;
    latency.set(key, s);
  });

  // Authentication and scope, declared per route; /docs' own asset routes are public.
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    // Swagger UI's own asset routes are public; an unknown route takes any valid token (then 404);
    // a route that declared no scope needs admin, so a forgotten declaration fails closed.
    const needed =
      req.routeOptions.config?.scope ??
      (req.url.startsWith('/docs') ? 'public' : req.routeOptions.url === undefined ? 'read' : 'admin');
    if (needed === 'public') return;
    const header = req.headers.authorization ?? '';
    // The scheme's name is case-insensitive (RFC 7235 §2.1); the token is one word.
    const token = /^Bearer (\S+)$/i.exec(header)?.[1];
    if (token === undefined) {
      reply.header('WWW-Authenticate', 'Bearer');
      return reply.code(401).send({
        error:
          header === ''
            ? 'missing bearer token (Authorization: Bearer <token>; heimdall tokens create)'
            : 'malformed Authorization header: expected `Bearer <token>` (one token, scheme Bearer)',
      });
    }
    const who = await d.tokens.check(token);
    if (!who.ok) {
      reply.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      return reply.code(401).send({ error: who.reason === 'expired' ? expiredMessage(who) : 'invalid or revoked token' });
    }
    if (!scopeAllows(who.scope, needed))
      return reply.code(403).send({ error: `token '${who.name}' has scope ${who.scope}; this route needs ${needed}` });
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    // A refused upload closes the connection: the client stops sending, the server stops reading.
    if (err.statusCode === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE') reply.header('connection', 'close');
    if (err.validation !== undefined) return reply.code(400).send({ error: `invalid request: ${err.message}` });
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.message });
    if (err instanceof JobNotFoundError) return reply.code(404).send({ error: err.message });
    if (err instanceof JobConflictError) return reply.code(409).send({ error: err.message });
    // A dependency that did not answer (the queue, the catalog's server, the blob store): retry later.
    if (err instanceof QueueUnavailableError || isTransient(err)) {
      req.log.warn({ err: { message: err.message } }, 'a dependency is unavailable');
      return reply
        .code(503)
        .header('Retry-After', '5')
        .send({ error: err instanceof QueueUnavailableError ? err.message : 'a dependency is unavailable; retry later' });
    }
    if (err.code === 'FST_REQ_FILE_TOO_LARGE') return reply.code(413).send({ error: fileTooLarge(uploadLimit(d)).message });
    if (err.statusCode === 413 && err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply.code(413).send({ error: `request body larger than ${d.bodyLimit ?? 1024 * 1024} bytes` });
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
      return reply.code(err.statusCode).send({ error: err.message });
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal error (see the server log)' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` }));

  app.get(
    '/healthz',
    { config: { scope: 'public' }, schema: { summary: 'the process is up', response: { 200: S.Health } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { scope: 'public' },
      schema: {
        summary: 'the catalog, the queue and the blob store are reachable (each named)',
        response: { 200: S.Health, 503: S.Health },
      },
    },
    async (_req, reply) => {
      // Each probe in parallel and bounded: a dependency that accepts connections and never
      // answers must make readiness fail, not hang (a load balancer's probe has a timeout too).
      const limitMs = d.readyProbeMs ?? 3_000;
      const probe = async (f: () => Promise<unknown>) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${limitMs} ms`)), limitMs);
        });
        try {
          return (await Promise.race([f(), late])) === false ? 'unreachable' : 'ok';
        } catch (err) {
          return `unreachable: ${(err as Error).message.split('\n')[0]}`;
        } finally {
          clearTimeout(timer);
        }
      };
      const [catalog, queue, blobs] = await Promise.all([
        probe(() => d.catalog.db.query('SELECT 1')),
        probe(() => d.queue.ping()),
        probe(() => d.blobsReachable()),
      ]);
      const checks = { catalog, queue, blobs };
      const ready = Object.values(checks).every((c) => c === 'ok');
      if (!ready) reply.code(503).header('Retry-After', '5');
      return { status: ready ? 'ready' : 'not ready', checks };
    },
  );

  app.get('/openapi.json', { config: { scope: 'public' }, schema: { hide: true } }, async () => app.swagger());

  app.post(
    '/api/v1/jobs',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'queue a job',
        body: S.CreateJob,
        response: { 201: Type.Ref('Job'), ...errors(400, 401, 403, 503) },
        ...secured,
      },
    },
    async (req, reply) => {
      const body = req.body;
      // Everything that can be checked now is, so a bad request is refused here, not by a worker.
      try {
        if (body.kind === 'train') {
          checkDatasetName(parseDatasetRef(body.dataset).name);
          resolveTrainConfig(body.config ?? {}, 'body/config');
        } else if (body.kind === 'simulate') {
          if ((body.preset === undefined) === (body.scenario === undefined))
            throw new Error('body: a simulate job takes exactly one of `preset` and `scenario`');
          resolveScenario(body.preset !== undefined ? { preset: body.preset } : { scenario: body.scenario });
        }
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
      const job = await submitJob(d.jobs, d.queue, body);
      return reply.code(201).send(jobBody(job));
    },
  );

  app.get(
    '/api/v1/jobs',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'jobs, newest first (cursor pagination)',
        querystring: S.JobListQuery,
        response: { 200: S.JobList, ...errors(400, 401, 403) },
        ...secured,
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 50;
      const list = await d.jobs.list({
        ...(req.query.status ? { status: req.query.status as JobRow['status'] } : {}),
        ...(req.query.kind ? { kind: req.query.kind as JobRow['kind'] } : {}),
        ...(req.query.cursor ? { before: req.query.cursor } : {}),
        limit,
      });
      return { jobs: list.map(jobBody), nextCursor: list.length === limit ? (list[list.length - 1]?.id ?? null) : null };
    },
  );

  app.get(
    '/api/v1/jobs/:id',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'one job: status, progress, epoch, latest metrics, error, run and model',
        params: S.JobId,
        response: { 200: Type.Ref('Job'), ...errors(400, 401, 403, 404) },
        ...secured,
      },
    },
    async (req) => jobBody(await d.jobs.get(req.params.id)),
  );

  app.post(
    '/api/v1/jobs/:id/cancel',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'cancel a job (a queued one at once, a running one at its next batch)',
        params: S.JobId,
        response: { 200: Type.Ref('Job'), ...errors(400, 401, 403, 404, 409) },
        ...secured,
      },
    },
    async (req) => jobBody(await d.jobs.cancel(req.params.id)),
  );

  app.get(
    '/api/v1/jobs/:id/metrics',
    {
      config: { scope: 'read' },
      schema: {
        summary: "a job's per-epoch metrics",
        params: S.JobId,
        response: { 200: S.MetricHistory, ...errors(400, 401, 403, 404) },
        ...secured,
      },
    },
    async (req) => ({ epochs: await d.jobs.metricHistory(req.params.id) }),
  );

  app.get(
    '/api/v1/jobs/:id/events',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          "a job's live events (Server-Sent Events): `state` (the whole job, whenever its status changes), `metrics` (every epoch, in order: epoch, progress, metrics); the stream ends when the job does",
        params: S.JobId,
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), ...errors(400, 401, 403, 404) },
        ...secured,
      },
    },
    async (req, reply) => {
      // The catalog is the source of truth (workers write it, from any machine): the stream
      // follows it, so any API process can serve any job's events.
      let job = await d.jobs.get(req.params.id);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      let open = true;
      req.raw.on('close', () => {
        open = false;
      });
      send('state', jobBody(job));
      let sentEpoch = 0;
      let quiet = 0;
      const poll = d.eventPollMs ?? 500;
      while (open && !FINISHED_STATUSES.includes(job.status)) {
        await new Promise((r) => setTimeout(r, poll));
        const next = await d.jobs.get(job.id).catch(() => job);
        const changed = next.status !== job.status || next.cancelRequested !== job.cancelRequested;
        const epoch = next.epoch !== null && next.epoch !== job.epoch;
        // A job that started and finished an epoch within one poll reads as running, then the epoch;
        // a final state comes after the last epoch.
        const final = FINISHED_STATUSES.includes(next.status);
        if (changed && !final) send('state', jobBody(next));
        if (epoch) {
          // Every epoch since the last one sent, also those finished between two looks; progress
          // grows linearly with epochs (JobStore.recordEpoch), so earlier ones are scaled from now.
          for (const h of await d.jobs.metricHistory(job.id, sentEpoch)) {
            const progress = h.epoch === next.epoch ? next.progress : (next.progress * h.epoch) / (next.epoch as number);
            send('metrics', { epoch: h.epoch, progress, metrics: h.metrics });
            sentEpoch = h.epoch;
          }
        }
        if (changed && final) send('state', jobBody(next));
        if (!changed && !epoch) {
          quiet += poll;
          if (quiet >= 15_000) {
            res.write(': keep-alive\n\n'); // proxies close idle streams
            quiet = 0;
          }
        }
        job = next;
      }
      res.end();
    },
  );

  app.get(
    '/api/v1/datasets',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'datasets, every version, with their split sizes',
        response: { 200: Type.Array(S.Dataset), ...errors(401, 403) },
        ...secured,
      },
    },
    async () => (await d.catalog.listDatasets()).map(datasetBody),
  );

  app.get(
    '/api/v1/datasets/:name',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'the versions of one dataset',
        params: S.DatasetName,
        response: { 200: Type.Array(S.Dataset), ...errors(400, 401, 403, 404) },
        ...secured,
      },
    },
    async (req) => {
      const versions = (await d.catalog.listDatasets()).filter((x) => x.name === req.params.name);
      if (versions.length === 0) throw new HttpError(404, `no dataset named '${req.params.name}'`);
      return versions.map(datasetBody);
    },
  );

  // Uploads (predict, uploads): files only, each within the limit, streamed as they arrive.
  await app.register(multipart, {
    // The file name as sent: the parser would otherwise cut '../../x' down to 'x' and accept it
    // silently; receiveFiles refuses any name with a folder in it, naming it.
    preservePath: true,
    limits: { fileSize: uploadLimit(d), files: MAX_UPLOAD_FILES, fields: 0, parts: MAX_UPLOAD_FILES },
  });
  await registerModelRoutes(app, d);
  registerUploadRoutes(app, d);

  app.get(
    '/metrics',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Prometheus metrics: jobs by state, queue depth, request latency',
        produces: ['text/plain'],
        ...secured,
      },
    },
    async (_req, reply) => {
      const byStatus = await d.jobs.countByStatus();
      const depth = await d.queue.depth();
      const lines = [
        '# HELP heimdall_jobs Jobs in the catalog by status.',
        '# TYPE heimdall_jobs gauge',
        ...Object.entries(byStatus).map(([s, n]) => `heimdall_jobs{status="${s}"} ${n}`),
        '# HELP heimdall_queue_depth Jobs waiting for a worker (including those waiting to be retried), as the queue counts them.',
        '# TYPE heimdall_queue_depth gauge',
        `heimdall_queue_depth{queue="${d.queue.kind}"} ${depth}`,
        '# HELP heimdall_http_request_duration_seconds Request latency by route and status.',
        '# TYPE heimdall_http_request_duration_seconds summary',
        ...[...latency].flatMap(([key, s]) => {
          const [method, route, status] = key.split(' ');
          const labels = `method="${method}",route="${route}",status="${status}"`;
          return [
            `heimdall_http_request_duration_seconds_count{${labels}} ${s.count}`,
            `heimdall_http_request_duration_seconds_sum{${labels}} ${s.sum}`,
          ];
        }),
      ];
      return reply.type('text/plain; version=0.0.4').send(`${lines.join('\n')}\n`);
    },
  );

  await app.ready();
  return app;
}
