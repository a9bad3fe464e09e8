// A radio map beside the power-log baselines on the same transmissions of one split: the
// baselines fitted on the dataset's training split (kNN's k on validation), every estimator's
// metrics on the evaluated split, and how much lower the map's median error is than the best
// baseline's. Shared by `heimdall train` (the test split) and `heimdall evaluate` (any split).

import { estimatorMetrics } from '../../eval/estimator-metrics.js';
import type { EstimatorMetrics, EstimatorSample } from '../../eval/evaluation-document.js';
import { POWER_BASELINES, type PowerBaseline, runPowerBaselines } from '../../locate/power/baselines.js';
import { type RadioMap, RadioMapLocator } from '../../locate/power/radio-map.js';
import type { PowerSample } from '../../locate/power/samples.js';
import type { LocationEstimate } from '../../locate/types.js';

/** The learned models of the power path (the network corrects the map), then the baselines. */
export type PowerModelName = 'localization-net' | 'radio-map';
export type PowerEstimator = PowerModelName | PowerBaseline;
export const POWER_ESTIMATORS: readonly PowerEstimator[] = ['localization-net', 'radio-map', ...POWER_BASELINES];

export interface PowerComparison {
  /** The model whose positions are served: the network when it corrects the map, else the map. */
  served: PowerModelName;
  /** Metrics per estimator on the evaluated split ('localization-net' only when a network was given). */
  metrics: Partial<Record<PowerModelName, EstimatorMetrics>> & Record<'radio-map' | PowerBaseline, EstimatorMetrics>;
  /** Transmissions an estimator could not answer (a stand-in answered; see locate/power/baselines.ts). */
  standIns: Partial<Record<PowerEstimator, number>>;
  /** 1 − served model's median / best baseline median, and that baseline. */
  gainOverBest: { baseline: PowerBaseline; gain: number };
  knnK: number;
  /** Per estimator, one estimate per evaluated transmission (stand-ins included). */
  estimates: Partial<Record<PowerEstimator, LocationEstimate[]>>;
}

/** Errors against the truth; covariances only for estimators that claim a calibrated one. */
function samplesOf(estimates: LocationEstimate[], evaluated: readonly PowerSample[], withCov: boolean): EstimatorSample[] {
  return estimates.map((e, i) => {
    const t = evaluated[i]?.truth;
    if (t === undefined) throw new RangeError(`transmission ${evaluated[i]?.id}: no true position to evaluate against`);
    return { errorE: e.east - t.east, errorN: e.north - t.north, cov: withCov ? e.cov : null };
  });
}

export function comparePowerEstimators(
  map: RadioMap,
  train: readonly PowerSample[],
  val: readonly PowerSample[],
  evaluated: readonly PowerSample[],
  o: {
    /** The network's estimates of the evaluated transmissions, when there is one (pipeline/power/net.ts). */
    net?: { estimates: LocationEstimate[]; serves: boolean };
    /** The map's estimates when the caller has them already (undefined: nobody heard); else located here. */
    mapEstimates?: readonly (LocationEstimate | undefined)[];
  } = {},
): PowerComparison {
  const { net } = o;
  const baselines = runPowerBaselines(train, val, evaluated);
  const locator = new RadioMapLocator(map);
  const located =
    o.mapEstimates ?? evaluated.map((s) => (s.readings.some((r) => r.rssDbm !== null) ? locator.locate(s) : undefined));
  let unheard = 0;
  const mapEstimates = located.map((e, i) => {
    if (e !== undefined) return e;
    unheard++;
    return baselines.estimates.centroid[i] as LocationEstimate; // the baselines' own stand-in
  });
  const metrics = {
    ...(net ? { 'localization-net': estimatorMetrics(samplesOf(net.estimates, evaluated, true)) } : {}),
    'radio-map': estimatorMetrics(samplesOf(mapEstimates, evaluated, true)),
    ...Object.fromEntries(
      POWER_BASELINES.map((m) => [m, estimatorMetrics(samplesOf(baselines.estimates[m], evaluated, m === 'log-distance-ml'))]),
    ),
  } as PowerComparison['metrics'];
  const served: PowerModelName = net?.serves ? 'localization-net' : 'radio-map';
  const servedMedian = (metrics[served] as EstimatorMetrics).medianErrorM;
  const best = POWER_BASELINES.reduce((a, b) => (metrics[b].medianErrorM < metrics[a].medianErrorM ? b : a));
  return {
    served,
    metrics,
    standIns: { ...(net ? { 'localization-net': unheard } : {}), 'radio-map': unheard, ...baselines.standIns },
    gainOverBest: { baseline: best, gain: 1 - servedMedian / metrics[best].medianErrorM },
    knnK: baselines.k,
    estimates: { ...(net ? { 'localization-net': net.estimates } : {}), 'radio-map': mapEstimates, ...baselines.estimates },
  };
}

/** The comparison as terminal lines: one row per estimator, the model first. */
export function powerComparisonLines(r: PowerComparison): string[] {
  const pct = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(1)} %`);
  const rows = POWER_ESTIMATORS.flatMap((name) => {
    const m = r.metrics[name];
    if (m === undefined) return [];
    const iv = m.intervals.medianErrorM;
    const n = r.standIns[name] ?? 0;
    const stand = n > 0 ? `  (stand-in for ${n})` : '';
    const mark = name === r.served ? ' *' : '';
    return [
      `  ${(name + mark).padEnd(18)} median ${m.medianErrorM.toFixed(0).padStart(5)} m [${iv.low.toFixed(0)}, ${iv.high.toFixed(0)}]  p90 ${m.p90ErrorM.toFixed(0).padStart(5)} m  1σ ${pct(m.coverage1Sigma)}  2σ ${pct(m.coverage2Sigma)}${stand}`,
    ];
  });
  return [
    ...rows,
    `  * served (${r.served}) vs the best baseline (${r.gainOverBest.baseline}): ${(100 * r.gainOverBest.gain).toFixed(0)} % lower median error`,
  ];
}
