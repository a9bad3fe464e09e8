// `heimdall train` on a power-only dataset (sessions imported from power logs, no IQ): fits the
// radio map on the training split (bandwidth chosen and σ calibrated on validation), evaluates it
// on the test split beside the power-log baselines on the same transmissions, and tracks and
// registers it like any trained model (the map as the run's model/radio-map.json, registered as
// RADIO_MAP_MODEL_NAME). The radio map is the learned model of this path; see docs/TRAINING.md,
// "Power logs", for why (and for what LocalizationNet's scalar path does not yet do here).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { estimatorMetrics } from '../../eval/estimator-metrics.js';
import type { EstimatorMetrics, EstimatorSample } from '../../eval/evaluation-document.js';
import { POWER_BASELINES, type PowerBaseline, runPowerBaselines } from '../../locate/power/baselines.js';
import { RadioMapLocator } from '../../locate/power/radio-map.js';
import { radioMapToJson } from '../../locate/power/radio-map-json.js';
import type { PowerSample } from '../../locate/power/samples.js';
import { fitSelectedRadioMap } from '../../locate/power/select.js';
import { LocateError, type LocationEstimate } from '../../locate/types.js';
import type { DatasetRow } from '../../store/catalog/types.js';
import type { Store } from '../../store/open.js';
import { registerModel, startRun } from '../../track/run.js';
import type { Tracker } from '../../track/types.js';
import { runFolder } from '../train.js';
import { powerFrameOf, powerSamples } from './samples.js';

export const RADIO_MAP_MODEL_NAME = 'radio-map';

export type PowerEstimator = 'radio-map' | PowerBaseline;

export interface PowerTrainResult {
  run: { id: string; experiment: string; artifactUri: string };
  model: { name: string; version: string; path: string };
  counts: { train: number; val: number; test: number };
  bandwidthM: number;
  covScale: number;
  knnK: number;
  exponent: number;
  /** Test metrics per estimator, the model first. */
  metrics: Record<PowerEstimator, EstimatorMetrics>;
  /** Test transmissions an estimator could not answer (a stand-in answered; see baselines.ts). */
  standIns: Record<PowerEstimator, number>;
  /** 1 − model median / best baseline median, and that baseline. */
  gainOverBest: { baseline: PowerBaseline; gain: number };
}

export interface TrainPowerOptions {
  store: Store;
  tracker: Tracker;
  home: string;
  dataset: DatasetRow;
  experiment: string;
  /** Called with the tracked run's id as soon as it exists. */
  onRun?: (runId: string) => void | Promise<void>;
  log: (line: string) => void;
}

function samplesOf(estimates: LocationEstimate[], test: PowerSample[], withCov: boolean): EstimatorSample[] {
  return estimates.map((e, i) => {
    const t = test[i]?.truth as { east: number; north: number };
    return { errorE: e.east - t.east, errorN: e.north - t.north, cov: withCov ? e.cov : null };
  });
}

