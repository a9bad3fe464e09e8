// Blob storage on S3 or an S3-compatible server (MinIO, Ceph, s3rver…), over @aws-sdk/client-s3.
//
// Key layout: the first segment of a key names the bucket, the rest the object:
// "heimdall-raw-iq/sessions/1/rx.npy" → bucket "heimdall-raw-iq", object "sessions/1/rx.npy".
// With bucketPrefix "dev-" that bucket is "dev-heimdall-raw-iq" (keys stay the same), so several
// environments can share one account. A bucket is created by the first put that finds it missing.
//
// put is atomic either way: a single PutObject below multipartThresholdBytes, otherwise a multipart
// upload by @aws-sdk/lib-storage's Upload, which S3 only makes visible at CompleteMultipartUpload
// (Upload aborts the multipart upload if any part fails, or when the caller's signal fires).
// Every PutObject and UploadPart carries a Content-MD5 of its own body (checked by the server in
// transit; added by a client middleware) and the blob's SHA-256 as metadata (x-amz-meta-sha256).
// get checks the SHA-256 itself when the caller knows it.
// putFile copies a file (S3 cannot share a local inode): one below the multipart threshold is read
// and put like bytes; a larger one is hashed in one pass and then streamed through Upload, which
// cuts the stream into in-memory parts (each with its Content-MD5), so memory stays at a few parts.
//
// Transient network errors are retried by the SDK (maxAttempts, default 3). The SDK's newer
// default CRC checksums are switched to "when required" because several S3-compatible servers
// reject them; integrity comes from Content-MD5 and our own SHA-256 instead.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BlobIntegrityError, BlobNotFoundError, type BlobStore, checkBlobKey, type PutResult } from './blob-store.js';
import { checkBlobPrefix, plainBytes, sha256Hex } from './local.js';

const MiB = 1024 * 1024;
/** S3's smallest part (all parts but the last); its largest part count is 10 000. */
export const S3_MIN_PART_BYTES = 5 * MiB;
const S3_MAX_PARTS = 10_000;
/** Parts uploaded at the same time within one multipart upload. */
const PART_CONCURRENCY = 4;

export interface S3BlobStoreOptions {
  /** e.g. "http://127.0.0.1:9000" for MinIO; omit for AWS. */
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** "http://host/bucket/key" instead of "http://bucket.host/key" (needed by MinIO and s3rver). */
  forcePathStyle: boolean;
  /** Prepended to every bucket name (lowercase letters, digits, '.', '-'). Default ''. */
  bucketPrefix?: string;
  /** Blobs of at least this many bytes go through a multipart upload. Default 16 MiB. */
  multipartThresholdBytes?: number;
  /** Multipart part size, at least 5 MiB (raised if a blob would need more than 10 000 parts). Default 8 MiB. */
  partSizeBytes?: number;
  /** Attempts per request, retries included (SDK standard retry strategy). Default 3. */
  maxAttempts?: number;
  /** Page size of ListObjectsV2 (S3's maximum, 1000, by default). */
  listPageSize?: number;
  /** A connection not established within this long fails (and is retried). Default 5 s. */
  connectTimeoutMs?: number;
  /**
   * A request whose connection carries no byte for this long fails (and is retried). Default 60 s:
   * a reader starved of CPU leaves a response body unread that long on a loaded machine (20 s
   * fired in bench/faults with no fault at all).
   * Without it (the SDK's default) a server that accepts a connection and never answers holds
   * the request, and whoever waits on it, forever.
   */
  idleTimeoutMs?: number;
}

/** What the SDK's service errors look like (name = the S3 error code). */
interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function sdkError(err: unknown): SdkError {
  return typeof err === 'object' && err !== null ? (err as SdkError) : {};
}

function errorName(err: unknown): string | undefined {
  const e = sdkError(err);
  return e.Code ?? e.name;
}

function isNotFound(err: unknown): boolean {
  const name = errorName(err);
  return (
    name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NotFound' || sdkError(err).$metadata?.httpStatusCode === 404
  );
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message && err.message !== 'UnknownError' ? err.message : (errorName(err) ?? 'error');
  return String(err);
}

function md5Base64(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('base64');
}

