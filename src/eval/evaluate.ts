// Evaluation of a trained LocalizationNet on a dataset split: errors in metres, calibration of
// the predicted ellipses, and the Cramér–Rao bound of the same samples for comparison.
import { noGrad } from '../engine/autograd.js';
import { tidy } from '../engine/scope.js';
import type { LocalizationNet } from '../model/localization-net.js';
import { covarianceFromRaw } from '../model/losses.js';
import type { Catalog } from '../store/catalog/catalog.js';
import type { DatasetLoader } from '../store/loader.js';
import { toTensors } from '../train/localization-module.js';
import { localizationMetrics, quantile } from './metrics.js';

type Sample = Parameters<typeof localizationMetrics>[0][number];

export interface EvaluationReport {
  metrics: ReturnType<typeof localizationMetrics>;
  /** The per-sample errors (m) and predicted covariances (m², after sigmaScale). */
  samples: Sample[];
  /** The factor applied to every predicted σ (1 = as the network predicts). */
  sigmaScale: number;
  /** Median CRLB CEP50 (m) over the evaluated sessions that have one. */
  crlbMedianCep50M: number | null;
  /** Sessions without a CRLB (too few receivers heard them). */
  withoutCrlb: number;
}

export async function evaluate(
  net: LocalizationNet,
  loader: DatasetLoader,
  catalog: Catalog,
  o: { melBands: number; frames: number; sigmaFloor: number; sigmaScale?: number },
): Promise<EvaluationReport> {
  const k2 = (o.sigmaScale ?? 1) ** 2;
  net.eval();
  const samples: Parameters<typeof localizationMetrics>[0] = [];
  const crlbs: number[] = [];
  let withoutCrlb = 0;
  const scale = net.options.scaleM;
  for await (const b of loader.epoch(0)) {
    const { position, raw } = tidy(() =>
      noGrad(() => {
        const t = toTensors(b, net.receiverCount, o.melBands, o.frames, net.options.scalarCount, scale);
        const out = net.predict(t);
        return { position: out.position.toFloat32Array(), raw: out.raw.toFloat32Array() };
      }),
    );
    const covs = covarianceFromRaw(raw, { floor: o.sigmaFloor, diagonal: net.options.diagonal ?? false, scale });
    for (let i = 0; i < b.size; i++) {
      samples.push({
        errorE: (position[2 * i] as number) * scale - (b.target[2 * i] as number),
        errorN: (position[2 * i + 1] as number) * scale - (b.target[2 * i + 1] as number),
        cov: scaleCov(covs[i] as NonNullable<(typeof covs)[number]>, k2),
      });
      const s = await catalog.getSession(b.sessionIds[i] as number);
      const crlb = (s?.truth?.crlb ?? null) as { cep50M?: number } | null;
      if (crlb && typeof crlb.cep50M === 'number') crlbs.push(crlb.cep50M);
      else withoutCrlb++;
    }
  }
  net.train();
  crlbs.sort((a, c) => a - c);
  return {
    metrics: localizationMetrics(samples),
    samples,
    sigmaScale: o.sigmaScale ?? 1,
    crlbMedianCep50M: crlbs.length > 0 ? quantile(crlbs, 0.5) : null,
    withoutCrlb,
  };
}

function scaleCov(c: Sample['cov'], k2: number): Sample['cov'] {
  return [
    [c[0][0] * k2, c[0][1] * k2],
    [c[1][0] * k2, c[1][1] * k2],
  ];
}

/**
 * Post-hoc calibration (temperature scaling of σ), fitted on the VALIDATION split: the factor k
 * in [0.5, 3] whose scaled ellipses bring the 1σ and 2σ coverages closest to 39.35 % and 86.47 %.
 * Real errors have heavier tails than a Gaussian, so one factor trades the two off.
 */
export function fitSigmaScale(validation: Sample[]): number {
  const m2 = validation.map((s) => {
    const [[a, b], [, d]] = s.cov;
    const det = a * d - b * b;
    return (d * s.errorE * s.errorE - 2 * b * s.errorE * s.errorN + a * s.errorN * s.errorN) / det;
  });
  let best = 1;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let k = 0.5; k <= 3.0001; k += 0.01) {
    const c1 = m2.filter((v) => v <= k * k).length / m2.length;
    const c2 = m2.filter((v) => v <= 4 * k * k).length / m2.length;
    const cost = (c1 - 0.3935) ** 2 + (c2 - 0.8647) ** 2;
    if (cost < bestCost - 1e-12) {
      bestCost = cost;
      best = Number(k.toFixed(2));
    }
  }
  return best;
}
