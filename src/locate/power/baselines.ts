// The non-learning estimators a radio engineer would put beside a model trained on power logs,
// each given what it can use, on the same transmissions:
//   strongest        the strongest reporting receiver's position (raw reports);
//   centroid         the amplitude-weighted centroid of the receivers that heard (raw reports);
//   knn              kNN fingerprinting over the fixed receivers, k chosen on validation;
//   log-distance-ml  maximum likelihood under the log-distance law with the exponent and every
//                    device's offset fitted on the training split (offsets removed from reports).
// Where an estimator cannot answer (too few receivers heard; no fingerprint in common), the
// centroid answers for it, or the training area's centre when nobody heard: every method yields
// an estimate for every transmission, and the number of stand-ins is reported.
import { powerWeightedCentroid, strongestReceiver } from '../centroid.js';
import { locateRssMl } from '../rss-ml.js';
import { LocateError, type LocationEstimate, type SearchRegion } from '../types.js';
import { KnnFingerprints } from './knn.js';
import { fitLogDistance, fittedRssModel, type LogDistanceFit } from './log-distance-fit.js';
import { type PowerSample, searchRegionOf, truthsOf } from './samples.js';

export const POWER_BASELINES = ['strongest', 'centroid', 'knn', 'log-distance-ml'] as const;
export type PowerBaseline = (typeof POWER_BASELINES)[number];

export interface PowerBaselineResult {
  /** Per method, one estimate per test transmission (in order). */
  estimates: Record<PowerBaseline, LocationEstimate[]>;
  /** Per method, how many estimates a stand-in gave (see the header). */
  standIns: Record<PowerBaseline, number>;
  fit: LogDistanceFit;
  k: number;
  region: SearchRegion;
}

export function runPowerBaselines(
  train: readonly PowerSample[],
  val: readonly PowerSample[],
  test: readonly PowerSample[],
): PowerBaselineResult {
  const truths = truthsOf(train, 'power baselines (training)');
  const centre = {
    east: truths.reduce((a, t) => a + t.east, 0) / truths.length,
    north: truths.reduce((a, t) => a + t.north, 0) / truths.length,
  };
  const region = searchRegionOf(train);
  const fit = fitLogDistance(train);
  const model = fittedRssModel(fit);
  const knn = new KnnFingerprints(train);
  const { k } = knn.chooseK(val);
  const standIns = Object.fromEntries(POWER_BASELINES.map((m) => [m, 0])) as Record<PowerBaseline, number>;
  const span = Math.max(region.east[1] - region.east[0], region.north[1] - region.north[0]);
  const areaCentre = (): LocationEstimate => ({
    method: 'centroid',
    ...centre,
    cov: [
      [(span / 4) ** 2, 0],
      [0, (span / 4) ** 2],
    ],
    receivers: [],
  });
  const attempt = (method: PowerBaseline, s: PowerSample, f: () => LocationEstimate): LocationEstimate => {
    try {
      return f();
    } catch (err) {
      if (!(err instanceof LocateError)) throw err;
      standIns[method]++;
      try {
        return powerWeightedCentroid(s.readings);
      } catch (e) {
        if (!(e instanceof LocateError)) throw e;
        return areaCentre();
      }
    }
  };
  const corrected = (s: PowerSample) =>
    s.readings.map((r) => (r.rssDbm === null ? r : { ...r, rssDbm: r.rssDbm - (fit.offsetsDb[r.id] ?? 0) }));
  const estimates = {
    strongest: test.map((s) => attempt('strongest', s, () => strongestReceiver(s.readings))),
    centroid: test.map((s) => attempt('centroid', s, () => powerWeightedCentroid(s.readings))),
    knn: test.map((s) => attempt('knn', s, () => knn.locate(s, k))),
    'log-distance-ml': test.map((s) =>
      attempt('log-distance-ml', s, () => locateRssMl(corrected(s), model, region, { gridSteps: 30 })),
    ),
  };
  return { estimates, standIns, fit, k, region };
}