/**
 * Adds Content-MD5 to every PutObject and UploadPart whose body is in memory. SDK v3 no longer
 * does, and Upload passes the object's params to every part, so an object-level Content-MD5
 * there would be wrong for each part: the digest has to be computed per request.
 */
function addContentMd5(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Body?: unknown; ContentMD5?: string };
      const upload = context.commandName === 'PutObjectCommand' || context.commandName === 'UploadPartCommand';
      if (!upload || !(input.Body instanceof Uint8Array) || input.ContentMD5 !== undefined) return next(args);
      return next({ ...args, input: { ...args.input, ContentMD5: md5Base64(input.Body) } as typeof args.input });
    },
    { step: 'initialize', name: 'heimdallContentMd5' },
  );
}

/**
 * Makes a failed AbortMultipartUpload resolve instead of throw. Upload sends it after a part
 * fails and rethrows the abort's error in place of the part's: s3rver answers AbortMultipartUpload
 * with 405 "The specified method is not allowed against this resource", and an injected part
 * failure was reported as that (test/store/blobs.test.ts). The part's error is the one that says
 * what went wrong; nothing was made visible either way, and S3 lifecycle rules clean up parts.
 */
function abortIsBestEffort(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'AbortMultipartUploadCommand') return next(args);
      return next(args).catch(() => ({ output: { $metadata: {} }, response: undefined }));
    },
    { step: 'initialize', name: 'heimdallAbortIsBestEffort' },
  );
}

/** S3 bucket naming rules (the subset that matters for names we build). */
function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

function positiveInt(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`S3BlobStore: ${what} must be a positive integer, got ${value}`);
  return value;
}

export class S3BlobStore implements BlobStore {
  readonly location: string;
  /** The SDK client (exposed for tests and tools, e.g. to add middleware). */
  readonly client: S3Client;
  readonly bucketPrefix: string;
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  private readonly region: string;
  private readonly listPageSize: number;
  /** CreateBucket requests in flight, shared by concurrent puts into the same new bucket. */
  private readonly creating = new Map<string, Promise<void>>();

