// `heimdall train` on a power-only dataset (sessions imported from power logs, no IQ): fits the
// radio map on the training split (bandwidth and σ chosen, covariance calibrated on validation),
// trains LocalizationNet's scalar path as a correction of the map (kept only as far as validation
// says it helps), evaluates both on the test split beside the power-log baselines on the same
// transmissions, and tracks and registers the result like any trained model: the run's
// model/radio-map.json (with model/localization-net.safetensors when the network's correction is
// kept), registered as RADIO_MAP_MODEL_NAME. docs/TRAINING.md, "Power logs".
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { powerNetSpec } from '../../locate/power/net-inputs.js';
import { RadioMapLocator } from '../../locate/power/radio-map.js';
import { radioMapToJson } from '../../locate/power/radio-map-json.js';
import type { PowerSample } from '../../locate/power/samples.js';
import { crossFittedEstimates, fitSelectedRadioMap } from '../../locate/power/select.js';
import { POWER_NET_FILE, powerNetEstimates, writePowerNet } from '../../predict/power-net.js';
import { writeEvaluationReport } from '../../report/write-report.js';
import type { DatasetRow } from '../../store/catalog/types.js';
import type { Store } from '../../store/open.js';
import { registerModel, startRun } from '../../track/run.js';
import type { Tracker } from '../../track/types.js';
import { radioMapBlobKey } from '../publish-model.js';
import { runFolder, SIGMA_FLOOR } from '../train.js';
import { comparePowerEstimators, type PowerComparison } from './compare.js';
import { powerEvaluationDocument } from './evaluate.js';
import { trainPowerNet } from './net.js';
import { powerFrameOf, powerSamples } from './samples.js';

export const RADIO_MAP_MODEL_NAME = 'radio-map';
/** The power path's seed (network initialization and batch order): the same data give the same model. */
export const POWER_SEED = 1;

