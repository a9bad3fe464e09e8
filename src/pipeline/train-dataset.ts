// `heimdall train`: trains on any catalog dataset — simulated, imported, or both. What quickstart
// knows from its scenario is taken here from the dataset's sessions: the receivers (the
// simulation's network when every session comes from one catalogued scenario, else every
// receiver the sessions name, by id), the sample rate, the feature window, and the physics prior.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FeatureConfig, FeatureConfigSchema } from '../signal/features/config.js';
import { parseConfig, type Scenario, ScenarioSchema } from '../sim/config.js';
import type { Catalog } from '../store/catalog/catalog.js';
import type { DatasetRow, MeasurementRow, SessionRow } from '../store/catalog/types.js';
import { RSS_FORMAT } from '../store/import-rss.js';
import { openStore } from '../store/open.js';
import { openTracker } from '../track/open.js';
import { type PowerTrainResult, trainPowerDataset } from './power/train.js';
import { priorSpecOfScenario } from './references/rss-model.js';
import {
  type NetworkReceiver,
  type ResolvedTrainConfig,
  type TrainOnDatasetOptions,
  type TrainResult,
  trainOnDataset,
} from './train.js';
import { resolveTrainConfig } from './train-config.js';

export interface TrainDatasetOptions {
  home: string;
  env?: NodeJS.ProcessEnv;
  /** NAME or NAME@VERSION (default: the newest version). Taken from the run with `resume`. */
  dataset?: string;
  /** The configuration as read (file and --set overrides merged), validated here. */
  config?: Record<string, unknown>;
  /** A run id to continue from its last checkpoint, with the configuration it started with. */
  resume?: string;
  initFrom?: string;
  onRun?: TrainOnDatasetOptions['onRun'];
  stopWhenAborted?: boolean;
  onEpoch?: TrainOnDatasetOptions['onEpoch'];
  signal?: AbortSignal;
  log: (line: string) => void;
}

export interface IqTrainDatasetResult extends TrainResult {
  kind: 'iq';
  dataset: DatasetRow;
  config: ResolvedTrainConfig;
  seconds: number;
}

/** A power-only dataset's result: the radio map fitted and compared (pipeline/power/train.ts). */
export interface PowerTrainDatasetResult extends PowerTrainResult {
  kind: 'power';
  dataset: DatasetRow;
  seconds: number;
}

export type TrainDatasetResult = IqTrainDatasetResult | PowerTrainDatasetResult;

/**
 * Whether a dataset is power-only (every measurement from a power log, none with IQ). A dataset
 * mixing both is refused: the two paths train different models.
 */
function powerOnly(d: DatasetRow, measurements: MeasurementRow[]): boolean {
  const power = measurements.filter((m) => m.format === RSS_FORMAT).length;
  if (power > 0 && power < measurements.length)
    throw new Error(
      `dataset ${d.name}@${d.version} mixes ${power} power-only measurements with ${measurements.length - power} IQ recordings; make one dataset of each (dataset create --origin)`,
    );
  return power > 0;
}

/** NAME[@VERSION] → name and version (undefined: the newest). */
export function parseDatasetRef(ref: string): { name: string; version?: number } {
  const at = ref.lastIndexOf('@');
  if (at < 0) return { name: ref };
  const name = ref.slice(0, at);
  const v = ref.slice(at + 1);
  if (name === '' || !/^[1-9]\d*$/.test(v))
    throw new Error(`--dataset ${ref}: expected NAME or NAME@VERSION with a positive integer version`);
  return { name, version: Number(v) };
}

const SPLITS = ['train', 'val', 'test'] as const;

/** Every session and measurement of the dataset, all splits. */
async function datasetContents(
  catalog: Catalog,
  d: DatasetRow,
): Promise<{ sessions: SessionRow[]; measurements: MeasurementRow[] }> {
  const sessions: SessionRow[] = [];
  const measurements: MeasurementRow[] = [];
  for (const split of SPLITS) {
    sessions.push(...(await catalog.datasetSessions(d.id, split)));
    for (const ms of (await catalog.datasetMeasurements(d.id, split)).values()) measurements.push(...ms);
  }
  return { sessions, measurements };
}

