// The Bayesian position estimate under the stated received-power model: the posterior mean and
// covariance on a grid. Prior: uniform over the search region and over P₀ ∈ model.txPowerDbm.
// Likelihood, independent per receiver:
//   heard:      RSSᵢ ~ N(μᵢ, σ²), μᵢ = P₀ − Lᵢ, or (P₀ − Lᵢ) ⊕ noise when noiseDbm is given
//               (a measured power includes the noise: 10·log10(10^(s/10) + 10^(N/10)));
//   not heard:  Φ((detectionDbm − (P₀ − Lᵢ))/σ), the probability the signal stayed below detection
//               (censored evidence: the transmitter is far or shadowed from that receiver);
//   not heard, no detectionDbm: left out.
// P₀ is marginalized numerically at each cell (log-sum-exp); when the posterior is only a few cells
// wide the grid is redrawn around it, so a 3 km city and a 150 km region both resolve.
import type { Cov2 } from '../math/gaussian2d.js';
import { logPhi, powerSumDbm } from './log-tables.js';
import { distance3dM, type HeardObservation, requireHeard } from './observations.js';
import {
  LocateError,
  type LocationEstimate,
  type ReceiverDiagnostic,
  type ReceiverObservation,
  type RssModel,
  type SearchRegion,
} from './types.js';

export interface PosteriorOptions {
  /** Cells per axis of each grid pass (default 40). */
  gridSteps?: number;
  /** Points of the transmit-power marginalization (default: spacing ≤ σ/3, clamped to 24–40). */
  powerSteps?: number;
}

interface GridResult {
  mean: [number, number];
  cov: Cov2;
  map: [number, number];
  powerDbm: number;
  cell: [number, number];
}

interface Window {
  e0: number;
  e1: number;
  n0: number;
  n1: number;
}

/** Refinement passes at most (each zooms by up to ~steps/10 per axis). */
const MAX_REFINEMENTS = 4;

/**
 * Posterior mean position; cov is the posterior covariance (cell weights, plus each cell's own
 * cell²/12). nuisance: mapEast/mapNorth (the most probable cell) and txPowerDbm (posterior mean).
 */
