// Which failures are retried, and after how long: network and server-state causes anywhere in an
// error's cause chain are transient; an invalid request is not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZodError } from 'zod';
import { DEFAULT_RETRY, isTransient, retryDelayMs } from '../../src/jobs/retry.js';

const withCode = (code: string) => Object.assign(new Error(`failed: ${code}`), { code });

test('connection and server-state failures are transient, also wrapped; invalid input is not', () => {
  assert.equal(isTransient(withCode('ECONNREFUSED')), true);
  assert.equal(isTransient(withCode('57P01')), true); // PostgreSQL admin shutdown
  assert.equal(isTransient(new Error('reading blob', { cause: withCode('ECONNRESET') })), true);
  assert.equal(isTransient(new AggregateError([withCode('EHOSTUNREACH')], '')), true);
  assert.equal(isTransient(Object.assign(new Error('S3'), { $metadata: { httpStatusCode: 503 } })), true);
  assert.equal(isTransient(Object.assign(new Error('S3'), { $metadata: { httpStatusCode: 404 } })), false);
  assert.equal(isTransient(Object.assign(new Error('slow'), { name: 'TimeoutError' })), true);
  assert.equal(isTransient(new RangeError('optimizer.lr: must be positive')), false);
  assert.equal(isTransient(new ZodError([])), false);
  assert.equal(isTransient(withCode('ENOENT')), false); // a missing file stays missing
  assert.equal(isTransient('a string'), false);
  assert.equal(isTransient(null), false);
});

test('the delay doubles from the base after each attempt, up to the cap', () => {
  const p = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 5000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((a) => retryDelayMs(p, a)),
    [1000, 2000, 4000, 5000, 5000],
  );
  assert.equal(retryDelayMs(DEFAULT_RETRY, 1), 5000);
  assert.equal(DEFAULT_RETRY.maxAttempts, 3);
});