/** The simulation scenario of every session, when they share one the catalog holds. */
async function commonScenario(catalog: Catalog, sessions: SessionRow[]): Promise<Scenario | undefined> {
  const names = new Set(sessions.map((s) => s.scenario));
  const only = [...names][0];
  if (names.size !== 1 || only === null || only === undefined) return undefined;
  const stored = await catalog.getScenario(only);
  return stored === null ? undefined : parseConfig(ScenarioSchema, stored, `scenario '${only}' in the catalog`);
}

/** The network the model reads, in input order. */
async function networkOf(
  catalog: Catalog,
  d: DatasetRow,
  measurements: MeasurementRow[],
  scenario: Scenario | undefined,
): Promise<NetworkReceiver[]> {
  const heard = [...new Set(measurements.map((m) => m.receiverId))].sort();
  if (scenario !== undefined) {
    const ids = new Set(scenario.network.receivers.map((r) => r.id));
    const stranger = heard.find((id) => !ids.has(id));
    if (stranger === undefined)
      return scenario.network.receivers.map((r) => ({ id: r.id, lat: r.lat, lon: r.lon, altM: r.altitudeM }));
    // Not the scenario's network after all: fall through to the catalog's receivers.
  }
  const out: NetworkReceiver[] = [];
  const unplaced: string[] = [];
  for (const id of heard) {
    const r = await catalog.getReceiver(id);
    if (r === null || r.lat === null || r.lon === null) unplaced.push(id);
    else out.push({ id, lat: r.lat, lon: r.lon, altM: r.altM ?? 0 });
  }
  if (unplaced.length > 0)
    throw new Error(
      `dataset ${d.name}@${d.version}: receiver(s) ${unplaced.join(', ')} have no position in the catalog; import them with their position (SigMF core:geolocation, or --receivers for KiwiSDR WAVs)`,
    );
  return out;
}

/** The features at the dataset's one sample rate, over the first second (or the shortest recording). */
function featuresOf(d: DatasetRow, measurements: MeasurementRow[], overrides: Partial<FeatureConfig>): FeatureConfig {
  const rates = [...new Set(measurements.map((m) => m.sampleRateHz))];
  if (rates.length !== 1)
    throw new Error(
      `dataset ${d.name}@${d.version}: its recordings have ${rates.length === 0 ? 'no' : 'different'} sample rates (${rates.join(', ')} Hz); one model needs one rate — resample them or make a dataset per rate`,
    );
  const rate = rates[0] as number;
  const shortest = Math.min(...measurements.map((m) => m.sampleCount));
  return parseConfig(
    FeatureConfigSchema,
    { sampleRateHz: rate, samples: Math.min(shortest, Math.round(rate)), ...overrides },
    `features for dataset ${d.name}@${d.version}`,
  );
}

/** A run folder's configuration (config.json), found by run id under <home>/runs. */
function storedRun(home: string, runId: string): { dataset: { name: string; version: number }; config: Record<string, unknown> } {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(runId)) throw new Error(`--resume ${JSON.stringify(runId)}: not a run id`);
  const runs = join(home, 'runs');
  const dirs = existsSync(runs) ? readdirSync(runs) : [];
  for (const dir of dirs) {
    const path = join(runs, dir, `run-${runId}`, 'config.json');
    if (!existsSync(path)) continue;
    const c = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & { dataset: { name: string; version: number } };
    const { model, optimizer, schedule, trainer, features } = c;
    return { dataset: c.dataset, config: { model, optimizer, schedule, trainer, features } };
  }
  throw new Error(`--resume ${runId}: no run with that id under ${runs} (heimdall runs list shows them)`);
}

/** Whether a run saved a checkpoint to resume from (its folder's last.safetensors). */
export function hasLastCheckpoint(home: string, runId: string): boolean {
  return findLastCheckpoint(home, runId) !== undefined;
}

/** The run's last.safetensors under <home>/runs/<dataset>/run-<id>/, if there is one. */
export function findLastCheckpoint(home: string, runId: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(runId)) return undefined;
  const runs = join(home, 'runs');
  return (existsSync(runs) ? readdirSync(runs) : [])
    .map((dir) => join(runs, dir, `run-${runId}`, 'last.safetensors'))
    .find((path) => existsSync(path));
}

