// Training folders (<home>/runs/<dataset>-v<N>/run-<id>/): every checkpoint, model and JSON file at
// its final name is whole — `train --resume` loads last.safetensors by that name, so a torn file
// there would be picked. Temporaries beside them are debris, never read.
import { basename, join } from 'node:path';
import { fileProblem, isTemporary, walk } from './files.js';
import { type CheckReport, count } from './problems.js';

export function checkCheckpoints(home: string, r: CheckReport): void {
  for (const f of walk(join(home, 'runs'))) {
    if (isTemporary(basename(f))) {
      r.leftovers.push({ area: 'checkpoints', where: f, what: 'temporary file of an interrupted write' });
      continue;
    }
    if (!/\.(safetensors|onnx|json)$/.test(f)) continue;
    count(r, f.endsWith('.safetensors') ? 'checkpoints' : 'training files');
    const p = fileProblem(f);
    if (p !== undefined) r.problems.push({ area: 'checkpoints', where: f, what: p });
  }
}

/** Local blob folder: temporaries are debris; the store must never list one as a blob. */
export function checkBlobTemps(blobsDir: string, listed: Set<string>, r: CheckReport): void {
  for (const f of walk(blobsDir)) {
    if (!isTemporary(basename(f))) continue;
    const key = f
      .slice(blobsDir.length + 1)
      .split('/')
      .join('/');
    if (listed.has(key)) r.problems.push({ area: 'blobs', where: key, what: 'a temporary is listed as a blob' });
    else r.leftovers.push({ area: 'blobs', where: f, what: 'temporary file of an interrupted write' });
  }
}
