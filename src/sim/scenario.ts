// Resolving a scenario from a preset name or a file, optionally with a custom network file.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError, parseConfig, type Scenario, ScenarioSchema } from './config.js';
import { loadNetworkFile } from './network-file.js';
import { PRESETS, presetNames } from './presets.js';

export interface ScenarioSource {
  /** A built-in preset name (see presetNames()). */
  preset?: string;
  /** A scenario JSON file (same fields as a preset). */
  scenarioFile?: string;
  /** A network JSON/GeoJSON file replacing the scenario's network. */
  networkFile?: string;
}

export function resolveScenario(src: ScenarioSource): Scenario {
  if ((src.preset === undefined) === (src.scenarioFile === undefined)) {
    throw new ConfigError('scenario', ['give exactly one of a preset name or a scenario file']);
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
    input = { ...(input as object), network: loadNetworkFile(src.networkFile) };
  }
  return parseConfig(ScenarioSchema, input, source);
}
