import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { HeadObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  BlobIntegrityError,
  BlobNotFoundError,
  type BlobStore,
  blobStoreFromEnv,
  LocalBlobStore,
  S3BlobStore,
  type S3BlobStoreOptions,
} from '../../src/store/blobs/index.js';
import { HOSTILE } from '../hostile-names.js';
import { type RunningS3, startS3rver } from './s3rver.js';

const MiB = 1024 * 1024;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Exact byte equality, naming the first difference (a deepEqual diff of megabytes is unreadable). */
function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(Object.getPrototypeOf(actual), Uint8Array.prototype, `${what}: a plain Uint8Array`);
  assert.equal(actual.byteLength, expected.byteLength, `${what}: length`);
  if (!Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)) {
    const i = actual.findIndex((v, j) => v !== expected[j]);
    assert.fail(`${what}: byte ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

async function rejectsWith(p: Promise<unknown>, type: new (...args: never[]) => Error, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A fresh, empty store; for S3, the names of the commands it has sent (one per command, not per retry). */
interface Harness {
  store: BlobStore;
  sent?: string[];
}

interface Backend {
  name: string;
  /** Stores built with multipartThresholdBytes 5 MiB + 1 and partSizeBytes 5 MiB where that applies. */
  fresh: () => Harness;
}

/** The behaviour every BlobStore must have, run once per backend. */
function blobStoreContract(backend: Backend): void {
  describe(`BlobStore contract: ${backend.name}`, () => {
    test('put/get round-trips random bytes and an empty blob; put reports the SHA-256 and size', async () => {
      const { store } = backend.fresh();
      const bytes = randomBytes(100_003);
      const key = 'heimdall-raw-iq/sessions/12/torino.npy';
      const put = await store.put(key, bytes);
      assert.deepEqual(put, { key, sha256: sha256(bytes), bytes: 100_003 });
      assertSameBytes(await store.get(key), bytes, 'get');
      assertSameBytes(await store.get(key, sha256(bytes)), bytes, 'verified get');
      assertSameBytes(await store.get(key, sha256(bytes).toUpperCase()), bytes, 'hash compared case-insensitively');

      const empty = await store.put('heimdall-raw-iq/empty.bin', new Uint8Array(0));
      assert.deepEqual(empty, {
        key: 'heimdall-raw-iq/empty.bin',
        sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        bytes: 0,
      });
      assertSameBytes(await store.get('heimdall-raw-iq/empty.bin', empty.sha256), new Uint8Array(0), 'empty blob');
      assert.equal(await store.has('heimdall-raw-iq/empty.bin'), true);
    });

    test('put over an existing key replaces the whole blob (also with a shorter one)', async () => {
      const { store } = backend.fresh();
      const first = randomBytes(5000);
      const second = Buffer.from('short');
      await store.put('models/v1/weights.safetensors', first);
      const put = await store.put('models/v1/weights.safetensors', second);
      assert.equal(put.sha256, sha256(second));
      assertSameBytes(await store.get('models/v1/weights.safetensors', sha256(second)), second, 'replaced');
      assert.deepEqual(await store.list('models/'), ['models/v1/weights.safetensors']);
    });

    test('get with a wrong expected SHA-256 throws BlobIntegrityError naming both hashes', async () => {
      const { store } = backend.fresh();
      const bytes = Buffer.from('hello heimdall');
      const actual = sha256(bytes);
      const wrong = sha256(Buffer.from('something else'));
      await store.put('blobs/greeting.txt', bytes);
      await assert.rejects(store.get('blobs/greeting.txt', wrong), (err: unknown) => {
        assert.ok(err instanceof BlobIntegrityError);
        assert.equal(
          err.message,
          `${store.location}: blob 'blobs/greeting.txt' is corrupt: SHA-256 ${actual.slice(0, 16)}… does not match the catalog's ${wrong.slice(0, 16)}…`,
        );
        assert.equal(err.name, 'BlobIntegrityError');
        assert.equal(err.key, 'blobs/greeting.txt');
        assert.equal(err.expected, wrong);
        assert.equal(err.actual, actual);
        assert.equal(err.location, store.location);
        return true;
      });
    });

    test('a missing key throws BlobNotFoundError (missing object, folder or bucket)', async () => {
      const { store } = backend.fresh();
      await store.put('blobs/present/a.bin', Buffer.from([1, 2, 3]));
      for (const key of ['blobs/present/b.bin', 'blobs/absent/a.bin', 'nobucket/a.bin', 'blobs/present']) {
        await rejectsWith(store.get(key), BlobNotFoundError, `${store.location}: no blob '${key}'`);
        await rejectsWith(
          store.get(key, sha256(Buffer.from([1, 2, 3]))),
          BlobNotFoundError,
          `${store.location}: no blob '${key}'`,
        );
        assert.equal(await store.has(key), false, key);
      }
    });

    test('has and list: string-prefix filtering, nested keys, sorted', async () => {
      const { store } = backend.fresh();
      const keys = ['data/b/2', 'data/a/10', 'data/a/1', 'data/a/sub/deep/x.npy', 'data/ab', 'other/z', 'data/A-upper'];
      for (const k of keys) await store.put(k, Buffer.from(k));
      assert.deepEqual(await store.list(''), [
        'data/A-upper',
        'data/a/1',
        'data/a/10',
        'data/a/sub/deep/x.npy',
        'data/ab',
        'data/b/2',
        'other/z',
      ]);
      assert.deepEqual(await store.list('data/a/'), ['data/a/1', 'data/a/10', 'data/a/sub/deep/x.npy']);
      assert.deepEqual(await store.list('data/a'), ['data/a/1', 'data/a/10', 'data/a/sub/deep/x.npy', 'data/ab']);
      assert.deepEqual(await store.list('data/a/1'), ['data/a/1', 'data/a/10']);
      assert.deepEqual(await store.list('data/a/sub/'), ['data/a/sub/deep/x.npy']);
      assert.deepEqual(await store.list('oth'), ['other/z']);
      assert.deepEqual(await store.list('data/c'), []);
      assert.deepEqual(await store.list('nobucket/'), []);
      assert.deepEqual(await store.list('zzz'), []);
      assert.equal(await store.has('data/a/1'), true);
      assert.equal(await store.has('data/a'), false, 'a prefix of other keys is not a blob');
      assert.equal(await store.has('data/a/2'), false);
      await rejectsWith(
        store.list('../'),
        RangeError,
        "invalid blob prefix '../': expected '' or the start of a blob key like 'bucket/dir/'",
      );
      await rejectsWith(
        store.list('/data'),
        RangeError,
        "invalid blob prefix '/data': expected '' or the start of a blob key like 'bucket/dir/'",
      );
    });

    test('delete removes a blob; deleting a missing one is fine', async () => {
      const { store } = backend.fresh();
      await store.put('blobs/keep.bin', Buffer.from('keep'));
      await store.put('blobs/drop.bin', Buffer.from('drop'));
      await store.delete('blobs/drop.bin');
      assert.equal(await store.has('blobs/drop.bin'), false);
      await rejectsWith(store.get('blobs/drop.bin'), BlobNotFoundError, `${store.location}: no blob 'blobs/drop.bin'`);
      assert.deepEqual(await store.list('blobs/'), ['blobs/keep.bin']);
      await store.delete('blobs/drop.bin');
      await store.delete('nobucket/never.bin');
      await store.delete('blobs/keep.bin/not-a-folder');
      assertSameBytes(await store.get('blobs/keep.bin'), Buffer.from('keep'), 'untouched');
    });

    test('invalid keys are refused by every method, naming the key', async () => {
      const { store } = backend.fresh();
      const shape = (k: string) =>
        `invalid blob key '${k}': expected a relative path like 'bucket/dir/name.ext' without '..' or empty parts`;
      const cases: [string, string][] = [
        ['', shape('')],
        ['/etc/passwd', shape('/etc/passwd')],
        ['blobs/../../escape', shape('blobs/../../escape')],
        ['blobs//double', shape('blobs//double')],
        ['blobs/./dot', shape('blobs/./dot')],
        ['blobs\\win', shape('blobs\\win')],
        ['blobs/trailing/', shape('blobs/trailing/')],
        ['blobs/with space', "invalid blob key 'blobs/with space': use letters, digits and . _ - / = +"],
        ['blobs/tmp~1', "invalid blob key 'blobs/tmp~1': use letters, digits and . _ - / = +"],
      ];
      for (const [key, message] of cases) {
        await rejectsWith(store.put(key, Buffer.from('x')), RangeError, message);
        await rejectsWith(store.get(key), RangeError, message);
        await rejectsWith(store.has(key), RangeError, message);
        await rejectsWith(store.delete(key), RangeError, message);
      }
      // The shared hostile list (test/hostile-names.ts): traversal, encoded traversal, NUL, look-alikes, SQL-ish, 5000 characters.
      for (const key of HOSTILE.filter((k) => k !== 'a/b')) {
        const named = (err: Error) =>
          err instanceof RangeError && err.message.startsWith(`invalid blob key '${key.slice(0, 30)}`);
        await assert.rejects(store.put(key, Buffer.from('x')), named, JSON.stringify(key.slice(0, 40)));
        await assert.rejects(store.get(key), named, JSON.stringify(key.slice(0, 40)));
        await assert.rejects(store.put(`blobs/${key}`, Buffer.from('x')), RangeError, JSON.stringify(key.slice(0, 40)));
      }
      assert.deepEqual(await store.list(''), []);
    });

    test('blobs at and above the multipart threshold round-trip exactly', async () => {
      const { store, sent } = backend.fresh();
      const atLimit = randomBytes(5 * MiB); // below the threshold (5 MiB + 1): one PutObject
      const justOver = randomBytes(5 * MiB + 1); // parts of 5 MiB and 1 byte
      const large = randomBytes(12 * MiB + 3); // parts of 5, 5 and 2 MiB + 3 bytes
      const r1 = await store.put('big/at-limit.bin', atLimit);
      const sentAfterSingle = sent ? [...sent] : [];
      const r2 = await store.put('big/just-over.bin', justOver);
      const sentAfterSecond = sent ? [...sent] : [];
      const r3 = await store.put('big/large.bin', large);
      assert.deepEqual(
        [r1, r2, r3].map((r) => [r.sha256, r.bytes]),
        [
          [sha256(atLimit), 5 * MiB],
          [sha256(justOver), 5 * MiB + 1],
          [sha256(large), 12 * MiB + 3],
        ],
      );
      assertSameBytes(await store.get('big/at-limit.bin', sha256(atLimit)), atLimit, 'at limit');
      assertSameBytes(await store.get('big/just-over.bin', sha256(justOver)), justOver, 'just over');
      assertSameBytes(await store.get('big/large.bin', sha256(large)), large, 'large');
      if (sent) {
        // The first put finds the bucket missing, creates it and puts again.
        assert.deepEqual(sentAfterSingle, ['PutObjectCommand', 'CreateBucketCommand', 'PutObjectCommand']);
        assert.deepEqual(sentAfterSecond.slice(sentAfterSingle.length), [
          'CreateMultipartUploadCommand',
          'UploadPartCommand',
          'UploadPartCommand',
          'CompleteMultipartUploadCommand',
        ]);
        assert.deepEqual(sent.slice(sentAfterSecond.length, sentAfterSecond.length + 5), [
          'CreateMultipartUploadCommand',
          'UploadPartCommand',
          'UploadPartCommand',
          'UploadPartCommand',
          'CompleteMultipartUploadCommand',
        ]);
      }
    });

    test('20 parallel puts of different keys are all stored and readable', async () => {
      const { store } = backend.fresh();
      const blobs = Array.from({ length: 20 }, (_, i) => ({
        key: `par/run-${String(i).padStart(2, '0')}.bin`,
        bytes: randomBytes(1000 + i * 997),
      }));
      const results = await Promise.all(blobs.map((b) => store.put(b.key, b.bytes)));
      assert.deepEqual(
        results.map((r) => r.sha256),
        blobs.map((b) => sha256(b.bytes)),
      );
      assert.deepEqual(
        await store.list('par/'),
        blobs.map((b) => b.key),
      );
      const back = await Promise.all(blobs.map((b) => store.get(b.key, sha256(b.bytes))));
      for (const [i, bytes] of back.entries()) assertSameBytes(bytes, blobs[i]?.bytes as Buffer, `blob ${i}`);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Local backend

const localRoot = mkdtempSync(join(tmpdir(), 'heimdall-blobs-local-'));
let localCount = 0;
const freshLocal = (): LocalBlobStore => new LocalBlobStore(join(localRoot, `store-${++localCount}`));

/** Every file under root, as '/'-paths, sorted. */
function filesUnder(root: string): string[] {
  return (
    readdirSync(root, { recursive: true, withFileTypes: true }) as {
      name: string;
      parentPath?: string;
      path: string;
      isFile(): boolean;
    }[]
  )
    .filter((e) => e.isFile())
    .map((e) =>
      relative(root, join(e.parentPath ?? e.path, e.name))
        .split(sep)
        .join('/'),
    )
    .sort();
}

blobStoreContract({ name: 'LocalBlobStore', fresh: () => ({ store: freshLocal() }) });

describe('LocalBlobStore', () => {
  test('hostile keys create nothing outside the root (nor inside it)', async () => {
    const sandbox = mkdtempSync(join(tmpdir(), 'heimdall-blob-sandbox-'));
    const store = new LocalBlobStore(join(sandbox, 'root'));
    await store.put('ok/x.bin', Buffer.from('x')); // the root exists, so an escape would have somewhere to go
    for (const key of HOSTILE.filter((k) => k !== 'a/b')) {
      await assert.rejects(store.put(key, Buffer.from('x')), RangeError);
      await assert.rejects(store.putFile(key, join(sandbox, 'root', 'ok', 'x.bin')), RangeError);
      await assert.rejects(store.put(`ok/${key}`, Buffer.from('x')), RangeError);
    }
    assert.deepEqual(readdirSync(sandbox), ['root']);
    assert.deepEqual(filesUnder(store.root), ['ok/x.bin']);
    assert.equal(existsSync('/tmp/heimdall-escape'), false);
    rmSync(sandbox, { recursive: true, force: true });
  });

  test('location is the file:// URL of the absolute root; keys map to files under it', async () => {
    const store = freshLocal();
    assert.equal(store.location, pathToFileURL(store.root).href);
    assert.ok(store.location.startsWith('file:///'));
    assert.equal(new LocalBlobStore('relative/blobs').root, join(process.cwd(), 'relative', 'blobs'));
    await store.put('heimdall-raw-iq/sessions/1/rx.npy', Buffer.from('iq'));
    assert.equal(
      store.pathOf('heimdall-raw-iq/sessions/1/rx.npy'),
      join(store.root, 'heimdall-raw-iq', 'sessions', '1', 'rx.npy'),
    );
  });

  test('after puts (new, overwrite, parallel) no temporary files remain', async () => {
    const store = freshLocal();
    await store.put('a/x.bin', randomBytes(10));
    await store.put('a/x.bin', randomBytes(20));
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.put(`a/deep/p${i}.bin`, randomBytes(100))));
    assert.deepEqual(filesUnder(store.root), [
      'a/deep/p0.bin',
      ...Array.from({ length: 9 }, (_, i) => `a/deep/p${i + 1}.bin`),
      'a/x.bin',
    ]);
  });

  test('a file standing where a folder is needed fails the put and leaves that blob intact', async () => {
    const store = freshLocal();
    const old = Buffer.from('the previous blob');
    await store.put('d/a', old);
    const folder = join(store.root, 'd', 'a');
    await rejectsWith(
      store.put('d/a/b', Buffer.from('new')),
      Error,
      `${store.location}: cannot store blob 'd/a/b': EEXIST: file already exists, mkdir '${folder}'`,
    );
    assertSameBytes(await store.get('d/a', sha256(old)), old, 'previous blob');
    await rejectsWith(store.get('d/a/b'), BlobNotFoundError, `${store.location}: no blob 'd/a/b'`);
    assert.equal(await store.has('d/a/b'), false);
    assert.deepEqual(filesUnder(store.root), ['d/a']);
  });

  test('a rename that fails after the data was written removes the temporary file; other blobs are intact', async () => {
    const store = freshLocal();
    const inner = Buffer.from('inner blob');
    await store.put('d/x/y', inner);
    const target = join(store.root, 'd', 'x');
    await rejectsWith(
      store.put('d/x', randomBytes(1000)),
      Error,
      new RegExp(
        `^${escapeRegExp(`${store.location}: cannot store blob 'd/x': EISDIR: illegal operation on a directory, rename '${target}`)}~\\d+-[0-9a-f]{12}\\.tmp' -> '${escapeRegExp(target)}'$`,
      ),
    );
    assert.deepEqual(filesUnder(store.root), ['d/x/y']);
    assertSameBytes(await store.get('d/x/y'), inner, 'inner blob');
    await rejectsWith(store.get('d/x'), BlobNotFoundError, `${store.location}: no blob 'd/x'`);
    await store.delete('d/x'); // a folder, not a blob: nothing to delete
    assert.deepEqual(await store.list('d/'), ['d/x/y']);
  });

  test('list ignores temporary files left by an interrupted put', async () => {
    const store = freshLocal();
    await store.put('t/real.bin', Buffer.from('1'));
    writeFileSync(join(store.root, 't', 'real.bin~4242-0123456789ab.tmp'), 'partial');
    mkdirSync(join(store.root, 't', 'empty-folder'));
    assert.deepEqual(await store.list(''), ['t/real.bin']);
    assert.deepEqual(await store.list('t/real'), ['t/real.bin']);
  });

  test('concurrent puts and gets of one key: readers always see one whole version', async () => {
    const store = freshLocal();
    const versions = Array.from({ length: 8 }, () => randomBytes(256 * 1024));
    const hashes = new Set(versions.map(sha256));
    await store.put('race/blob.bin', versions[0] as Buffer);
    const reads: Promise<Uint8Array>[] = [];
    const writes = versions.map(async (v) => {
      reads.push(store.get('race/blob.bin'));
      await store.put('race/blob.bin', v);
      reads.push(store.get('race/blob.bin'));
    });
    await Promise.all(writes);
    for (const r of await Promise.all(reads)) assert.ok(hashes.has(sha256(r)), 'a read saw a torn or unknown version');
    assert.deepEqual(filesUnder(store.root), ['race/blob.bin']);
  });
});

// ---------------------------------------------------------------------------------------------
// S3 backend, against s3rver in-process

let server: RunningS3 | undefined;
let endpoint = '';
const s3Stores: S3BlobStore[] = [];
let bucketCount = 0;

function s3Store(extra: Partial<S3BlobStoreOptions> = {}): { store: S3BlobStore; sent: string[] } {
  const store = new S3BlobStore({
    endpoint,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    bucketPrefix: `t${++bucketCount}-`, // isolates each test's buckets
    multipartThresholdBytes: 5 * MiB + 1,
    partSizeBytes: 5 * MiB,
    ...extra,
  });
  s3Stores.push(store);
  const sent: string[] = [];
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return { store, sent };
}

/** A client straight to s3rver, to look at what the store wrote. */
function rawClient(): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
  });
}

// One s3rver for the whole file (root-level hooks), closed with every client so the process exits.
before(async () => {
  server = await startS3rver();
  endpoint = server.endpoint;
});
after(async () => {
  for (const s of s3Stores) s.close();
  await server?.close();
  rmSync(localRoot, { recursive: true, force: true });
});

blobStoreContract({ name: 'S3BlobStore (s3rver)', fresh: () => s3Store() });

describe('S3BlobStore', () => {
  test('the first key segment is the bucket (with bucketPrefix); the SHA-256 is stored as metadata', async () => {
    const { store, sent } = s3Store();
    const prefix = store.bucketPrefix;
    assert.equal(store.location, `s3://127.0.0.1:${new URL(endpoint).port}/${prefix}*`);
    const bytes = randomBytes(4096);
    await store.put('heimdall-raw-iq/sessions/1/rx.npy', bytes);
    await store.put('heimdall-raw-iq/sessions/2/rx.npy', bytes);
    assert.deepEqual(
      sent,
      ['PutObjectCommand', 'CreateBucketCommand', 'PutObjectCommand', 'PutObjectCommand'],
      'the bucket is created when found missing, once',
    );
    const raw = rawClient();
    try {
      const head = await raw.send(new HeadObjectCommand({ Bucket: `${prefix}heimdall-raw-iq`, Key: 'sessions/1/rx.npy' }));
      assert.equal(head.ContentLength, 4096);
      assert.deepEqual(head.Metadata, { sha256: sha256(bytes) });
      const buckets = await raw.send(new ListBucketsCommand({}));
      assert.deepEqual(
        (buckets.Buckets ?? []).map((b) => b.Name).filter((n) => n?.startsWith(prefix)),
        [`${prefix}heimdall-raw-iq`],
      );
    } finally {
      raw.destroy();
    }
    // A second store with the same prefix finds the bucket already there: no CreateBucket at all.
    const again = s3Store({ bucketPrefix: prefix });
    await again.store.put('heimdall-raw-iq/sessions/3/rx.npy', bytes);
    assert.deepEqual(again.sent, ['PutObjectCommand']);
    assert.deepEqual(await again.store.list('heimdall-raw-iq/'), [
      'heimdall-raw-iq/sessions/1/rx.npy',
      'heimdall-raw-iq/sessions/2/rx.npy',
      'heimdall-raw-iq/sessions/3/rx.npy',
    ]);
  });

  test('a bucket that another client created meanwhile (BucketAlreadyExists) is used as is', async () => {
    const first = s3Store();
    await first.store.put('shared/one.bin', Buffer.from('one'));
    // The second store's first put is told the bucket is missing (as if it raced the first store);
    // its CreateBucket then meets s3rver's BucketAlreadyExists, which must count as success.
    const second = s3Store({ bucketPrefix: first.store.bucketPrefix });
    let fakeMissing = true;
    second.store.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand' && fakeMissing) {
          fakeMissing = false;
          throw Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'fakeMissingBucket' },
    );
    await second.store.put('shared/two.bin', Buffer.from('two'));
    assert.deepEqual(second.sent, ['PutObjectCommand', 'CreateBucketCommand', 'PutObjectCommand']);
    assert.deepEqual(await first.store.list('shared/'), ['shared/one.bin', 'shared/two.bin']);
  });

  test('keys whose first segment is no valid bucket name are refused', async () => {
    const { store } = s3Store({ bucketPrefix: '' });
    await rejectsWith(
      store.put('Upper/x.bin', Buffer.from('x')),
      RangeError,
      "invalid blob key 'Upper/x.bin': its first part names the S3 bucket 'Upper', which must be 3-63 lowercase letters, digits, '.' and '-'",
    );
    await rejectsWith(
      store.get('ab/x.bin'),
      RangeError,
      "invalid blob key 'ab/x.bin': its first part names the S3 bucket 'ab', which must be 3-63 lowercase letters, digits, '.' and '-'",
    );
    await rejectsWith(
      store.has('bucket-only'),
      RangeError,
      "invalid blob key 'bucket-only': expected 'bucket/object', e.g. 'bucket-only/name.ext'",
    );
    assert.throws(
      () => s3Store({ bucketPrefix: 'Dev_' }),
      new RangeError(
        "S3BlobStore: invalid bucketPrefix 'Dev_': use lowercase letters, digits, '.' and '-', starting with a letter or digit",
      ),
    );
    assert.throws(
      () => s3Store({ partSizeBytes: MiB }),
      new RangeError("S3BlobStore: partSizeBytes must be at least 5242880 (5 MiB, S3's minimum), got 1048576"),
    );
    assert.throws(
      () => s3Store({ endpoint: 'localhost:9000' }),
      new RangeError("S3BlobStore: endpoint 'localhost:9000' must be an http:// or https:// URL"),
    );
  });

  test('list follows ListObjectsV2 continuation tokens across pages', async () => {
    // s3rver 3.7.1 cannot serve a truncated ListObjectsV2 page on Node 17+ (its continuation
    // tokens use DES, which OpenSSL 3 lacks), so the pages here are served by a middleware.
    const { store } = s3Store({ listPageSize: 2 });
    const bucket = `${store.bucketPrefix}pages`;
    const pages: Record<string, { Contents: { Key: string }[]; IsTruncated: boolean; NextContinuationToken?: string }> = {
      '': { Contents: [{ Key: 'run/a' }, { Key: 'run/b' }], IsTruncated: true, NextContinuationToken: 'tok-1' },
      'tok-1': { Contents: [{ Key: 'run/c' }, { Key: 'run/d' }], IsTruncated: true, NextContinuationToken: 'tok-2' },
      'tok-2': { Contents: [{ Key: 'run/e' }], IsTruncated: false },
    };
    const requests: unknown[] = [];
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'ListObjectsV2Command') return next(args);
        const input = args.input as { Bucket: string; Prefix: string; MaxKeys: number; ContinuationToken?: string };
        requests.push({ ...input });
        return { output: { $metadata: {}, ...pages[input.ContinuationToken ?? ''] } as never, response: {} };
      },
      { step: 'initialize', name: 'fakePages' },
    );
    assert.deepEqual(await store.list('pages/run/'), ['pages/run/a', 'pages/run/b', 'pages/run/c', 'pages/run/d', 'pages/run/e']);
    assert.deepEqual(requests, [
      { Bucket: bucket, Prefix: 'run/', MaxKeys: 2 },
      { Bucket: bucket, Prefix: 'run/', MaxKeys: 2, ContinuationToken: 'tok-1' },
      { Bucket: bucket, Prefix: 'run/', MaxKeys: 2, ContinuationToken: 'tok-2' },
    ]);
  });

  test('a failing part aborts the multipart upload and leaves the previous blob in place', async () => {
    const { store, sent } = s3Store();
    const old = randomBytes(1000);
    await store.put('mp/blob.bin', old);
    let parts = 0;
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand' && ++parts === 2) throw new Error('injected network failure');
        return next(args);
      },
      { step: 'initialize', name: 'failSecondPart' },
    );
    await rejectsWith(
      store.put('mp/blob.bin', randomBytes(11 * MiB)),
      Error,
      `${store.location}: cannot store blob 'mp/blob.bin': injected network failure`,
    );
    assert.equal(sent.filter((c) => c === 'AbortMultipartUploadCommand').length, 1);
    assert.equal(sent.includes('CompleteMultipartUploadCommand'), false);
    assertSameBytes(await store.get('mp/blob.bin', sha256(old)), old, 'previous blob');
  });

  test('every PutObject and UploadPart carries the Content-MD5 of its own body', async () => {
    const { store } = s3Store();
    const md5s: [string, string | undefined][] = [];
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { headers: Record<string, string>; query: Record<string, string> };
        md5s.push([`${context.commandName} ${request.query.partNumber ?? ''}`.trim(), request.headers['content-md5']]);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordMd5' },
    );
    const small = randomBytes(1000);
    const large = randomBytes(11 * MiB);
    await store.put('md5/small.bin', small);
    await store.put('md5/large.bin', large);
    const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');
    const uploads = md5s.filter(([c]) => c.startsWith('PutObject') || c.startsWith('UploadPart'));
    assert.deepEqual(uploads.sort(), [
      ['PutObjectCommand', md5(small)], // after the bucket was created
      ['PutObjectCommand', md5(small)],
      ['UploadPartCommand 1', md5(large.subarray(0, 5 * MiB))],
      ['UploadPartCommand 2', md5(large.subarray(5 * MiB, 10 * MiB))],
      ['UploadPartCommand 3', md5(large.subarray(10 * MiB))],
    ]);
    assertSameBytes(await store.get('md5/large.bin', sha256(large)), large, 'large');
  });

  test('an aborted signal stops a multipart upload: nothing completes and the previous blob stays', async () => {
    const { store, sent } = s3Store();
    const old = randomBytes(1000);
    await store.put('mp/aborted.bin', old);
    const controller = new AbortController();
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand') controller.abort();
        return next(args);
      },
      { step: 'initialize', name: 'abortAtFirstPart' },
    );
    await rejectsWith(
      store.put('mp/aborted.bin', randomBytes(11 * MiB), { signal: controller.signal }),
      Error,
      `${store.location}: cannot store blob 'mp/aborted.bin': Upload aborted.`,
    );
    await rejectsWith(
      store.put('mp/aborted.bin', randomBytes(10), { signal: controller.signal }),
      Error,
      `${store.location}: cannot store blob 'mp/aborted.bin': This operation was aborted`,
    );
    // Upload sends AbortMultipartUpload once the parts in flight have settled.
    for (let i = 0; i < 100 && !sent.includes('AbortMultipartUploadCommand'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(sent.filter((c) => c === 'AbortMultipartUploadCommand').length, 1);
    assert.equal(sent.includes('CompleteMultipartUploadCommand'), false);
    assertSameBytes(await store.get('mp/aborted.bin', sha256(old)), old, 'previous blob');
  });

  test('network errors are retried maxAttempts times, then reported with the key', async () => {
    // A port nobody listens on.
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const { store } = s3Store({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2 });
    let attempts = 0;
    store.client.middlewareStack.add(
      (next) => async (args) => {
        attempts++;
        return next(args);
      },
      { step: 'finalizeRequest', name: 'countAttempts', priority: 'low' },
    );
    await rejectsWith(
      store.put('net/x.bin', Buffer.from('x')),
      Error,
      new RegExp(`^${escapeRegExp(`${store.location}: cannot store blob 'net/x.bin': `)}.*ECONNREFUSED`),
    );
    assert.equal(attempts, 2);
  });
});

