// Fitting a radio map the way a model is trained: on the training split only, with its two free
// choices — the kernel bandwidth and the reading σ of the likelihood — made on the validation
// split by the mean NLL of the position posterior (a proper score: it rewards sharp posteriors
// only where they are right), and its uncertainty calibrated on validation too (the covariance
// scaled only when the 1σ/2σ coverages are off by more than two binomial standard errors). The
// test split is never looked at here.
import { fitSigmaScale } from '../../eval/calibration.js';
import { gaussianNll2, quantile } from '../../eval/metrics.js';
import type { LocationEstimate } from '../types.js';
import { fitRadioMap, type RadioMap, RadioMapLocator, type RadioMapOptions } from './radio-map.js';
import { type PowerSample, truthsOf } from './samples.js';

/** Bandwidths tried (m): from street scale to a district. */
export const RADIO_MAP_BANDWIDTHS_M: readonly number[] = [75, 150, 300];

export interface SelectedRadioMap {
  map: RadioMap;
  /** Per (bandwidth, σ) tried: the median validation error (m) and mean NLL (the choice: the lowest). */
  validation: { bandwidthM: number; sigmaDb: number; medianErrorM: number; meanNll: number }[];
  /** The chosen map's estimate of each validation transmission (covariance scaled), undefined where nobody heard it. */
  valEstimates: (LocationEstimate | undefined)[];
}

/** Reading σ candidates, as multiples of the in-sample σ (which the map's own fit makes too small). */
export const RADIO_MAP_SIGMA_FACTORS: readonly number[] = [1, 1.2, 1.4];

export function fitSelectedRadioMap(
  train: readonly PowerSample[],
  val: readonly PowerSample[],
  o: RadioMapOptions & {
    bandwidthsM?: readonly number[];
    sigmaFactors?: readonly number[];
    onStep?: (line: string) => void;
  } = {},
): SelectedRadioMap {
  const truths = truthsOf(val, 'radio-map selection (validation)');
  const heard = val.flatMap((s, index) =>
    s.readings.some((r) => r.rssDbm !== null) ? [{ s, index, t: truths[index] as { east: number; north: number } }] : [],
  );
  if (heard.length === 0) throw new RangeError('radio-map selection: no validation transmission was heard by any receiver');
  const validation: SelectedRadioMap['validation'] = [];
  let best: { map: RadioMap; estimates: LocationEstimate[]; nll: number } | undefined;
  for (const bandwidthM of o.bandwidthsM ?? RADIO_MAP_BANDWIDTHS_M) {
    const fitted = fitRadioMap(train, { ...o, bandwidthM });
    for (const factor of o.sigmaFactors ?? RADIO_MAP_SIGMA_FACTORS) {
      const map = { ...fitted, sigmaDb: fitted.sigmaDb * factor };
      const locator = new RadioMapLocator(map);
      const estimates = heard.map(({ s }) => locator.locate(s));
      const errors = estimates.map((e, i) => {
        const t = heard[i]?.t as { east: number; north: number };
        return [e.east - t.east, e.north - t.north] as const;
      });
      const medianErrorM = quantile(
        errors.map(([e, n]) => Math.hypot(e, n)).sort((a, b) => a - b),
        0.5,
      );
      const nll =
        errors.reduce((a, [e, n], i) => a + gaussianNll2(e, n, (estimates[i] as LocationEstimate).cov), 0) / errors.length;
      validation.push({ bandwidthM, sigmaDb: map.sigmaDb, medianErrorM, meanNll: nll });
      o.onStep?.(
        `bandwidth ${bandwidthM} m, σ ${map.sigmaDb.toFixed(1)} dB: median validation error ${medianErrorM.toFixed(0)} m, NLL ${nll.toFixed(2)}`,
      );
      if (best === undefined || nll < best.nll) best = { map, estimates, nll };
    }
  }
  const chosen = best as NonNullable<typeof best>;
  const k = fitSigmaScale(
    chosen.estimates.map((e, i) => {
      const t = heard[i]?.t as { east: number; north: number };
      return { errorE: e.east - t.east, errorN: e.north - t.north, cov: e.cov };
    }),
    { onlyIfMiscalibrated: true },
  );
  const covScale = k * k;
  const map = { ...chosen.map, covScale };
  const scaled = chosen.estimates.map((e) => ({
    ...e,
    cov: [
      [e.cov[0][0] * covScale, e.cov[0][1] * covScale],
      [e.cov[1][0] * covScale, e.cov[1][1] * covScale],
    ] as LocationEstimate['cov'],
  }));
  const valEstimates = val.map(() => undefined as LocationEstimate | undefined);
  heard.forEach(({ index }, k) => {
    valEstimates[index] = scaled[k];
  });
  return { map, validation, valEstimates };
}

/**
 * Out-of-fold estimates for the training split under the chosen map's settings: the split in
 * `folds` contiguous blocks (in time order, as sessions come), each located with a map fitted on
 * the others. What a model stacked on the map must learn from: in-sample posteriors are sharper
 * and better than any it will meet later. undefined where nobody heard a transmission.
 */
export function crossFittedEstimates(train: readonly PowerSample[], map: RadioMap, folds = 5): (LocationEstimate | undefined)[] {
  const g = map.grid;
  const region = {
    east: [g.east0, g.east0 + (g.nx - 1) * g.cellM] as [number, number],
    north: [g.north0, g.north0 + (g.ny - 1) * g.cellM] as [number, number],
  };
  const out: (LocationEstimate | undefined)[] = new Array(train.length).fill(undefined);
  const size = Math.ceil(train.length / folds);
  for (let f = 0; f < folds; f++) {
    const from = f * size;
    const to = Math.min(train.length, from + size);
    if (from >= to) break;
    const rest = [...train.slice(0, from), ...train.slice(to)];
    const fitted = fitRadioMap(rest, { cellM: g.cellM, bandwidthM: map.bandwidthM, region });
    const locator = new RadioMapLocator({ ...fitted, sigmaDb: map.sigmaDb, covScale: map.covScale });
    for (let i = from; i < to; i++) {
      const s = train[i] as PowerSample;
      if (s.readings.some((r) => r.rssDbm !== null)) out[i] = locator.locate(s);
    }
  }
  return out;
}