export async function trainDataset(o: TrainDatasetOptions): Promise<TrainDatasetResult> {
  const started = performance.now();
  const resumed = o.resume === undefined ? undefined : storedRun(o.home, o.resume);
  if (resumed && (o.config !== undefined || o.initFrom !== undefined))
    throw new Error('--resume continues a run with the configuration it started with: drop --config, --set and --init-from');
  const ref = resumed?.dataset ?? (o.dataset === undefined ? undefined : parseDatasetRef(o.dataset));
  if (ref === undefined) throw new Error('train: --dataset NAME[@VERSION] is required (or --resume RUN_ID)');
  const raw = resumed?.config ?? o.config ?? {};
  const cfg = resolveTrainConfig(raw, o.resume ? `run ${o.resume}'s config.json` : 'training config');
  const store = await openStore({ home: o.home, ...(o.env ? { env: o.env } : {}) });
  const tracker = openTracker({ home: o.home, ...(o.env ? { env: o.env } : {}) });
  try {
    const dataset = await store.catalog.getDataset(ref.name, ref.version);
    const { sessions, measurements } = await datasetContents(store.catalog, dataset);
    if (dataset.counts.train === 0 || dataset.counts.val === 0 || dataset.counts.test === 0)
      throw new Error(
        `dataset ${dataset.name}@${dataset.version} has ${dataset.counts.train} train / ${dataset.counts.val} val / ${dataset.counts.test} test sessions; training needs all three`,
      );
    if (powerOnly(dataset, measurements)) {
      if (o.resume !== undefined || o.initFrom !== undefined || Object.keys(raw).length > 0)
        throw new Error(
          `dataset ${dataset.name}@${dataset.version} is power-only: its model (a radio map, fitted in seconds) takes no --config, --set, --resume or --init-from`,
        );
      const r = await trainPowerDataset({
        store,
        tracker,
        home: o.home,
        dataset,
        experiment: 'train',
        log: o.log,
        ...(o.onRun ? { onRun: o.onRun } : {}),
        ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
      });
      return { kind: 'power', ...r, dataset, seconds: (performance.now() - started) / 1000 };
    }
    const scenario = await commonScenario(store.catalog, sessions);
    const receivers = await networkOf(store.catalog, dataset, measurements, scenario);
    const features = featuresOf(dataset, measurements, cfg.features);
    const config: ResolvedTrainConfig = { ...cfg, features };
    if (cfg.model.prior === 'scenario' && scenario === undefined)
      throw new Error(
        `model.prior 'scenario': dataset ${dataset.name}@${dataset.version} does not come from one catalogued simulation scenario; use 'auto' or 'none'`,
      );
    const withPrior = cfg.model.prior !== 'none' && scenario !== undefined;
    o.log(
      `dataset ${dataset.name} v${dataset.version}: ${dataset.counts.train} train / ${dataset.counts.val} val / ${dataset.counts.test} test; ${receivers.length} receivers; ${features.sampleRateHz} Hz, ${features.samples} samples per recording; prior: ${withPrior ? `the ${scenario?.name} scenario's power model` : cfg.model.prior === 'none' ? 'none (model.prior none)' : 'none (no single catalogued scenario)'}`,
    );
    o.log(`configuration: ${JSON.stringify(config)}`);
    const trained = await trainOnDataset({
      store,
      tracker,
      dataset,
      receivers,
      config,
      prior: withPrior && scenario ? (frame, heardSnrDb) => priorSpecOfScenario(scenario, frame, heardSnrDb) : null,
      ...(scenario ? { scenario } : {}),
      experiment: 'train',
      ...(o.initFrom !== undefined ? { initFrom: o.initFrom } : {}),
      ...(o.resume !== undefined ? { resumeRun: o.resume } : {}),
      ...(o.onRun ? { onRun: o.onRun } : {}),
      ...(o.stopWhenAborted ? { stopWhenAborted: true } : {}),
      ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      log: o.log,
    });
    return { kind: 'iq', ...trained, dataset, config, seconds: (performance.now() - started) / 1000 };
  } finally {
    await store.close();
    await tracker.close();
  }
}
