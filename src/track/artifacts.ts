// Which files an artifact upload sends, and under which artifact path, with MLflow's semantics:
// log_artifact(file, path) stores <path>/<file name>; log_artifacts(dir, path) stores the folder's
// contents (recursively) under <path>.
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface ArtifactFile {
  /** Local file. */
  file: string;
  /** '/'-separated path inside the run's artifact root. */
  path: string;
}

export function artifactFiles(localPath: string, artifactPath?: string): ArtifactFile[] {
  const prefix = (artifactPath ?? '').replace(/^\/+|\/+$/g, '');
  const under = (rel: string) => (prefix === '' ? rel : `${prefix}/${rel}`);
  if (prefix.split('/').some((p) => p === '..')) throw new RangeError(`artifact path '${artifactPath}' must not contain '..'`);
  if (!statSync(localPath).isDirectory()) return [{ file: localPath, path: under(basename(localPath)) }];
  const out: ArtifactFile[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else out.push({ file: join(dir, e.name), path: under(r) });
    }
  };
  walk(localPath, '');
  return out;
}