export async function trainPowerDataset(o: TrainPowerOptions): Promise<PowerTrainResult> {
  const { dataset, store } = o;
  const frame = await powerFrameOf(store.catalog, dataset.id);
  const [train, val, test] = await Promise.all(
    (['train', 'val', 'test'] as const).map((split) => powerSamples(store.catalog, dataset.id, split, frame)),
  );
  const [tr, va, te] = [train, val, test] as [PowerSample[], PowerSample[], PowerSample[]];
  const unlabelled = [...tr, ...va, ...te].filter((s) => s.truth === undefined).length;
  if (unlabelled > 0) throw new Error(`dataset ${dataset.name}@${dataset.version}: ${unlabelled} sessions have no true position`);
  o.log(
    `power-only dataset ${dataset.name} v${dataset.version}: ${tr.length} train / ${va.length} val / ${te.length} test transmissions; fitting the radio map (log-distance law, per-device offsets, per-receiver shadowing maps) …`,
  );
  const selected = fitSelectedRadioMap(tr, va, { onStep: (line) => o.log(`    ${line}`) });
  const { map } = selected;
  o.log(
    `    chosen: bandwidth ${map.bandwidthM} m, σ ${map.sigmaDb.toFixed(1)} dB; exponent ${map.law.exponent.toFixed(2)}; covariance ×${map.covScale.toFixed(2)} from validation`,
  );
  o.log('    evaluating on the test split beside strongest receiver, centroid, kNN fingerprinting and log-distance ML …');
  const baselines = runPowerBaselines(tr, va, te);
  const locator = new RadioMapLocator(map);
  let unheard = 0;
  const modelEstimates = te.map((s) => {
    try {
      return locator.locate(s);
    } catch (err) {
      if (!(err instanceof LocateError)) throw err;
      unheard++;
      return baselines.estimates.centroid[te.indexOf(s)] as LocationEstimate; // the same stand-in as the baselines'
    }
  });
  const metrics = {
    'radio-map': estimatorMetrics(samplesOf(modelEstimates, te, true)),
    ...Object.fromEntries(
      POWER_BASELINES.map((m) => [m, estimatorMetrics(samplesOf(baselines.estimates[m], te, m === 'log-distance-ml'))]),
    ),
  } as Record<PowerEstimator, EstimatorMetrics>;
  const best = POWER_BASELINES.reduce((a, b) => (metrics[b].medianErrorM < metrics[a].medianErrorM ? b : a));
  const gain = 1 - metrics['radio-map'].medianErrorM / metrics[best].medianErrorM;

  const run = await startRun(o.tracker, {
    experiment: o.experiment,
    runName: `${dataset.name}@${dataset.version}-radio-map`,
    params: {
      model: 'radio-map',
      dataset: `${dataset.name}@${dataset.version}`,
      cell_m: String(map.grid.cellM),
      bandwidth_m: String(map.bandwidthM),
      bandwidths_tried_m: [...new Set(selected.validation.map((v) => v.bandwidthM))].join(','),
      knn_k: String(baselines.k),
    },
  });
  try {
    await o.onRun?.(run.runId);
    const folder = runFolder(o.home, dataset, run.runId);
    mkdirSync(folder, { recursive: true });
    const modelPath = join(folder, 'radio-map.json');
    const origin = frame.toGeodetic({ east: 0, north: 0 });
    writeFileSync(
      modelPath,
      radioMapToJson(map, origin, {
        dataset: `${dataset.name}@${dataset.version}`,
        train: tr.length,
        val: va.length,
        validation: selected.validation,
      }),
    );
    const comparisonPath = join(folder, 'comparison.json');
    const standIns = { 'radio-map': unheard, ...baselines.standIns };
    writeFileSync(comparisonPath, `${JSON.stringify({ split: 'test', count: te.length, metrics, standIns }, null, 2)}\n`);
    const flat: Record<string, number> = {
      exponent: map.law.exponent,
      sigma_db: map.sigmaDb,
      cov_scale: map.covScale,
      gain_over_best_baseline: gain,
    };
    for (const [name, m] of Object.entries(metrics)) {
      const key = name === 'radio-map' ? 'test' : `test_${name.replaceAll('-', '_')}`;
      flat[`${key}_median_error_m`] = m.medianErrorM;
      flat[`${key}_p90_error_m`] = m.p90ErrorM;
      if (m.coverage1Sigma !== null) flat[`${key}_coverage_1sigma`] = m.coverage1Sigma;
      if (m.coverage2Sigma !== null) flat[`${key}_coverage_2sigma`] = m.coverage2Sigma;
    }
    for (const v of selected.validation) {
      const key = `bw${v.bandwidthM}_sigma${v.sigmaDb.toFixed(1).replace('.', '_')}`;
      flat[`val_median_error_m_${key}`] = v.medianErrorM;
      flat[`val_nll_${key}`] = v.meanNll;
    }
    await run.logMetrics(flat, 0);
    await run.logArtifact(modelPath, 'model');
    await run.logArtifact(comparisonPath);
    const version = await registerModel(o.tracker, RADIO_MAP_MODEL_NAME, run.runId, 'model/radio-map.json', {
      'heimdall.dataset': `${dataset.name}@${dataset.version}`,
      'heimdall.model': 'radio-map',
    });
    await run.end('FINISHED');
    return {
      run: { id: run.runId, experiment: o.experiment, artifactUri: run.info.artifactUri },
      model: { name: RADIO_MAP_MODEL_NAME, version: version.version, path: modelPath },
      counts: { train: tr.length, val: va.length, test: te.length },
      bandwidthM: map.bandwidthM,
      covScale: map.covScale,
      knnK: baselines.k,
      exponent: map.law.exponent,
      metrics,
      standIns,
      gainOverBest: { baseline: best, gain },
    };
  } catch (err) {
    await run.end('FAILED');
    throw err;
  }
}

/** The comparison as terminal lines: one row per estimator, the model first. */
export function powerComparisonLines(r: PowerTrainResult): string[] {
  const pct = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(1)} %`);
  const rows = (['radio-map', ...POWER_BASELINES] as PowerEstimator[]).map((name) => {
    const m = r.metrics[name];
    const iv = m.intervals.medianErrorM;
    const stand = r.standIns[name] > 0 ? `  (stand-in for ${r.standIns[name]})` : '';
    return `  ${name.padEnd(16)} median ${m.medianErrorM.toFixed(0).padStart(5)} m [${iv.low.toFixed(0)}, ${iv.high.toFixed(0)}]  p90 ${m.p90ErrorM.toFixed(0).padStart(5)} m  1σ ${pct(m.coverage1Sigma)}  2σ ${pct(m.coverage2Sigma)}${stand}`;
  });
  return [
    ...rows,
    `  radio-map vs the best baseline (${r.gainOverBest.baseline}): ${(100 * r.gainOverBest.gain).toFixed(0)} % lower median error`,
  ];
}