export interface PowerTrainResult extends PowerComparison {
  run: { id: string; experiment: string; artifactUri: string };
  model: { name: string; version: string; path: string };
  counts: { train: number; val: number; test: number };
  bandwidthM: number;
  covScale: number;
  exponent: number;
  /** The shares of the network's learned correction that validation kept (0, 0: the map is served). */
  correction: { position: number; uncertainty: number };
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
  /** Called after each of the network's epochs (a job's progress). */
  onEpoch?: (epoch: number, maxEpochs: number, metrics: Record<string, number>, restored: boolean) => void | Promise<void>;
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
    `power-only dataset ${dataset.name} v${dataset.version}: ${tr.length} train / ${va.length} val / ${te.length} test transmissions`,
  );
  o.log('[1/3] fitting the radio map (log-distance law, per-device offsets, per-receiver shadowing maps) …');
  const selected = fitSelectedRadioMap(tr, va, { onStep: (line) => o.log(`    ${line}`) });
  const { map } = selected;
  o.log(
    `    chosen: bandwidth ${map.bandwidthM} m, σ ${map.sigmaDb.toFixed(1)} dB; exponent ${map.law.exponent.toFixed(2)}; covariance ×${map.covScale.toFixed(2)} from validation`,
  );
  const run = await startRun(o.tracker, {
    experiment: o.experiment,
    runName: `${dataset.name}@${dataset.version}-power`,
    params: {
      model: 'radio-map + LocalizationNet (scalar path)',
      dataset: `${dataset.name}@${dataset.version}`,
      cell_m: String(map.grid.cellM),
      bandwidth_m: String(map.bandwidthM),
      bandwidths_tried_m: [...new Set(selected.validation.map((v) => v.bandwidthM))].join(','),
      seed: String(POWER_SEED),
    },
  });
  try {
    await o.onRun?.(run.runId);
    const folder = runFolder(o.home, dataset, run.runId);
    mkdirSync(folder, { recursive: true });

    o.log('[2/3] training LocalizationNet on the power scalars, correcting the radio map …');
    const locator = new RadioMapLocator(map);
    const priorsOf = (samples: PowerSample[]) =>
      samples.map((s) => (s.readings.some((r) => r.rssDbm !== null) ? locator.locate(s) : undefined));
    const g = map.grid;
    const spec = powerNetSpec(tr, Math.max(g.nx, g.ny) * g.cellM * 0.5);
    const trained = await trainPowerNet(
      map,
      spec,
      { train: tr, val: va, trainPriors: crossFittedEstimates(tr, map), valPriors: selected.valEstimates },
      {
        seed: POWER_SEED,
        checkpointDir: join(folder, 'net-checkpoints'),
        log: o.log,
        ...(o.onEpoch ? { onEpoch: (e: number, max: number, m: Record<string, number>) => o.onEpoch?.(e, max, m, false) } : {}),
      },
    );
    const serves = trained.positionGain.gain > 0 || trained.uncertaintyGain > 0;
    const testPriors = priorsOf(te);
    const netEstimates = powerNetEstimates(trained.net, spec, te, testPriors, SIGMA_FLOOR);

    o.log('[3/3] evaluating on the test split beside strongest receiver, centroid, kNN fingerprinting and log-distance ML …');
    const c = comparePowerEstimators(map, tr, va, te, {
      net: { estimates: netEstimates, serves },
      mapEstimates: testPriors,
    });
    const modelDir = join(folder, 'model');
    mkdirSync(modelDir, { recursive: true });
    const modelPath = join(modelDir, 'radio-map.json');
    const fittedOn = {
      dataset: `${dataset.name}@${dataset.version}`,
      train: tr.length,
      val: va.length,
      validation: selected.validation,
    };
    // The network goes with the map only when validation kept some of its correction; otherwise
    // its output IS the map's and the map alone is served.
    const net = serves
      ? writePowerNet(trained.net, join(modelDir, POWER_NET_FILE), {
          spec,
          sigmaFloor: SIGMA_FLOOR,
          correction: { position: trained.positionGain.gain, uncertainty: trained.uncertaintyGain },
        })
      : undefined;
    writeFileSync(modelPath, radioMapToJson(map, frame.toGeodetic({ east: 0, north: 0 }), fittedOn, net));
    const comparisonPath = join(folder, 'comparison.json');
    writeFileSync(
      comparisonPath,
      `${JSON.stringify({ split: 'test', count: te.length, served: c.served, metrics: c.metrics, standIns: c.standIns }, null, 2)}\n`,
    );
    const flat: Record<string, number> = {
      exponent: map.law.exponent,
      sigma_db: map.sigmaDb,
      cov_scale: map.covScale,
      net_epochs: trained.epochs,
      net_best_epoch: trained.bestEpoch,
      correction_gain_position: trained.positionGain.gain,
      correction_gain_uncertainty: trained.uncertaintyGain,
      gain_over_best_baseline: c.gainOverBest.gain,
    };
    for (const [name, m] of Object.entries(c.metrics)) {
      const key = name === c.served ? 'test' : `test_${name.replaceAll('-', '_')}`;
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
    await run.logArtifact(modelDir, 'model');
    await run.logArtifact(comparisonPath);
    // The report `heimdall evaluate` writes: the served model beside the baselines on the test split.
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
      'heimdall.model': c.served,
    });
    // A copy in the blob store, for machines that cannot read this run's artifacts (a remote
    // tracker): the weights first, the document that names them last.
    if (net)
      await store.blobs.put(
        radioMapBlobKey(RADIO_MAP_MODEL_NAME, version.version, net.file),
        readFileSync(join(modelDir, net.file)),
      );
    await store.blobs.put(radioMapBlobKey(RADIO_MAP_MODEL_NAME, version.version, 'radio-map.json'), readFileSync(modelPath));
    await run.end('FINISHED');
    trained.net.dispose();
    return {
      run: { id: run.runId, experiment: o.experiment, artifactUri: run.info.artifactUri },
      model: { name: RADIO_MAP_MODEL_NAME, version: version.version, path: modelPath },
      counts: { train: tr.length, val: va.length, test: te.length },
      bandwidthM: map.bandwidthM,
      covScale: map.covScale,
      exponent: map.law.exponent,
      correction: { position: trained.positionGain.gain, uncertainty: trained.uncertaintyGain },
      ...c,
      report,
    };
  } catch (err) {
    await run.end('FAILED');
    throw err;
  }
}
