// The HTTP API in-process (Fastify's inject) on the embedded catalog: every route is in the
// OpenAPI document (whose walk for refused tokens is test/api/access.test.ts); jobs are created,
// listed by cursor, read, cancelled (409 once finished), with invalid bodies refused naming the
// field; readiness names a failing dependency with 503 + Retry-After; /metrics counts jobs.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { composeApi } from '../../src/api/compose.js';
import { parseOnnx } from '../../src/export/read.js';
import { JobStore } from '../../src/jobs/job-store.js';
import { publishModel } from '../../src/pipeline/publish-model.js';
import { openStore, type Store } from '../../src/store/open.js';
import { openTracker } from '../../src/track/open.js';
import { startRun } from '../../src/track/run.js';
import type { Tracker } from '../../src/track/types.js';
import { makeNet, publishMetadata } from '../export/fixtures.js';

const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = process.env;
const PUBLIC = new Set(['GET /healthz', 'GET /readyz', 'GET /openapi.json']);

let store: Store;
let tracker: Tracker;
let app: FastifyInstance;
let blobsUp = true;
/** The blob store accepts the probe and never answers (a hung S3 server). */
let blobsHang = false;
let home = '';
const UPLOAD_LIMIT = 4096;
const token: Record<'read' | 'write' | 'admin', string> = { read: '', write: '', admin: '' };

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'heimdall-api-'));
  store = await openStore({ home, env });
  tracker = openTracker({ home, env });
  const composed = await composeApi(store, tracker, {
    env,
    uploadLimit: UPLOAD_LIMIT,
    blobsReachable: async () => {
      if (!blobsUp) throw new Error('connect ECONNREFUSED 127.0.0.1:9000');
      if (blobsHang) await new Promise(() => {});
      return true;
    },
    logger: false,
    eventPollMs: 20,
    readyProbeMs: 300,
  });
  app = composed.app;
  for (const scope of ['read', 'write', 'admin'] as const) token[scope] = await composed.tokens.create(`t-${scope}`, scope);
});
after(async () => {
  await app.close();
  await tracker.close();
  await store.close();
});

const call = (method: string, url: string, as?: keyof typeof token, body?: unknown) =>
  app.inject({
    method: method as 'GET',
    url,
    ...(as ? { headers: { authorization: `Bearer ${token[as]}` } } : {}),
    ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
  });

test('every route is in the OpenAPI document (valid OpenAPI 3.0) with its responses and bearer auth; health is public', async () => {
  const doc = (await call('GET', '/openapi.json')).json() as {
    openapi: string;
    paths: Record<string, Record<string, { security?: unknown[]; responses?: Record<string, unknown> }>>;
  };
  assert.equal(doc.openapi, '3.0.3');
  // Valid against the OpenAPI 3.0 schema, every $ref resolving (a copy: validate dereferences it).
  await SwaggerParser.validate(structuredClone(doc) as unknown as Parameters<typeof SwaggerParser.validate>[0]);
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    ),
  );
  const api = app.heimdallRoutes.filter((r) => !r.url.startsWith('/docs') && r.url !== '/openapi.json');
  assert.ok(api.length >= 10);
  for (const r of api) {
    const key = `${r.method} ${r.url}`;
    assert.ok(documented.has(key), `${key} is not in the OpenAPI document`);
    const op = doc.paths[r.url.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()];
    assert.ok(op?.responses !== undefined, `${key} documents no responses`);
    const url = r.url.replace(':id', '1').replace(':name', 'x').replace(':version', '1');
    if (PUBLIC.has(key)) {
      assert.equal(r.scope, 'public');
      assert.notEqual((await call(r.method, url)).statusCode, 401, key);
      continue;
    }
    assert.deepEqual(op?.security, [{ bearer: [] }], `${key} does not declare its bearer auth`);
    // Missing, malformed, wrong, revoked, expired and under-scoped tokens, on both catalogs:
    // test/api/access.test.ts, which walks the same document.
    assert.equal((await call(r.method, url)).statusCode, 401, `${key} without a token`);
  }
  // An unknown route is a JSON 404, not a stack.
  const none = await call('GET', '/api/v1/nothing', 'read');
  assert.deepEqual([none.statusCode, none.json()], [404, { error: 'no route GET /api/v1/nothing' }]);
});

