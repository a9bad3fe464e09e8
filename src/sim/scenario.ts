// Resolving a scenario from a preset name or a file, optionally with a custom network file.
// Transmitters are drawn in the scenario's region, so the region must fit the network: a preset's
// region belongs to the preset's network and is replaced by one around a network file's receivers;
// a scenario file may leave its region out (then it is derived the same way), and a region that
// lies far from every receiver is refused.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError, parseConfig, type Scenario, ScenarioSchema } from './config.js';
import { loadNetworkFile } from './network-file.js';
import { PRESETS, presetNames } from './presets.js';
import { distanceToRegionM, regionAround, regionSizeM } from './region.js';

/** A region farther than this fraction of its own size from the nearest receiver is refused. */
export const MAX_REGION_GAP = 0.25;

export interface ScenarioSource {
  /** A built-in preset name (see presetNames()). */
  preset?: string;
  /** A scenario JSON file (same fields as a preset). */
  scenarioFile?: string;
  /** A scenario given as an object (an API request): the fields of a scenario file. */
  scenario?: unknown;
  /** A network JSON/GeoJSON file replacing the scenario's network. */
  networkFile?: string;
}

export function resolveScenario(src: ScenarioSource): Scenario {
  if ([src.preset, src.scenarioFile, src.scenario].filter((x) => x !== undefined).length !== 1) {
    throw new ConfigError('scenario', ['give exactly one of a preset name, a scenario file or a scenario']);
  }
  let input: unknown;
  let source: string;
  if (src.preset !== undefined) {
    const preset = PRESETS[src.preset];
    if (preset === undefined) {
      throw new ConfigError('preset', [`unknown preset '${src.preset}' (available: ${presetNames().join(', ')})`]);
    }
    input = structuredClone(preset);
    source = `preset ${src.preset}`;
  } else if (src.scenario !== undefined) {
    input = structuredClone(src.scenario);
    source = 'scenario';
  } else {
    const path = src.scenarioFile as string;
    source = basename(path);
    try {
      input = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new ConfigError(path, [`cannot read a JSON scenario (${(err as Error).message})`]);
    }
  }
  if (src.networkFile !== undefined) {
    const network = loadNetworkFile(src.networkFile);
    const fields = input as Record<string, unknown>;
    // The preset's region was drawn around the preset's receivers, not these.
    input = { ...fields, network, ...(src.preset !== undefined ? { region: regionAround(network.receivers) } : {}) };
  }
  const fields = input as Record<string, unknown>;
  if (fields !== null && typeof fields === 'object' && fields.region === undefined) {
    const receivers = (fields.network as { receivers?: unknown } | undefined)?.receivers;
    const points = Array.isArray(receivers) ? (receivers as { lat?: unknown; lon?: unknown }[]) : [];
    if (points.length > 0 && points.every((p) => typeof p?.lat === 'number' && typeof p?.lon === 'number'))
      input = { ...fields, region: regionAround(points as { lat: number; lon: number }[]) };
  }
  const scenario = parseConfig(ScenarioSchema, input, source);
  checkRegionNearNetwork(scenario, source);
  return scenario;
}

/** Refuses a region whose nearest receiver is more than MAX_REGION_GAP of the region's size away. */
export function checkRegionNearNetwork(s: Scenario, source: string): void {
  const size = regionSizeM(s.region);
  let nearest = { id: '', m: Number.POSITIVE_INFINITY };
  for (const r of s.network.receivers) {
    const m = distanceToRegionM(r, s.region);
    if (m < nearest.m) nearest = { id: r.id, m };
  }
  if (nearest.m <= MAX_REGION_GAP * size) return;
  const km = (m: number) => `${(m / 1000).toFixed(0)} km`;
  throw new ConfigError(source, [
    `region: every receiver of network '${s.network.name}' is outside it, the nearest (${nearest.id}) ${km(nearest.m)} away — more than a quarter of the region's ${km(size)} size; the simulated transmitters would be far from the whole network. Give a region around the receivers, or leave 'region' out to draw transmitters around them`,
  ]);
}
