// The completion marker of a simulation folder. simulate() removes it before writing anything and
// writes it LAST, after every transmission folder, carrying what the folder's content depends on;
// a folder whose marker is missing or says something else (an interrupted run, another scenario,
// seed, sample count or simulator) is not a finished simulation of what the caller wants.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { Scenario } from './config.js';
import { sampleName } from './write-sample.js';

/** Version of the generation code: bump it whenever a (scenario, seed, index) yields other files. */
export const SIMULATOR_VERSION = '1';

export const COMPLETION_FILE = 'simulation-complete.json';

export interface SimulationStamp {
  /** SHA-256 (hex) of the scenario as resolved (JSON), so an edited file or network is noticed. */
  scenarioSha256: string;
  seed: number;
  samples: number;
  simulator: string;
}

export function simulationStamp(scenario: Scenario, seed: number, samples: number): SimulationStamp {
  const scenarioSha256 = createHash('sha256').update(JSON.stringify(scenario)).digest('hex');
  return { scenarioSha256, seed, samples, simulator: SIMULATOR_VERSION };
}

export function clearCompletion(outDir: string): void {
  rmSync(join(outDir, COMPLETION_FILE), { force: true });
}

/** Written (durably) once every transmission folder is in place. */
export function writeCompletion(outDir: string, stamp: SimulationStamp): void {
  writeFileAtomic(join(outDir, COMPLETION_FILE), [Buffer.from(`${JSON.stringify(stamp, null, 2)}\n`)]);
}

/**
 * Why outDir is not a finished simulation matching `want` (a sentence), or undefined when it is:
 * the marker is there, says the same stamp, and every transmission folder it promises exists.
 */
export function incompleteBecause(outDir: string, want: SimulationStamp): string | undefined {
  const path = join(outDir, COMPLETION_FILE);
  if (!existsSync(outDir)) return 'not simulated yet';
  if (!existsSync(path)) return `${COMPLETION_FILE} is missing (an earlier simulation was interrupted)`;
  let have: Partial<SimulationStamp>;
  try {
    have = JSON.parse(readFileSync(path, 'utf8')) as Partial<SimulationStamp>;
  } catch (err) {
    return `${COMPLETION_FILE} is unreadable (${(err as Error).message})`;
  }
  for (const key of ['scenarioSha256', 'seed', 'samples', 'simulator'] as const) {
    if (have[key] !== want[key]) return `${COMPLETION_FILE} has ${key} ${String(have[key])}, not ${String(want[key])}`;
  }
  for (let i = 0; i < want.samples; i++) {
    const folder = join(outDir, sampleName(i));
    if (!existsSync(folder) || !statSync(folder).isDirectory()) return `${sampleName(i)} is missing`;
  }
  return undefined;
}