test('jobs: invalid bodies are refused naming the field; create, get, list by cursor, cancel, 404 and 409', async () => {
  const bad = async (body: unknown, pattern: RegExp) => {
    const r = await call('POST', '/api/v1/jobs', 'write', body);
    assert.equal(r.statusCode, 400, JSON.stringify(body));
    assert.match(r.json().error, pattern);
  };
  await bad({ kind: 'predict', dataset: 'd' }, /kind/);
  await bad({ kind: 'simulate', dataset: 'd' }, /body must have required property 'samples'/);
  await bad({ kind: 'simulate', samples: 5 }, /exactly one of `preset` and `scenario`/);
  await bad({ kind: 'simulate', samples: 5, preset: 'nowhere' }, /unknown preset 'nowhere' \(available: .*nw-italy-2m/);
  await bad({ kind: 'simulate', samples: 5, scenario: { name: 'x' } }, /scenario/);
  await bad({ kind: 'simulate', samples: 0, preset: 'nw-italy-2m' }, /samples must be >= 1/);
  await bad({ kind: 'import', prefix: '../etc' }, /prefix must match pattern/);
  await bad({ kind: 'import', prefix: 'heimdall-uploads/x', dataset: '../d' }, /dataset must match pattern/);
  await bad({ kind: 'train' }, /dataset/);
  await bad({ kind: 'train', dataset: 'd', extra: 1 }, /additional properties/);
  await bad({ kind: 'train', dataset: 'd@x' }, /NAME@VERSION/);
  await bad({ kind: 'train', dataset: 'd', config: { optimizer: { lr: -1 } } }, /optimizer\.lr/);
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await call('POST', '/api/v1/jobs', 'write', {
      kind: 'train',
      dataset: `survey@${i + 1}`,
      config: { trainer: { maxEpochs: 3 } },
    });
    assert.equal(r.statusCode, 201);
    const job = r.json();
    assert.deepEqual(
      [job.status, job.kind, job.dataset, job.progress, job.config],
      ['queued', 'train', `survey@${i + 1}`, 0, { trainer: { maxEpochs: 3 } }],
    );
    ids.push(job.id);
  }
  const one = await call('GET', `/api/v1/jobs/${ids[0]}`, 'read');
  assert.deepEqual([one.statusCode, one.json().id, one.json().status], [200, ids[0], 'queued']);
  const page1 = (await call('GET', '/api/v1/jobs?limit=2', 'read')).json();
  assert.deepEqual(
    page1.jobs.map((j: { id: number }) => j.id),
    [ids[2], ids[1]],
  );
  const page2 = (await call('GET', `/api/v1/jobs?limit=2&cursor=${page1.nextCursor}`, 'read')).json();
  assert.deepEqual([page2.jobs.map((j: { id: number }) => j.id), page2.nextCursor], [[ids[0]], null]);
  assert.equal((await call('GET', '/api/v1/jobs?status=bogus', 'read')).statusCode, 400);
  const cancelled = await call('POST', `/api/v1/jobs/${ids[0]}/cancel`, 'write');
  assert.deepEqual([cancelled.statusCode, cancelled.json().status], [200, 'cancelled']);
  const again = await call('POST', `/api/v1/jobs/${ids[0]}/cancel`, 'write');
  assert.deepEqual(
    [again.statusCode, again.json()],
    [409, { error: `job ${ids[0]} is cancelled already; it cannot be cancelled` }],
  );
  assert.equal((await call('GET', '/api/v1/jobs/999999', 'read')).statusCode, 404);
  assert.equal((await call('GET', '/api/v1/jobs/abc', 'read')).statusCode, 400);
  assert.deepEqual((await call('GET', `/api/v1/jobs/${ids[1]}/metrics`, 'read')).json(), { epochs: [] });
  const metrics = await call('GET', '/metrics', 'read');
  assert.equal(metrics.statusCode, 200);
  assert.match(metrics.body, /^heimdall_jobs\{status="cancelled"\} 1$/m);
  assert.match(metrics.body, /^heimdall_queue_depth\{queue="in-process"\} 2$/m);
  assert.match(
    metrics.body,
    /heimdall_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/jobs",status="201"\} 3/,
  );
});

test('datasets and models answer from the catalog and the tracker; unknown names are 404', async () => {
  assert.deepEqual((await call('GET', '/api/v1/datasets', 'read')).json(), []);
  const missing = await call('GET', '/api/v1/datasets/nope', 'read');
  assert.deepEqual([missing.statusCode, missing.json()], [404, { error: "no dataset named 'nope'" }]);
  assert.deepEqual((await call('GET', '/api/v1/models', 'read')).json(), []);
});

