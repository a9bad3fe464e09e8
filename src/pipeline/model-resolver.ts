// NAME@alias → a local .onnx file, for `heimdall predict --model localization@champion` (and
// NAME@v3 for version 3): the tracker's registry says which version the alias points at; the file comes from
// the version's source when it is a local path, else from the blob store copy that publishModel
// uploaded (cached under <home>/models). A radio map (heimdall train on a power-only dataset) is a
// folder: its document and, when kept, its network's weights.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelResolver } from '../predict/resolve.js';
import type { BlobStore } from '../store/blobs/blob-store.js';
import { blobStoreFromEnv } from '../store/blobs/index.js';
import { openTracker } from '../track/open.js';
import type { Tracker } from '../track/types.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { modelBlobKey, radioMapBlobKey } from './publish-model.js';

export function registryResolver(o: { home?: string; env?: NodeJS.ProcessEnv } = {}): ModelResolver {
  return async ({ name, alias }) => {
    const env = o.env ?? process.env;
    const home = resolve(o.home ?? env.HEIMDALL_HOME ?? '.heimdall');
    const tracker = openTracker({ home, env });
    try {
      return await fetchModel(tracker, home, env, name, alias);
    } catch (err) {
      throw new Error(`${name}@${alias}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      await tracker.close();
    }
  };
}

async function fetchModel(tracker: Tracker, home: string, env: NodeJS.ProcessEnv, name: string, alias: string): Promise<string> {
  // MLflow refuses aliases of the form v<number>: NAME@v3 can only mean version 3.
  const numbered = /^v(\d+)$/.exec(alias);
  const v = numbered
    ? await tracker.getModelVersion(name, numbered[1] as string)
    : await tracker.getModelVersionByAlias(name, alias);
  if (v.source.startsWith('file:')) {
    const path = fileURLToPath(v.source);
    if (existsSync(path)) return path;
  }
  const blobs = blobStoreFromEnv(env, join(home, 'blobs'));
  if (v.source.endsWith('/radio-map.json')) return fetchRadioMap(blobs, home, name, v.version);
  const cached = join(home, 'models', `${name}-v${v.version}.onnx`);
  if (existsSync(cached)) return cached;
  const bytes = await blobs.get(modelBlobKey(name, v.version));
  mkdirSync(dirname(cached), { recursive: true });
  writeFileAtomic(cached, bytes);
  return cached;
}

/**
 * A radio-map model's files from the blob store into <home>/models/<name>-v<version>/: the network
 * it names (if any) first, its document last — so a cached document always has its weights.
 */
async function fetchRadioMap(blobs: BlobStore, home: string, name: string, version: string): Promise<string> {
  const dir = join(home, 'models', `${name}-v${version}`);
  const path = join(dir, 'radio-map.json');
  if (existsSync(path)) return path;
  const doc = await blobs.get(radioMapBlobKey(name, version, 'radio-map.json'));
  const netFile = (JSON.parse(new TextDecoder().decode(doc)) as { net?: { file?: unknown } }).net?.file;
  mkdirSync(dir, { recursive: true });
  if (typeof netFile === 'string') {
    if (!/^[A-Za-z0-9._-]+$/.test(netFile))
      throw new Error(`radio map v${version}: net.file ${JSON.stringify(netFile)} is not a file name`);
    writeFileAtomic(join(dir, netFile), await blobs.get(radioMapBlobKey(name, version, netFile)));
  }
  writeFileAtomic(path, doc);
  return path;
}