  constructor(o: S3BlobStoreOptions) {
    this.bucketPrefix = o.bucketPrefix ?? '';
    if (!/^([a-z0-9][a-z0-9.-]*)?$/.test(this.bucketPrefix)) {
      throw new RangeError(
        `S3BlobStore: invalid bucketPrefix '${this.bucketPrefix}': use lowercase letters, digits, '.' and '-', starting with a letter or digit`,
      );
    }
    this.multipartThresholdBytes = positiveInt(o.multipartThresholdBytes ?? 16 * MiB, 'multipartThresholdBytes');
    this.partSizeBytes = positiveInt(o.partSizeBytes ?? 8 * MiB, 'partSizeBytes');
    if (this.partSizeBytes < S3_MIN_PART_BYTES) {
      throw new RangeError(
        `S3BlobStore: partSizeBytes must be at least ${S3_MIN_PART_BYTES} (5 MiB, S3's minimum), got ${this.partSizeBytes}`,
      );
    }
    this.listPageSize = Math.min(positiveInt(o.listPageSize ?? 1000, 'listPageSize'), 1000);
    this.region = o.region;
    let host = 'aws';
    if (o.endpoint !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(o.endpoint);
      } catch {
        url = undefined;
      }
      if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw new RangeError(`S3BlobStore: endpoint '${o.endpoint}' must be an http:// or https:// URL`);
      }
      host = url.host + url.pathname.replace(/\/+$/, '');
    }
    this.location = `s3://${host}${this.bucketPrefix === '' ? '' : `/${this.bucketPrefix}*`}`;
    this.client = new S3Client({
      ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
      region: o.region,
      credentials: {
        accessKeyId: o.accessKeyId,
        secretAccessKey: o.secretAccessKey,
        ...(o.sessionToken !== undefined ? { sessionToken: o.sessionToken } : {}),
      },
      forcePathStyle: o.forcePathStyle,
      maxAttempts: positiveInt(o.maxAttempts ?? 3, 'maxAttempts'),
      // Options of the SDK's NodeHttpHandler: an inactivity limit rather than a whole-request one,
      // so that a large blob streaming steadily is never cut.
      requestHandler: {
        connectionTimeout: positiveInt(o.connectTimeoutMs ?? 5_000, 'connectTimeoutMs'),
        socketTimeout: positiveInt(o.idleTimeoutMs ?? 60_000, 'idleTimeoutMs'),
      },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    addContentMd5(this.client);
    abortIsBestEffort(this.client);
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  /** Splits a (validated) key into its bucket and object key. */
  private split(key: string): { bucket: string; object: string } {
    checkBlobKey(key);
    const slash = key.indexOf('/');
    const first = slash < 0 ? key : key.slice(0, slash);
    const bucket = this.bucketPrefix + first;
    if (!isValidBucketName(bucket)) {
      throw new RangeError(
        `invalid blob key '${key}': its first part names the S3 bucket '${bucket}', which must be 3-63 lowercase letters, digits, '.' and '-'`,
      );
    }
    if (slash < 0) throw new RangeError(`invalid blob key '${key}': expected 'bucket/object', e.g. '${key}/name.ext'`);
    return { bucket, object: key.slice(slash + 1) };
  }

  private fail(action: string, key: string, err: unknown): Error {
    return new Error(`${this.location}: cannot ${action} blob '${key}': ${messageOf(err)}`, { cause: err });
  }

  /**
   * Creates a bucket found missing. Concurrent callers share one CreateBucket; "already exists"
   * answers (another store or process won the race) count as success.
   */
  private createBucket(bucket: string): Promise<void> {
    let pending = this.creating.get(bucket);
    if (pending === undefined) {
      pending = (async () => {
        try {
          await this.client.send(
            new CreateBucketCommand({
              Bucket: bucket,
              ...(this.region !== 'us-east-1'
                ? { CreateBucketConfiguration: { LocationConstraint: this.region as BucketLocationConstraint } }
                : {}),
            }),
          );
        } catch (err) {
          const name = errorName(err);
          if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
        } finally {
          this.creating.delete(bucket);
        }
      })();
      this.creating.set(bucket, pending);
    }
    return pending;
  }

  /** Stores `bytes` under `key`; `signal` aborts the upload (nothing becomes visible, the previous blob stays). */
  async put(key: string, bytes: Uint8Array, o: { signal?: AbortSignal } = {}): Promise<PutResult> {
    const { bucket, object } = this.split(key);
    const sha256 = sha256Hex(bytes);
    const params = { Bucket: bucket, Key: object, Body: bytes, ContentType: 'application/octet-stream', Metadata: { sha256 } };
    const upload = async (): Promise<void> => {
      o.signal?.throwIfAborted();
      if (bytes.byteLength < this.multipartThresholdBytes) {
        await this.client.send(new PutObjectCommand({ ...params, ContentLength: bytes.byteLength }), {
          ...(o.signal ? { abortSignal: o.signal } : {}),
        });
        return;
      }
      const abortController = new AbortController();
      const abort = () => abortController.abort();
      o.signal?.addEventListener('abort', abort, { once: true });
      try {
        await new Upload({
          client: this.client,
          params,
          partSize: Math.max(this.partSizeBytes, Math.ceil(bytes.byteLength / S3_MAX_PARTS)),
          queueSize: PART_CONCURRENCY,
          leavePartsOnError: false,
          abortController,
        }).done();
      } finally {
        o.signal?.removeEventListener('abort', abort);
      }
    };
    try {
      await this.inBucket(bucket, upload);
    } catch (err) {
      throw this.fail('store', key, err);
    }
    return { key, sha256, bytes: bytes.byteLength };
  }

  /**
   * Runs `upload`; buckets are created on first use, i.e. when S3 says the bucket is missing, then the upload
   * runs once more: an existing bucket costs no extra request and needs no s3:CreateBucket permission.
   */
  private async inBucket(bucket: string, upload: () => Promise<unknown>): Promise<void> {
    try {
      await upload();
    } catch (err) {
      if (errorName(err) !== 'NoSuchBucket') throw err;
      await this.createBucket(bucket);
      await upload();
    }
  }

  async putFile(key: string, path: string, o: { expectedSha256?: string } = {}): Promise<PutResult & { linked: false }> {
    const { bucket, object } = this.split(key);
    const check = (sha256: string) => {
      if (o.expectedSha256 !== undefined && sha256 !== o.expectedSha256.toLowerCase())
        throw new BlobIntegrityError(`${this.location} (from ${path})`, key, o.expectedSha256, sha256);
    };
    let size: number;
    try {
      size = (await stat(path)).size;
      if (size < this.multipartThresholdBytes) {
        const bytes = plainBytes(await readFile(path));
        check(sha256Hex(bytes));
        return { ...(await this.put(key, bytes)), linked: false };
      }
    } catch (err) {
      if (err instanceof BlobIntegrityError) throw err;
      throw this.fail(`store (from ${path})`, key, err);
    }
    let sha256: string;
    try {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      sha256 = hash.digest('hex');
    } catch (err) {
      throw this.fail(`store (from ${path})`, key, err);
    }
    check(sha256);
    const upload = () =>
      new Upload({
        client: this.client,
        params: {
          Bucket: bucket,
          Key: object,
          Body: createReadStream(path),
          ContentType: 'application/octet-stream',
          Metadata: { sha256 },
        },
        partSize: Math.max(this.partSizeBytes, Math.ceil(size / S3_MAX_PARTS)),
        queueSize: PART_CONCURRENCY,
        leavePartsOnError: false,
      }).done();
    try {
      await this.inBucket(bucket, upload);
    } catch (err) {
      throw this.fail(`store (from ${path})`, key, err);
    }
    return { key, sha256, bytes: size, linked: false };
  }

  async get(key: string, expectedSha256?: string): Promise<Uint8Array> {
    const { bucket, object } = this.split(key);
    let bytes: Uint8Array;
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: object }));
      bytes = res.Body === undefined ? new Uint8Array(0) : plainBytes(await res.Body.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(this.location, key);
      throw this.fail('read', key, err);
    }
    if (expectedSha256 !== undefined) {
      const actual = sha256Hex(bytes);
      if (actual !== expectedSha256.toLowerCase()) throw new BlobIntegrityError(this.location, key, expectedSha256, actual);
    }
    return bytes;
  }

  async has(key: string): Promise<boolean> {
    const { bucket, object } = this.split(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: object }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw this.fail('check', key, err);
    }
  }

  async list(prefix: string): Promise<string[]> {
    checkBlobPrefix(prefix);
    const slash = prefix.indexOf('/');
    const keys: string[] = [];
    try {
      if (slash >= 0) {
        // "bucket/objprefix": one bucket.
        await this.listBucket(prefix.slice(0, slash), prefix.slice(slash + 1), keys);
      } else {
        // "" or a partial bucket name: every matching bucket of ours.
        for (const name of await this.listBuckets(prefix)) await this.listBucket(name, '', keys);
      }
    } catch (err) {
      throw new Error(`${this.location}: cannot list blobs under '${prefix}': ${messageOf(err)}`, { cause: err });
    }
    return keys.sort();
  }

  /** Our buckets whose unprefixed name starts with namePrefix, unprefixed. */
  private async listBuckets(namePrefix: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListBucketsCommand({ Prefix: this.bucketPrefix + namePrefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const b of res.Buckets ?? []) {
        if (b.Name?.startsWith(this.bucketPrefix + namePrefix)) names.push(b.Name.slice(this.bucketPrefix.length));
      }
      token = res.ContinuationToken;
    } while (token);
    return names;
  }

  private async listBucket(name: string, objectPrefix: string, out: string[]): Promise<void> {
    const bucket = this.bucketPrefix + name;
    if (!isValidBucketName(bucket)) return; // no such bucket can exist
    let token: string | undefined;
    do {
      let res: ListObjectsV2CommandOutput;
      try {
        res = await this.client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: objectPrefix,
            MaxKeys: this.listPageSize,
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (err) {
        if (errorName(err) === 'NoSuchBucket') return;
        throw err;
      }
      for (const o of res.Contents ?? []) if (o.Key !== undefined) out.push(`${name}/${o.Key}`);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
      if (res.IsTruncated && token === undefined) {
        throw new Error(`ListObjectsV2 of bucket '${bucket}' was truncated without a continuation token`);
      }
    } while (token !== undefined);
  }

  async delete(key: string): Promise<void> {
    const { bucket, object } = this.split(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object }));
    } catch (err) {
      if (isNotFound(err)) return;
      throw this.fail('delete', key, err);
    }
  }
}
