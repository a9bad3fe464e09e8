// The composition root of experiment tracking: builds the Tracker from configuration, like
// src/store/open.ts does for the data store. MLflow's own variables choose the backend:
//   MLFLOW_TRACKING_URI   unset or empty: the file store at <home>/mlruns (home: HEIMDALL_HOME or
//                         ./.heimdall); file:///path, file:path or a plain path: a file store there;
//                         http(s)://host:port: an MLflow tracking server over its REST API.
//   MLFLOW_TRACKING_TOKEN bearer token, or MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD
//                         for basic auth (both as MLflow's client reads them).
//   MLFLOW_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
//   AWS_DEFAULT_REGION    for runs whose artifact URI is s3://… (MinIO or AWS), as MLflow's client.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3BlobStore } from '../store/blobs/s3.js';
import { FileTracker } from './file-store/tracker.js';
import { RestTracker } from './rest/tracker.js';
import type { Tracker } from './types.js';

export interface OpenTrackerOptions {
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** REST retry tuning (tests make it fast). */
  maxAttempts?: number;
  backoffMs?: number;
}

function get(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function openTracker(o: OpenTrackerOptions = {}): Tracker {
  const env = o.env ?? process.env;
  const uri = get(env, 'MLFLOW_TRACKING_URI');
  if (uri === undefined) return new FileTracker(join(resolve(o.home ?? get(env, 'HEIMDALL_HOME') ?? '.heimdall'), 'mlruns'));
  if (uri.startsWith('file://')) return new FileTracker(fileURLToPath(uri));
  if (uri.startsWith('file:')) return new FileTracker(resolve(uri.slice('file:'.length)));
  if (/^https?:\/\//.test(uri)) {
    const token = get(env, 'MLFLOW_TRACKING_TOKEN');
    const username = get(env, 'MLFLOW_TRACKING_USERNAME');
    const password = get(env, 'MLFLOW_TRACKING_PASSWORD');
    return new RestTracker({
      baseUrl: uri,
      ...(token !== undefined ? { token } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(o.maxAttempts !== undefined ? { maxAttempts: o.maxAttempts } : {}),
      ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}),
      s3: () => s3FromEnv(env),
    });
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri)) {
    throw new Error(
      `MLFLOW_TRACKING_URI='${uri}': Heimdall writes a local MLflow file store (a path or file:///…) or talks to an MLflow tracking server (http(s)://…); point it at the server, not at its database`,
    );
  }
  return new FileTracker(resolve(uri));
}

/** MLflow's client variables for S3 artifact stores; path-style addressing when an endpoint (MinIO) is given. */
export function s3FromEnv(env: NodeJS.ProcessEnv): S3BlobStore {
  const accessKeyId = get(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = get(env, 'AWS_SECRET_ACCESS_KEY');
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new Error(
      's3:// artifact URIs need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and MLFLOW_S3_ENDPOINT_URL for MinIO)',
    );
  }
  const endpoint = get(env, 'MLFLOW_S3_ENDPOINT_URL');
  const sessionToken = get(env, 'AWS_SESSION_TOKEN');
  return new S3BlobStore({
    ...(endpoint !== undefined ? { endpoint } : {}),
    region: get(env, 'AWS_DEFAULT_REGION') ?? get(env, 'AWS_REGION') ?? 'us-east-1',
    accessKeyId,
    secretAccessKey,
    ...(sessionToken !== undefined ? { sessionToken } : {}),
    forcePathStyle: endpoint !== undefined,
  });
}