test('readiness names the dependency that is down, with 503 and Retry-After; a body over the limit is 413', async () => {
  const up = await call('GET', '/readyz');
  assert.deepEqual([up.statusCode, up.json()], [200, { status: 'ready', checks: { catalog: 'ok', queue: 'ok', blobs: 'ok' } }]);
  blobsUp = false;
  const down = await call('GET', '/readyz');
  blobsUp = true;
  assert.equal(down.statusCode, 503);
  assert.equal(down.headers['retry-after'], '5');
  assert.match(down.json().checks.blobs, /unreachable: connect ECONNREFUSED/);
  assert.equal(down.json().checks.catalog, 'ok');
  blobsHang = true;
  const t0 = performance.now();
  const hung = await call('GET', '/readyz');
  blobsHang = false;
  assert.deepEqual([hung.statusCode, hung.headers['retry-after']], [503, '5']);
  assert.match(hung.json().checks.blobs, /unreachable: no answer within 300 ms/);
  assert.ok(performance.now() - t0 < 2_000, 'a dependency that never answers does not hold readiness');
  const big = await app.inject({
    method: 'POST',
    url: '/api/v1/jobs',
    headers: { authorization: `Bearer ${token.write}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ kind: 'train', dataset: 'x', config: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
  });
  assert.equal(big.statusCode, 413);
  assert.match(big.json().error, /larger than/);
});

test("a job's events stream its state changes and epochs as Server-Sent Events, ending with the job", async () => {
  const jobs = new JobStore(store.catalog.db);
  for (const j of await jobs.list({ status: 'queued' })) await jobs.cancel(j.id); // so the claim below takes ours
  const created = (await call('POST', '/api/v1/jobs', 'write', { kind: 'train', dataset: 'survey' })).json();
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const denied = await fetch(`${base}/api/v1/jobs/${created.id}/events`);
  assert.equal(denied.status, 401);
  const res = await fetch(`${base}/api/v1/jobs/${created.id}/events`, { headers: { authorization: `Bearer ${token.read}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const text = res.text(); // resolves when the server ends the stream
  const step = () => new Promise((r) => setTimeout(r, 120));
  await step();
  // What a worker does to the job, through the same store.
  assert.equal((await jobs.claim('w-events', 60_000))?.id, created.id);
  await step();
  await jobs.recordEpoch(created.id, 'w-events', 1, 0.5, { val_nll: 1.25 });
  await step();
  await jobs.finish(created.id, 'w-events', 'succeeded', { model: { name: 'localization', version: '7' } });
  const events = (await text)
    .split('\n\n')
    .filter((e) => e.startsWith('event: '))
    .map((e) => {
      const [head, data] = e.split('\n');
      return { event: head?.slice('event: '.length), data: JSON.parse(data?.slice('data: '.length) ?? 'null') };
    });
  assert.deepEqual(
    events.map((e) => (e.event === 'state' ? `state ${e.data.status}` : `metrics ${e.data.epoch}`)),
    ['state queued', 'state running', 'metrics 1', 'state succeeded'],
  );
  assert.deepEqual(events[2]?.data, { epoch: 1, progress: 0.5, metrics: { val_nll: 1.25 } });
  assert.deepEqual(events[3]?.data.model, { name: 'localization', version: '7' });
  assert.equal(
    (await fetch(`${base}/api/v1/jobs/999999/events`, { headers: { authorization: `Bearer ${token.read}` } })).status,
    404,
  );
});

/** A multipart/form-data body of files (name → bytes). */
function multipart(files: [string, Uint8Array][]): { payload: Buffer; contentType: string } {
  const boundary = 'heimdall-test-boundary';
  const parts = files.map(([name, bytes]) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="files"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.from(bytes),
      Buffer.from('\r\n'),
    ]),
  );
  return {
    payload: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

test("a model version's ONNX file downloads from the blob store; predict refuses bad uploads naming the problem", async () => {
  const run = await startRun(tracker, { experiment: 'api', guardExit: false });
  mkdirSync(join(home, 'out'));
  const published = await publishModel(makeNet({ seed: 3 }), {
    tracker,
    run,
    blobs: store.blobs,
    onnxPath: join(home, 'out', 'model.onnx'),
    metadata: publishMetadata(),
  });
  await run.end('FINISHED');
  const onnx = await call('GET', `/api/v1/models/localization/versions/${published.version}/onnx`, 'read');
  assert.equal(onnx.statusCode, 200);
  assert.equal(onnx.headers['content-type'], 'application/octet-stream');
  assert.match(String(onnx.headers['content-disposition']), /filename="localization-v1\.onnx"/);
  assert.equal(parseOnnx(onnx.rawPayload, 'download').metadata.modelVersion, published.version);
  const int8 = await call('GET', '/api/v1/models/localization/versions/1/onnx?precision=int8', 'read');
  assert.deepEqual(
    [int8.statusCode, int8.json().error],
    [404, 'localization v1 has no int8 variant (it was not asked for, or failed its accuracy check)'],
  );
  const unknown = await call('GET', '/api/v1/models/localization/versions/7/onnx', 'read');
  assert.deepEqual([unknown.statusCode, unknown.json().error], [404, 'no model version localization v7']);
  assert.equal((await call('GET', '/api/v1/models/..%2Fetc/versions/1/onnx', 'read')).statusCode, 400);
  assert.equal((await call('GET', '/api/v1/models/localization/versions/1/onnx', 'write')).statusCode, 200);
  assert.equal((await call('GET', '/api/v1/models/localization/versions/1/onnx')).statusCode, 401);

  const predict = (query: string, files: [string, Uint8Array][]) => {
    const body = multipart(files);
    return app.inject({
      method: 'POST',
      url: `/api/v1/predict${query}`,
      headers: { authorization: `Bearer ${token.read}`, 'content-type': body.contentType },
      payload: body.payload,
    });
  };
  const small = new Uint8Array(16);
  const noModel = await predict('', [['a.npy', small]]);
  assert.equal(noModel.statusCode, 400);
  assert.match(noModel.json().error, /querystring must have required property 'model'/);
  const missing = await predict('?model=nope@v1', [['a.npy', small]]);
  assert.equal(missing.statusCode, 404);
  assert.match(missing.json().error, /^nope@v1: /);
  const hidden = await predict('?model=localization@v1', [['.bashrc', small]]);
  assert.deepEqual(
    [hidden.statusCode, hidden.json().error],
    [
      400,
      "uploaded file name '.bashrc': use one plain file name (letters, digits and . _ + = -; no folders, not starting with a dot)",
    ],
  );
  const twice = await predict('?model=localization@v1', [
    ['a.npy', small],
    ['a.npy', small],
  ]);
  assert.deepEqual([twice.statusCode, twice.json().error], [400, "uploaded file name 'a.npy' appears twice"]);
  const big = await predict('?model=localization@v1', [['big.npy', new Uint8Array(UPLOAD_LIMIT + 1)]]);
  assert.deepEqual([big.statusCode, big.json().error], [413, `uploaded file larger than ${UPLOAD_LIMIT} bytes`]);
  // A file that is not a recording: nothing predicted, the reason named under `failed`.
  const junk = await predict('?model=localization@v1', [['junk.npy', new TextEncoder().encode('not numpy')]]);
  assert.equal(junk.statusCode, 200);
  assert.deepEqual(junk.json().predictions, []);
  assert.equal(junk.json().failed.length, 1);
  assert.equal(junk.json().failed[0].label, 'junk.npy');
  assert.match(junk.json().failed[0].error, /metadata sidecar not found: expected junk_metadata\.json/);
  assert.doesNotMatch(JSON.stringify(junk.json()), /heimdall-predict-/); // no server paths
  const notMultipart = await call('POST', '/api/v1/predict?model=localization@v1', 'read', { a: 1 });
  assert.equal(notMultipart.statusCode, 400);
});

// Found by the parser fuzzer (bench/fuzz, targets `api-jobs` and `api-uploads`): a JSON body that is not an
// object passed validation (the discriminator applied to objects only) and was stored as a job before the
// response failed with 500 "Cannot use 'in' operator to search for 'config' in x"; null got a 400 saying
// "Cannot read properties of null (reading 'kind')"; a multipart body cut short, and a part whose
// Content-Disposition lost its filename, got 500s ("Unexpected end of multipart data", "Cannot read
// properties of undefined (reading 'includes')").
test('non-object job bodies and malformed multipart uploads are 400s naming the problem, and store nothing (fuzz finds)', async () => {
  const before = (await call('GET', '/api/v1/jobs?limit=500', 'read')).json().jobs.length;
  for (const body of ['"x"', 'null', '5', 'true', '[]']) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: { authorization: `Bearer ${token.write}`, 'content-type': 'application/json' },
      payload: body,
    });
    assert.equal(res.statusCode, 400, body);
    assert.match(res.json().error, /^invalid request: body must be object$/, body);
  }
  assert.equal((await call('GET', '/api/v1/jobs?limit=500', 'read')).json().jobs.length, before);

  const upload = (payload: Buffer, contentType = 'multipart/form-data; boundary=heimdall-test-boundary') =>
    app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: { authorization: `Bearer ${token.write}`, 'content-type': contentType },
      payload,
    });
  const whole = multipart([['a.npy', new Uint8Array(64)]]).payload;
  const cut = await upload(whole.subarray(0, 120));
  assert.equal(cut.statusCode, 400);
  assert.match(cut.json().error, /^malformed multipart\/form-data body \(.*unexpected end of multipart data\)/i);
  const lostName = Buffer.from(
    '--heimdall-test-boundary\r\nContent-Disposition: form-data;ndary\r\n' +
      'Content-Disposition: form-data; name="file"; filename="big.wav"\r\nContent-Type: application/octet-stream\r\n\r\n' +
      'abcd\r\n--heimdall-test-boundary--\r\n',
  );
  const noName = await upload(lostName);
  assert.deepEqual(
    [noName.statusCode, noName.json().error],
    [
      400,
      "uploaded file name 'undefined': use one plain file name (letters, digits and . _ + = -; no folders, not starting with a dot)",
    ],
  );
});
