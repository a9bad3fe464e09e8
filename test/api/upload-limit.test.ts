// Uploads beyond the limit are refused before they are buffered, over a real socket (app.listen on
// 127.0.0.1, Node's http client) with a 1 MiB file limit: a body declaring 200 MB is refused with
// 413 before it is read; a chunked 100 MB file (no Content-Length) is cut at the limit, 413. In
// both, the server reads a small part of the body and its memory grows by far less than the body,
// and nothing is stored: no blob, no staging folder. Files past the total limit of one request
// are refused the same way, as are refused uploads to predict.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type ApiFixture, catalogBackends, startApi } from './api-fixture.js';
import { peakMemoryGrowth, uploadStream } from './upload-client.js';

const MiB = 1024 * 1024;
const LIMIT = MiB;
const TOTAL = 2 * MiB;

let f: ApiFixture;
let base = '';
let writeToken = '';
let readToken = '';
let staging = '';
const sockets: Socket[] = [];
const originalTmp = process.env.TMPDIR;

before(async () => {
  // The server stages uploads under os.tmpdir(): a private one shows whether anything was left.
  f = await startApi(catalogBackends[0] as (typeof catalogBackends)[0], { uploadLimit: LIMIT, uploadTotalLimit: TOTAL });
  staging = mkdtempSync(join(tmpdir(), 'heimdall-upload-limit-'));
  process.env.TMPDIR = staging;
  writeToken = await f.tokens.create('uploader', 'write');
  readToken = await f.tokens.create('predictor', 'read');
  f.app.server.on('connection', (s: Socket) => sockets.push(s));
  base = await f.app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  if (originalTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmp;
  await f?.close();
});

/** Body bytes the server read on connections opened since `from` (headers included: a few hundred bytes). */
async function serverRead(from: number): Promise<number> {
  const mine = sockets.slice(from);
  // Wait for the server's side to close (it does after a 413), so the count is final.
  await Promise.all(mine.map((s) => (s.destroyed ? undefined : new Promise((r) => s.once('close', r)))));
  return mine.reduce((n, s) => n + s.bytesRead, 0);
}

async function nothingStored() {
  assert.deepEqual(await f.store.blobs.list('heimdall-uploads/'), [], 'no blob stored');
  assert.deepEqual(readdirSync(staging), [], 'no staging folder left');
}

/**
 * A 413 that came while most of the body was unsent (before `sentShare` of it), with the server having read less
 * than `readBound` and memory grown by less than 32 MiB, and nothing stored.
 */
async function refusedEarly(o: {
  sentAtResponse: number;
  growth: number;
  from: number;
  bytes: number;
  sentShare: number;
  readBound: number;
}): Promise<void> {
  assert.ok(o.sentAtResponse < o.bytes * o.sentShare, `the 413 came after ${o.sentAtResponse} bytes sent`);
  const read = await serverRead(o.from);
  assert.ok(read < o.readBound, `the server read ${read} bytes of a ${o.bytes}-byte body`);
  assert.ok(o.growth < 32 * MiB, `memory grew by ${o.growth} bytes`);
  await nothingStored();
}

test('a body declaring 200 MB is refused with 413 before it is read: little read, little memory, nothing stored', async () => {
  const from = sockets.length;
  const declared = 200_000_000;
  const { result: r, growth } = await peakMemoryGrowth(() =>
    uploadStream({
      url: `${base}/api/v1/uploads`,
      token: writeToken,
      fileName: 'huge.npy',
      bytes: declared,
      declaredLength: declared,
    }),
  );
  assert.equal(r.status, 413, r.body);
  assert.deepEqual(JSON.parse(r.body), {
    error: `request body of ${declared} bytes (Content-Length) is larger than the upload limit: ${TOTAL} bytes of files in total, ${LIMIT} per file`,
  });
  await refusedEarly({ sentAtResponse: r.sentAtResponse, growth, from, bytes: declared, sentShare: 1 / 10, readBound: 16 * MiB });
});

test('a chunked 100 MB file (no Content-Length) is cut at the 1 MiB limit with 413: little read, little memory, nothing stored', async () => {
  const from = sockets.length;
  const bytes = 100_000_000;
  const { result: r, growth } = await peakMemoryGrowth(() =>
    uploadStream({ url: `${base}/api/v1/uploads`, token: writeToken, fileName: 'big.npy', bytes }),
  );
  assert.equal(r.status, 413, r.body);
  assert.deepEqual(JSON.parse(r.body), { error: `uploaded file larger than ${LIMIT} bytes` });
  await refusedEarly({ sentAtResponse: r.sentAtResponse, growth, from, bytes, sentShare: 1 / 5, readBound: 24 * MiB });
});

test('files within the file limit but past the total limit of one request are refused, and none of them is stored', async () => {
  const boundary = 'b';
  const part = (name: string) =>
    Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="files"; filename="${name}"\r\n\r\n`),
      Buffer.alloc(700 * 1024, 1), // each within the file limit; 2.1 MB together
      Buffer.from('\r\n'),
    ]);
  const r = await f.app.inject({
    method: 'POST',
    url: '/api/v1/uploads',
    headers: { authorization: `Bearer ${writeToken}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([part('a.npy'), part('b.npy'), part('c.npy'), Buffer.from(`--${boundary}--\r\n`)]),
  });
  assert.deepEqual([r.statusCode, r.json()], [413, { error: `uploaded files larger than ${TOTAL} bytes in total` }]);
  await nothingStored();
  // Within both limits, the same files are stored (so the refusals above are about size alone).
  const ok = await uploadStream({ url: `${base}/api/v1/uploads`, token: writeToken, fileName: 'ok.npy', bytes: 900 * 1024 });
  assert.equal(ok.status, 201, ok.body);
  const { prefix, files } = JSON.parse(ok.body) as { prefix: string; files: { name: string; bytes: number }[] };
  assert.deepEqual(files, [{ name: 'ok.npy', bytes: 900 * 1024 }]);
  assert.equal((await f.store.blobs.get(`${prefix}/ok.npy`)).byteLength, 900 * 1024);
  assert.deepEqual(readdirSync(staging), [], 'the staging folder is removed after a stored upload too');
});

test('predict refuses a declared oversize body with 413 before it looks at the model or reads the body', async () => {
  const from = sockets.length;
  const declared = 200_000_000;
  const r = await uploadStream({
    url: `${base}/api/v1/predict?model=nope@v1`,
    token: readToken,
    fileName: 'huge.npy',
    bytes: declared,
    declaredLength: declared,
  });
  assert.equal(r.status, 413, r.body);
  assert.match(JSON.parse(r.body).error, /^request body of 200000000 bytes \(Content-Length\) is larger than the upload limit/);
  assert.ok((await serverRead(from)) < 16 * MiB);
  // Without a token the answer is 401, not 413: the size of a request says nothing to a stranger.
  const stranger = await uploadStream({
    url: `${base}/api/v1/predict?model=nope@v1`,
    token: 'hd_nobody',
    fileName: 'x.npy',
    bytes: 1024,
    declaredLength: declared,
  });
  assert.equal(stranger.status, 401);
});
