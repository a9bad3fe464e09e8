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

export interface EvaluationReport {
  metrics: ReturnType<typeof localizationMetrics>;
  /** Median CRLB CEP50 (m) over the evaluated sessions that have one. */
  crlbMedianCep50M: number | null;
  /** Sessions without a CRLB (too few receivers heard them). */
  withoutCrlb: number;
}

export async function evaluate(
  net: LocalizationNet,
  loader: DatasetLoader,
  catalog: Catalog,
  o: { melBands: number; frames: number; sigmaFloor: number },
): Promise<EvaluationReport> {
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
        cov: covs[i] as NonNullable<(typeof covs)[number]>,
      });
      const s = await catalog.getSession(b.sessionIds[i] as number);
      const crlb = (s?.truth?.crlb ?? null) as { cep50M?: number } | null;
      if (crlb && typeof crlb.cep50M === 'number') crlbs.push(crlb.cep50M);
      else withoutCrlb++;
    }
  }
  net.train();
  crlbs.sort((a, c) => a - c);
  return { metrics: localizationMetrics(samples), crlbMedianCep50M: crlbs.length > 0 ? quantile(crlbs, 0.5) : null, withoutCrlb };
}
