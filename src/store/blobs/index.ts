// Blob storage: the interface, both backends, and the choice between them from the environment.
//
// Environment variables read by blobStoreFromEnv (empty values count as unset):
//   HEIMDALL_BLOBS            A folder for local storage (default: the caller's defaultDir), or
//                             exactly "s3://" to select S3 storage configured by the variables below.
//   HEIMDALL_S3_ENDPOINT      S3-compatible server URL, e.g. "http://127.0.0.1:9000" (MinIO).
//                             Setting it selects S3 storage; with HEIMDALL_BLOBS=s3:// and no
//                             endpoint, AWS S3 itself is used.
//   HEIMDALL_S3_REGION        Region (default "us-east-1").
//   HEIMDALL_S3_PATH_STYLE    "true" (default) for path-style URLs (http://host/bucket/key, what
//                             MinIO and most S3-compatible servers need) or "false" for
//                             virtual-host style (http://bucket.host/key).
//   HEIMDALL_S3_BUCKET_PREFIX Prepended to every bucket name, e.g. "staging-" (default none).
//   AWS_ACCESS_KEY_ID         S3 credentials: both required for S3 storage.
//   AWS_SECRET_ACCESS_KEY
//   AWS_SESSION_TOKEN         Optional, for temporary credentials.
// The first segment of a blob key names the S3 bucket ("heimdall-raw-iq/sessions/1/rx.npy" →
// bucket "heimdall-raw-iq"), or the first folder under the local root.
import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local.js';
import { S3BlobStore } from './s3.js';

export {
  BlobIntegrityError,
  BlobNotFoundError,
  type BlobStore,
  checkBlobKey,
  type PutResult,
} from './blob-store.js';
export { checkBlobPrefix, LocalBlobStore, sha256Hex } from './local.js';
export { S3_MIN_PART_BYTES, S3BlobStore, type S3BlobStoreOptions } from './s3.js';

export function blobStoreFromEnv(env: NodeJS.ProcessEnv = process.env, defaultDir: string): BlobStore {
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const blobs = get('HEIMDALL_BLOBS');
  const endpoint = get('HEIMDALL_S3_ENDPOINT');
  const wantsS3 = blobs?.startsWith('s3://') ?? false;
  if (wantsS3 && blobs !== 's3://') {
    throw new RangeError(
      `HEIMDALL_BLOBS='${blobs}': write exactly 's3://' and configure S3 with HEIMDALL_S3_ENDPOINT, HEIMDALL_S3_REGION and HEIMDALL_S3_BUCKET_PREFIX`,
    );
  }
  if (wantsS3 || endpoint !== undefined) {
    const accessKeyId = get('AWS_ACCESS_KEY_ID');
    const secretAccessKey = get('AWS_SECRET_ACCESS_KEY');
    if (accessKeyId === undefined || secretAccessKey === undefined) {
      const missing = [
        accessKeyId === undefined ? 'AWS_ACCESS_KEY_ID' : '',
        secretAccessKey === undefined ? 'AWS_SECRET_ACCESS_KEY' : '',
      ]
        .filter((n) => n !== '')
        .join(' and ');
      throw new Error(`S3 blob storage needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (missing: ${missing})`);
    }
    const pathStyle = get('HEIMDALL_S3_PATH_STYLE') ?? 'true';
    if (pathStyle !== 'true' && pathStyle !== 'false') {
      throw new RangeError(`HEIMDALL_S3_PATH_STYLE='${pathStyle}': expected 'true' or 'false'`);
    }
    const sessionToken = get('AWS_SESSION_TOKEN');
    const bucketPrefix = get('HEIMDALL_S3_BUCKET_PREFIX');
    return new S3BlobStore({
      ...(endpoint !== undefined ? { endpoint } : {}),
      region: get('HEIMDALL_S3_REGION') ?? 'us-east-1',
      accessKeyId,
      secretAccessKey,
      ...(sessionToken !== undefined ? { sessionToken } : {}),
      forcePathStyle: pathStyle === 'true',
      ...(bucketPrefix !== undefined ? { bucketPrefix } : {}),
    });
  }
  return new LocalBlobStore(blobs ?? defaultDir);
}