export function posteriorMean(
  obs: ReceiverObservation[],
  model: RssModel,
  region: SearchRegion,
  o: PosteriorOptions = {},
): LocationEstimate {
  const heard = requireHeard('posterior-mean', obs, 1, 'the likelihood needs at least one measured power');
  const sigma = model.sigmaDb;
  if (!(sigma > 0 && Number.isFinite(sigma))) throw new LocateError(`posterior-mean: model.sigmaDb must be > 0, got ${sigma}`);
  const [pLo, pHi] = model.txPowerDbm;
  if (!(Number.isFinite(pLo) && Number.isFinite(pHi) && pHi >= pLo))
    throw new LocateError(`posterior-mean: model.txPowerDbm must be [min, max] with min ≤ max, got [${pLo}, ${pHi}]`);
  const [e0, e1] = region.east;
  const [n0, n1] = region.north;
  if (!(e1 > e0 && n1 > n0))
    throw new LocateError(
      `posterior-mean: search region must have east[0] < east[1] and north[0] < north[1], got ${JSON.stringify(region)}`,
    );
  const steps = Math.max(4, Math.round(o.gridSteps ?? 40));
  const k =
    pHi === pLo ? 1 : Math.max(1, Math.round(o.powerSteps ?? Math.min(40, Math.max(24, Math.ceil((pHi - pLo) / (sigma / 3))))));
  const powers = Float64Array.from({ length: k }, (_, i) => pLo + ((i + 0.5) * (pHi - pLo)) / k);

  const censored = obs.filter((r) => r.rssDbm === null && r.detectionDbm !== undefined && Number.isFinite(r.detectionDbm));
  const links = [...heard, ...censored];
  const nHeard = heard.length;
  const rss = Float64Array.from(heard, (r) => r.rssDbm);
  const noise = Float64Array.from(heard, (r) =>
    r.noiseDbm !== undefined && Number.isFinite(r.noiseDbm) ? r.noiseDbm : Number.NaN,
  );
  const detection = Float64Array.from(censored, (r) => r.detectionDbm as number);
  const loss = new Float64Array(links.length);
  const logw = new Float64Array(k);
  const invSigma = 1 / sigma;

  const evaluate = (w: Window): GridResult => {
    const cellE = (w.e1 - w.e0) / steps;
    const cellN = (w.n1 - w.n0) / steps;
    const cells = steps * steps;
    const cellLog = new Float64Array(cells);
    const cellPower = new Float64Array(cells);
    let maxLog = Number.NEGATIVE_INFINITY;
    let mapIndex = 0;
    for (let i = 0; i < steps; i++) {
      const east = w.e0 + (i + 0.5) * cellE;
      for (let j = 0; j < steps; j++) {
        const north = w.n0 + (j + 0.5) * cellN;
        for (let r = 0; r < links.length; r++) {
          const link = links[r] as ReceiverObservation;
          loss[r] = model.lossDb(distance3dM(east, north, model.txHeightM, link), link.heightM);
        }
        logw.fill(0);
        for (let r = 0; r < nHeard; r++) {
          const l = loss[r] as number;
          const y = rss[r] as number;
          const nz = noise[r] as number;
          if (Number.isNaN(nz)) {
            for (let q = 0; q < k; q++) {
              const z = (y - ((powers[q] as number) - l)) * invSigma;
              logw[q] = (logw[q] as number) - 0.5 * z * z;
            }
          } else {
            for (let q = 0; q < k; q++) {
              const z = (y - powerSumDbm((powers[q] as number) - l, nz)) * invSigma;
              logw[q] = (logw[q] as number) - 0.5 * z * z;
            }
          }
        }
        for (let c = 0; c < censored.length; c++) {
          const l = loss[nHeard + c] as number;
          const det = detection[c] as number;
          for (let q = 0; q < k; q++) logw[q] = (logw[q] as number) + logPhi((det - ((powers[q] as number) - l)) * invSigma);
        }
        let top = Number.NEGATIVE_INFINITY;
        for (let q = 0; q < k; q++) if ((logw[q] as number) > top) top = logw[q] as number;
        let sum = 0;
        let sumP = 0;
        for (let q = 0; q < k; q++) {
          const p = Math.exp((logw[q] as number) - top);
          sum += p;
          sumP += p * (powers[q] as number);
        }
        const index = i * steps + j;
        const value = top + Math.log(sum);
        cellLog[index] = value;
        cellPower[index] = sumP / sum;
        if (value > maxLog) {
          maxLog = value;
          mapIndex = index;
        }
      }
    }
    if (!Number.isFinite(maxLog))
      throw new LocateError(
        'posterior-mean: the likelihood is zero or undefined everywhere in the search region (check rssDbm, detectionDbm and the loss model)',
      );
    let total = 0;
    let me = 0;
    let mn = 0;
    let mp = 0;
    const weight = new Float64Array(cells);
    for (let c = 0; c < cells; c++) {
      const p = Math.exp((cellLog[c] as number) - maxLog);
      weight[c] = p;
      total += p;
      me += p * (w.e0 + (Math.floor(c / steps) + 0.5) * cellE);
      mn += p * (w.n0 + ((c % steps) + 0.5) * cellN);
      mp += p * (cellPower[c] as number);
    }
    me /= total;
    mn /= total;
    let vee = 0;
    let ven = 0;
    let vnn = 0;
    for (let c = 0; c < cells; c++) {
      const p = (weight[c] as number) / total;
      if (p === 0) continue;
      const de = w.e0 + (Math.floor(c / steps) + 0.5) * cellE - me;
      const dn = w.n0 + ((c % steps) + 0.5) * cellN - mn;
      vee += p * de * de;
      ven += p * de * dn;
      vnn += p * dn * dn;
    }
    // Each cell is a uniform square, not a point: add its own variance cell²/12.
    vee += (cellE * cellE) / 12;
    vnn += (cellN * cellN) / 12;
    return {
      mean: [me, mn],
      cov: [
        [vee, ven],
        [ven, vnn],
      ],
      map: [w.e0 + (Math.floor(mapIndex / steps) + 0.5) * cellE, w.n0 + ((mapIndex % steps) + 0.5) * cellN],
      powerDbm: mp / total,
      cell: [cellE, cellN],
    };
  };

  let result = evaluate({ e0, e1, n0, n1 });
  for (let pass = 0; pass < MAX_REFINEMENTS; pass++) {
    const sdE = Math.sqrt(result.cov[0][0]);
    const sdN = Math.sqrt(result.cov[1][1]);
    if (sdE >= 3 * result.cell[0] && sdN >= 3 * result.cell[1]) break;
    // ±5σ per axis holds the mass of a concentrated posterior (the marginal σ spans a tilted ellipse).
    const next: Window = {
      e0: Math.max(e0, result.mean[0] - 5 * sdE),
      e1: Math.min(e1, result.mean[0] + 5 * sdE),
      n0: Math.max(n0, result.mean[1] - 5 * sdN),
      n1: Math.min(n1, result.mean[1] + 5 * sdN),
    };
    const widthE = next.e1 - next.e0;
    const widthN = next.n1 - next.n0;
    // Zooming in by less than a factor 1.5 would not resolve the posterior any better.
    if (widthE > (steps * result.cell[0]) / 1.5 && widthN > (steps * result.cell[1]) / 1.5) break;
    result = evaluate(next);
  }

  const [east, north] = result.mean;
  const receivers: ReceiverDiagnostic[] = obs.map((r) => {
    if (r.rssDbm !== null && Number.isFinite(r.rssDbm)) {
      const h = r as HeardObservation;
      const signal = result.powerDbm - model.lossDb(distance3dM(east, north, model.txHeightM, h), h.heightM);
      const predicted = h.noiseDbm !== undefined && Number.isFinite(h.noiseDbm) ? powerSumDbm(signal, h.noiseDbm) : signal;
      return { id: r.id, used: true, residualDb: h.rssDbm - predicted };
    }
    if (censored.includes(r)) return { id: r.id, used: true, reason: 'censored: not heard (signal below detectionDbm)' };
    return { id: r.id, used: false, reason: 'not heard and no detectionDbm: carries no evidence' };
  });
  return {
    method: 'posterior-mean',
    east,
    north,
    cov: result.cov,
    receivers,
    nuisance: { mapEast: result.map[0], mapNorth: result.map[1], txPowerDbm: result.powerDbm },
  };
}
