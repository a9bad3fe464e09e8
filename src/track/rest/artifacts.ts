// Uploads run artifacts for the REST backend, wherever the server says the run's artifacts live:
//   mlflow-artifacts:/<path>  the server's artifact proxy (mlflow server --serve-artifacts, the
//                             default since MLflow 2.0): PUT <tracking URI>/api/2.0/mlflow-artifacts/
//                             artifacts/<path>/<file> (MLflow's http_artifact_repo.py and
//                             mlflow_artifacts_repo.py resolve_uri)
//   s3://<bucket>/<prefix>    straight to S3/MinIO, as MLflow's own client does, through our blob
//                             store (MLFLOW_S3_ENDPOINT_URL and AWS_* credentials)
//   file:///… or /…           a folder this machine can write (a server on the same host)
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlobStore } from '../../store/blobs/blob-store.js';
import type { ArtifactFile } from '../artifacts.js';
import { MlflowError } from '../types.js';
import type { MlflowHttp } from './http.js';

export type S3Factory = () => BlobStore;

export async function uploadArtifacts(
  http: MlflowHttp,
  artifactUri: string,
  files: ArtifactFile[],
  s3: S3Factory,
): Promise<void> {
  const uri = new URL(artifactUri.startsWith('/') ? `file://${artifactUri}` : artifactUri);
  if (uri.protocol === 'mlflow-artifacts:') {
    // mlflow-artifacts://host:port/path names another server; without a host it is the tracking server.
    const origin = uri.host !== '' ? `${new URL(http.baseUrl).protocol}//${uri.host}` : new URL(http.baseUrl).origin;
    const trackingPath = new URL(http.baseUrl).pathname.replace(/\/+$/, '');
    for (const f of files) {
      const path = `${uri.pathname}/${f.path}`.replace(/\/+/g, '/');
      const url = `${origin}/api/2.0/mlflow-artifacts/artifacts${trackingPath}${encodePath(path)}`;
      await http.send('PUT', url, readFileSync(f.file), { 'content-type': 'application/octet-stream' });
    }
    return;
  }
  if (uri.protocol === 's3:') {
    const store = s3();
    const prefix = `${uri.host}${uri.pathname}`.replace(/\/+$/, '');
    for (const f of files) await store.put(`${prefix}/${f.path}`, readFileSync(f.file));
    return;
  }
  if (uri.protocol === 'file:') {
    const root = fileURLToPath(uri);
    for (const f of files) {
      const target = join(root, ...f.path.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(f.file, target);
    }
    return;
  }
  throw new MlflowError(
    'INVALID_PARAMETER_VALUE',
    `artifact URI ${artifactUri}: scheme '${uri.protocol}' is not supported (use mlflow-artifacts:, s3: or file:)`,
  );
}

function encodePath(path: string): string {
  return path
    .split('/')
    .map((p) => encodeURIComponent(p))
    .join('/');
}
