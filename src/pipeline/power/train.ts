// `heimdall train` on a power-only dataset (sessions imported from power logs, no IQ): fits the
// radio map on the training split (bandwidth chosen and σ calibrated on validation), evaluates it
// on the test split beside the power-log baselines on the same transmissions, and tracks and
// registers it like any trained model (the map as the run's model/radio-map.json, registered as
// RADIO_MAP_MODEL_NAME). The radio map is the learned model of this path; see docs/TRAINING.md,
// "Power logs", for why (and for what LocalizationNet's scalar path does not yet do here).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { radioMapToJson } from '../../locate/power/radio-map-json.js';
import type { PowerSample } from '../../locate/power/samples.js';
import { fitSelectedRadioMap } from '../../locate/power/select.js';
import { writeEvaluationReport } from '../../report/write-report.js';
import type { DatasetRow } from '../../store/catalog/types.js';
import type { Store } from '../../store/open.js';
import { registerModel, startRun } from '../../track/run.js';
import type { Tracker } from '../../track/types.js';
import { runFolder } from '../train.js';
import { comparePowerEstimators, type PowerComparison } from './compare.js';
import { powerEvaluationDocument } from './evaluate.js';
import { powerFrameOf, powerSamples } from './samples.js';

export const RADIO_MAP_MODEL_NAME = 'radio-map';

export interface PowerTrainResult extends PowerComparison {
  run: { id: string; experiment: string; artifactUri: string };
  model: { name: string; version: string; path: string };
  counts: { train: number; val: number; test: number };
  bandwidthM: number;
  covScale: number;
  exponent: number;
  /** The evaluation report of the test split (report.html, evaluation.json). */
  report: { htmlPath: string; jsonPath: string };
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
  const c = comparePowerEstimators(map, tr, va, te);
  const { metrics, standIns } = c;
  const gain = c.gainOverBest.gain;

  const run = await startRun(o.tracker, {
    experiment: o.experiment,
    runName: `${dataset.name}@${dataset.version}-radio-map`,
    params: {
      model: 'radio-map',
      dataset: `${dataset.name}@${dataset.version}`,
      cell_m: String(map.grid.cellM),
      bandwidth_m: String(map.bandwidthM),
      bandwidths_tried_m: [...new Set(selected.validation.map((v) => v.bandwidthM))].join(','),
      knn_k: String(c.knnK),
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
    // The report `heimdall evaluate` writes: the map beside the baselines on the test split.
    const report = await writeEvaluationReport(
      powerEvaluationDocument({
        map,
        frame,
        model: { name: RADIO_MAP_MODEL_NAME, source: modelPath, runId: run.runId },
        dataset,
        split: 'test',
        evaluated: te,
        comparison: c,
      }),
      join(folder, 'report'),
    );
    await run.logArtifact(report.htmlPath, 'report');
    await run.logArtifact(report.jsonPath, 'report');
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
      exponent: map.law.exponent,
      ...c,
      report,
    };
  } catch (err) {
    await run.end('FAILED');
    throw err;
  }
}