// ---------------------------------------------------------------------------------------------
// Choosing a backend from the environment

describe('blobStoreFromEnv', () => {
  const dir = join(localRoot, 'env-default');

  test('local storage by default, in HEIMDALL_BLOBS when set', () => {
    const store = blobStoreFromEnv({}, dir);
    assert.ok(store instanceof LocalBlobStore);
    assert.equal(store.location, pathToFileURL(dir).href);
    assert.equal(blobStoreFromEnv({ HEIMDALL_BLOBS: '' }, dir).location, pathToFileURL(dir).href, 'empty counts as unset');
    const other = join(localRoot, 'env-other');
    assert.equal(blobStoreFromEnv({ HEIMDALL_BLOBS: other }, dir).location, pathToFileURL(other).href);
  });

  test('S3 storage when HEIMDALL_S3_ENDPOINT is set or HEIMDALL_BLOBS is s3://', async () => {
    const env = {
      HEIMDALL_S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      HEIMDALL_S3_BUCKET_PREFIX: 'env-',
    };
    const store = blobStoreFromEnv(env, dir);
    assert.ok(store instanceof S3BlobStore);
    s3Stores.push(store);
    assert.equal(store.location, `s3://${new URL(endpoint).host}/env-*`);
    assert.equal(store.bucketPrefix, 'env-');
    const bytes = randomBytes(300);
    await store.put('heimdall-raw-iq/from-env.bin', bytes);
    assertSameBytes(await store.get('heimdall-raw-iq/from-env.bin', sha256(bytes)), bytes, 'via env');

    const aws = blobStoreFromEnv({ HEIMDALL_BLOBS: 's3://', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' }, dir);
    assert.ok(aws instanceof S3BlobStore);
    s3Stores.push(aws);
    assert.equal(aws.location, 's3://aws');
    assert.equal(await aws.client.config.forcePathStyle, true);
    assert.equal(await aws.client.config.region(), 'us-east-1');

    const vhost = blobStoreFromEnv(
      { ...env, HEIMDALL_S3_PATH_STYLE: 'false', HEIMDALL_S3_REGION: 'eu-south-1', HEIMDALL_S3_BUCKET_PREFIX: '' },
      dir,
    );
    assert.ok(vhost instanceof S3BlobStore);
    s3Stores.push(vhost);
    assert.equal(vhost.client.config.forcePathStyle, false);
    assert.equal(await vhost.client.config.region(), 'eu-south-1');
    assert.equal(vhost.location, `s3://${new URL(endpoint).host}`);
  });

  test('S3 without credentials, or with bad settings, is an error naming the variables', () => {
    assert.throws(
      () => blobStoreFromEnv({ HEIMDALL_S3_ENDPOINT: 'http://127.0.0.1:9000' }, dir),
      new Error(
        'S3 blob storage needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (missing: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
      ),
    );
    assert.throws(
      () => blobStoreFromEnv({ HEIMDALL_BLOBS: 's3://', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: '' }, dir),
      new Error(
        'S3 blob storage needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (missing: AWS_SECRET_ACCESS_KEY)',
      ),
    );
    assert.throws(
      () =>
        blobStoreFromEnv(
          {
            HEIMDALL_S3_ENDPOINT: 'http://h:1',
            AWS_ACCESS_KEY_ID: 'k',
            AWS_SECRET_ACCESS_KEY: 's',
            HEIMDALL_S3_PATH_STYLE: 'no',
          },
          dir,
        ),
      new RangeError("HEIMDALL_S3_PATH_STYLE='no': expected 'true' or 'false'"),
    );
    assert.throws(
      () => blobStoreFromEnv({ HEIMDALL_BLOBS: 's3://minio:9000' }, dir),
      new RangeError(
        "HEIMDALL_BLOBS='s3://minio:9000': write exactly 's3://' and configure S3 with HEIMDALL_S3_ENDPOINT, HEIMDALL_S3_REGION and HEIMDALL_S3_BUCKET_PREFIX",
      ),
    );
  });
});
