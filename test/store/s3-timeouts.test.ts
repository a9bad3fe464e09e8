// The S3 blob store against a real S3-protocol server (s3rver) behind a fault-injecting TCP proxy:
// a server that accepts the connection and never answers fails the request after the idle limit
// (the SDK alone would wait forever), a 503 and a cut connection fail it too — each as a
// transient error, which the API answers with 503 and a job retries — and the store works again
// once the server answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isTransient } from '../../src/jobs/retry.js';
import { S3BlobStore } from '../../src/store/blobs/s3.js';
import { type FaultProxy, startFaultProxy } from '../services/fault-proxy.js';
import { type RunningS3, startS3rver } from './s3rver.js';

let s3: RunningS3;
let proxy: FaultProxy;
let blobs: S3BlobStore;
before(async () => {
  s3 = await startS3rver();
  proxy = await startFaultProxy({ host: '127.0.0.1', port: Number(new URL(s3.endpoint).port) });
  blobs = new S3BlobStore({
    endpoint: proxy.url,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    maxAttempts: 1,
    idleTimeoutMs: 400,
  });
});
after(async () => {
  blobs.close();
  await proxy.close();
  await s3.close();
});

test('a hung, failing or cut S3 server fails requests in bounded time as transient errors; then it works again', async () => {
  await blobs.put('heimdall-test/a', new Uint8Array([1, 2, 3]));
  for (const mode of ['hang', 'http-503', 'reset'] as const) {
    proxy.setMode(mode);
    await new Promise((r) => setTimeout(r, 100)); // the client's pool sees its kept-alive sockets closed
    const t0 = performance.now();
    const err = await blobs.has('heimdall-test/a').then(
      () => undefined,
      (e: unknown) => e,
    );
    const ms = performance.now() - t0;
    assert.ok(err !== undefined, `${mode}: the request failed`);
    assert.ok(isTransient(err), `${mode}: transient (${String(err)})`);
    assert.ok(ms < 3_000, `${mode}: failed after ${ms.toFixed(0)} ms`);
    assert.ok(proxy.accepted[mode] > 0, `${mode}: the request met the fault`);
  }
  proxy.setMode('pass');
  assert.equal(await blobs.has('heimdall-test/a'), true);
});
