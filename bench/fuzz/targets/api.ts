// API bodies and uploads through the real Fastify app (inject, no socket) on an embedded store: job requests
// (JSON, structurally mutated) and multipart uploads (byte-mutated). A 2xx is a valid result; a 4xx with an
// `error` message is a clear refusal; a 5xx, or a 4xx whose message is a runtime error, is a find.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeApi } from '../../../src/api/compose.js';
import { openStore, type Store } from '../../../src/store/open.js';
import { openTracker } from '../../../src/track/open.js';
import type { Tracker } from '../../../src/track/types.js';
import { smallScenario, tinyTrainConfig } from '../../../test/pipeline/job-fixtures.js';
import type { FuzzTarget } from '../target.js';

/** What a clear API refusal's message starts with (see refusal()); a 5xx does not match it. */
const REFUSED = 'HTTP 4';
const UPLOAD_LIMIT = 4096;
const BOUNDARY = 'heimdallfuzzboundary';

/** A 4xx as an Error naming the status, so the verdict judges its message like any parser error. */
function refusal(status: number, body: string, serverError: string): Error {
  let message = body;
  try {
    message = (JSON.parse(body) as { error?: unknown }).error as string;
  } catch {
    // Not JSON: judged as it is.
  }
  const shown = typeof message === 'string' ? message : JSON.stringify(message);
  // A 5xx says nothing to the client; the server log's error is what a fix needs.
  return new Error(`HTTP ${status}: ${shown}${status >= 500 ? ` (server log: ${serverError})` : ''}`);
}

/** The error of a pino log line: type and message, without the times and request ids that differ per case. */
function logError(line: string): string {
  try {
    const err = (JSON.parse(line) as { err?: { type?: string; message?: string } }).err;
    return `${err?.type}: ${err?.message}`;
  } catch {
    return line.slice(0, 300);
  }
}

function multipart(files: { name: string; bytes: Uint8Array }[]): Uint8Array {
  const parts = files.flatMap((f) => [
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    f.bytes,
    Buffer.from('\r\n'),
  ]);
  return Buffer.concat([...parts, Buffer.from(`--${BOUNDARY}--\r\n`)]);
}

export interface ApiFuzz {
  targets: FuzzTarget[];
  close(): Promise<void>;
}

export async function apiTargets(): Promise<ApiFuzz> {
  const { DATABASE_URL: _db, REDIS_URL: _redis, HEIMDALL_S3_ENDPOINT: _s3, ...env } = process.env;
  // The catalog on tmpfs when there is one: every accepted job is a committed write, and disk syncs would set the pace.
  const home = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'heimdall-fuzz-api-'));
  const store: Store = await openStore({ home, env });
  const tracker: Tracker = openTracker({ home, env });
  let lastServerError = '';
  const { app, tokens } = await composeApi(store, tracker, {
    env,
    uploadLimit: UPLOAD_LIMIT,
    blobsReachable: async () => true,
    // Only errors reach the log, which keeps the last one for a 5xx's find report.
    logger: {
      level: 'error',
      stream: {
        write: (line: string) => {
          lastServerError = logError(line);
        },
      },
    },
  });
  const auth = { authorization: `Bearer ${await tokens.create('fuzz', 'write')}` };

  const send = async (url: string, contentType: string, payload: Uint8Array) => {
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { ...auth, 'content-type': contentType },
      payload: Buffer.from(payload),
    });
    if (res.statusCode >= 400) throw refusal(res.statusCode, res.body, lastServerError);
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };
  const created = (r: unknown) => {
    const { status, body } = r as { status: number; body: Record<string, unknown> };
    return status === 201 ? undefined : `status ${status}: ${JSON.stringify(body).slice(0, 200)}`;
  };

  const json = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');
  const jobsTarget: FuzzTarget = {
    name: 'api-jobs',
    kind: 'json',
    seeds: [
      json({ kind: 'train', dataset: 'fuzz@1', config: tinyTrainConfig(2) }),
      json({ kind: 'simulate', preset: 'nw-italy-2m', samples: 10, seed: 3, dataset: 'fuzz-sim' }),
      // Without a region: the API draws one around the receivers (the fixture's is for another network).
      json({ kind: 'simulate', scenario: { ...smallScenario('fuzz'), region: undefined }, samples: 5 }),
      json({ kind: 'import', prefix: 'heimdall-uploads/x/', dataset: 'fuzz-import' }),
    ],
    source: REFUSED,
    run: (input) => send('/api/v1/jobs', 'application/json', input),
    check: (r) => {
      const bad = created(r);
      if (bad !== undefined) return bad;
      return typeof (r as { body: { id?: unknown } }).body.id === 'number' ? undefined : 'created job without an id';
    },
  };

  const small = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const uploadsTarget: FuzzTarget = {
    name: 'api-uploads',
    kind: 'bytes',
    seeds: [
      multipart([{ name: 'a.sigmf-meta', bytes: Buffer.from('{"global":{}}') }]),
      multipart([
        { name: 'rx1.npy', bytes: small },
        { name: 'rx1_metadata.json', bytes: Buffer.from('{"sampleRateHz":1}') },
      ]),
      multipart([{ name: 'big.wav', bytes: new Uint8Array(UPLOAD_LIMIT + 10) }]),
    ],
    source: REFUSED,
    run: (input) => send('/api/v1/uploads', `multipart/form-data; boundary=${BOUNDARY}`, input),
    check: (r) => {
      const bad = created(r);
      if (bad !== undefined) return bad;
      const files = (r as { body: { files?: { name: string }[] } }).body.files ?? [];
      const names = files.map((f) => f.name);
      return names.every((n) => !n.includes('/') && !n.startsWith('.')) ? undefined : `stored unsafe names ${names}`;
    },
  };

  return {
    targets: [jobsTarget, uploadsTarget],
    close: async () => {
      await app.close();
      await tracker.close();
      await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
