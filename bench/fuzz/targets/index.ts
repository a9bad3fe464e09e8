// Every fuzzed input format, built once (seeds need the writers, an exported model and an API app).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FuzzTarget } from '../target.js';
import { apiTargets } from './api.js';
import { networkTarget, scenarioTarget, trainConfigTarget } from './configs.js';
import { rssCsvTarget, rssJsonTarget } from './logs.js';
import { onnxSeeds, onnxTarget, safetensorsTarget } from './models.js';
import { kiwiWavTarget, npySidecarTarget, npyTarget, sigmfDataTarget, sigmfMetaTarget } from './recordings.js';

export const TARGET_NAMES = [
  'npy',
  'npy-sidecar',
  'kiwi-wav',
  'sigmf-meta',
  'sigmf-data',
  'rss-csv',
  'rss-json',
  'network',
  'scenario',
  'train-config-json',
  'train-config-yaml',
  'onnx',
  'safetensors',
  'api-jobs',
  'api-uploads',
] as const;

export interface FuzzTargets {
  targets: FuzzTarget[];
  close(): Promise<void>;
}

/** The targets named in `only` (all by default), with their temporary folder and API app. */
export async function openTargets(only: readonly string[] = TARGET_NAMES): Promise<FuzzTargets> {
  const unknown = only.filter((n) => !(TARGET_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`unknown fuzz target(s) ${unknown.join(', ')} (known: ${TARGET_NAMES.join(', ')})`);
  // File-based parsers get a file per case: on tmpfs when there is one, so the disk does not set the pace.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'heimdall-fuzz-'));
  const want = (n: string) => only.includes(n);
  const targets: FuzzTarget[] = [];
  if (want('npy')) targets.push(npyTarget());
  if (want('npy-sidecar')) targets.push(npySidecarTarget(dir));
  if (want('kiwi-wav')) targets.push(kiwiWavTarget());
  if (want('sigmf-meta')) targets.push(sigmfMetaTarget(dir));
  if (want('sigmf-data')) targets.push(sigmfDataTarget(dir));
  if (want('rss-csv')) targets.push(rssCsvTarget());
  if (want('rss-json')) targets.push(rssJsonTarget());
  if (want('network')) targets.push(networkTarget(dir));
  if (want('scenario')) targets.push(scenarioTarget(dir));
  if (want('train-config-json')) targets.push(trainConfigTarget(dir, 'json'));
  if (want('train-config-yaml')) targets.push(trainConfigTarget(dir, 'yaml'));
  if (want('onnx')) targets.push(onnxTarget(await onnxSeeds()));
  if (want('safetensors')) targets.push(safetensorsTarget(dir));
  const api = want('api-jobs') || want('api-uploads') ? await apiTargets() : undefined;
  if (api) targets.push(...api.targets.filter((t) => want(t.name)));
  return {
    targets,
    close: async () => {
      await api?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
