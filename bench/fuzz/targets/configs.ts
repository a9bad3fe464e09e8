// Configuration files: receiver networks (our JSON and GeoJSON), scenarios, training configs (JSON and YAML),
// each through the loader the CLI uses on a file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { readConfigFile, resolveTrainConfig } from '../../../src/pipeline/train-config.js';
import type { Network, Scenario } from '../../../src/sim/config.js';
import { loadNetworkFile } from '../../../src/sim/network-file.js';
import { BUILT_IN_NETWORKS } from '../../../src/sim/networks.js';
import { PRESETS } from '../../../src/sim/presets.js';
import { resolveScenario } from '../../../src/sim/scenario.js';
import type { FuzzTarget } from '../target.js';

const json = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');

function geoJsonOf(n: { name: string; receivers: Record<string, unknown>[] }) {
  return {
    type: 'FeatureCollection',
    name: n.name,
    features: n.receivers.map(({ lat, lon, ...props }) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [lon, lat, 250] },
      properties: props,
    })),
  };
}

function checkNetwork(n: Network): string | undefined {
  if (n.receivers.length === 0) return 'no receivers';
  for (const r of n.receivers)
    if (!(Math.abs(r.lat) <= 90 && Math.abs(r.lon) <= 180)) return `receiver ${r.id} at ${r.lat},${r.lon}`;
  return undefined;
}

export function networkTarget(dir: string): FuzzTarget {
  const path = join(dir, 'fuzz-network.json');
  const networks = Object.values(BUILT_IN_NETWORKS) as unknown as { name: string; receivers: Record<string, unknown>[] }[];
  return {
    name: 'network',
    kind: 'json',
    seeds: [...networks.slice(0, 2).map(json), ...networks.slice(0, 2).map((n) => json(geoJsonOf(n)))],
    source: 'fuzz-network.json',
    run: (input) => {
      writeFileSync(path, input);
      return loadNetworkFile(path);
    },
    check: (r) => checkNetwork(r as Network),
  };
}

export function scenarioTarget(dir: string): FuzzTarget {
  const path = join(dir, 'fuzz-scenario.json');
  return {
    name: 'scenario',
    kind: 'json',
    seeds: Object.values(PRESETS)
      .slice(0, 3)
      .map((p) => json(p)),
    source: 'fuzz-scenario.json',
    run: (input) => {
      writeFileSync(path, input);
      return resolveScenario({ scenarioFile: path });
    },
    check: (r) => checkNetwork((r as Scenario).network),
  };
}

const TRAIN_CONFIGS = [
  { model: { widths: [4, 8, 8, 16] }, optimizer: { batchSize: 8 }, trainer: { maxEpochs: 3, patience: 3 } },
  {
    model: { widths: [16, 32, 64, 128], prior: 'auto' },
    optimizer: { name: 'adamw', lr: 0.002, weightDecay: 1e-4, batchSize: 32, gradClip: 1 },
    schedule: { kind: 'cosine', warmupEpochs: 2 },
    trainer: { maxEpochs: 40, patience: 8, seed: 1 },
    features: { melBands: 64, frames: 32 },
  },
];

export function trainConfigTarget(dir: string, format: 'json' | 'yaml'): FuzzTarget {
  const path = join(dir, `fuzz-train.${format}`);
  return {
    name: `train-config-${format}`,
    // YAML is mutated as text: its own syntax (indentation, anchors, tags) is what breaks.
    kind: format === 'json' ? 'json' : 'text',
    seeds: TRAIN_CONFIGS.map((c) => (format === 'json' ? json(c) : Buffer.from(toYaml(c), 'utf8'))),
    source: `fuzz-train.${format}`,
    run: (input) => {
      writeFileSync(path, input);
      return resolveTrainConfig(readConfigFile(path), path);
    },
    check: (r) => (typeof r === 'object' && r !== null ? undefined : 'not an object'),
  };
}
