// Evaluation of a trained LocalizationNet on a dataset split: runs the network over the split's
// batches, then hands arrays to src/eval (errors, calibration, the Cramér–Rao bound of the SAME
// samples). This is orchestration (model + catalog), so it lives in the pipeline, not in src/eval.
import { noGrad } from '../engine/autograd.js';
import { tidy } from '../engine/scope.js';
import { type BoundComparison, compareWithBound } from '../eval/calibration.js';
import { type LocalizationSample, localizationMetrics } from '../eval/metrics.js';
import type { LocalizationNet } from '../model/localization-net.js';
import { covarianceFromRaw } from '../model/losses.js';
import type { BatchSource } from '../signal/features/batch.js';
import type { Catalog } from '../store/catalog/catalog.js';
import { toTensors } from '../train/localization-module.js';

export interface EvaluationReport {
  metrics: ReturnType<typeof localizationMetrics>;
  /** The per-sample errors (m) and predicted covariances (m², after sigmaScale). */
  samples: LocalizationSample[];
  /** The factor applied to every predicted σ (1 = as the network predicts). */
  sigmaScale: number;
  /**
   * The model's median error and the median CRLB CEP50 over the SAME sessions (those that have a
   * bound); null when none has one. `leftOut` counts the sessions without a bound.
   */
  crlb: BoundComparison | null;
  /** Sessions without a CRLB (too few receivers heard them). */
  withoutCrlb: number;
}

export async function evaluate(
  net: LocalizationNet,
  loader: BatchSource,
  catalog: Catalog,
  o: { melBands: number; frames: number; sigmaFloor: number; sigmaScale?: number },
): Promise<EvaluationReport> {
  net.eval();
  const samples: LocalizationSample[] = [];
  const bounds: (number | null)[] = [];
  const scale = net.options.scaleM;
  try {
    for await (const b of loader.epoch(0)) {
      const { position, raw } = tidy(() =>
        noGrad(() => {
          const t = toTensors(b, net.receiverCount, o.melBands, o.frames, net.options.scalarCount, scale);
          const out = net.predict(t);
          return { position: out.position.toFloat32Array(), raw: out.raw.toFloat32Array() };
        }),
      );
      // The shared post-processing (model/losses.ts), in metres and calibrated like the exported graph.
      const covs = covarianceFromRaw(raw, {
        floor: o.sigmaFloor,
        diagonal: net.options.diagonal ?? false,
        scale: scale * (o.sigmaScale ?? 1),
      });
      for (let i = 0; i < b.size; i++) {
        samples.push({
          errorE: (position[2 * i] as number) * scale - (b.target[2 * i] as number),
          errorN: (position[2 * i + 1] as number) * scale - (b.target[2 * i + 1] as number),
          cov: covs[i] as NonNullable<(typeof covs)[number]>,
        });
        const s = await catalog.getSession(b.sessionIds[i] as number);
        const crlb = (s?.truth?.crlb ?? null) as { cep50M?: number } | null;
        bounds.push(crlb && typeof crlb.cep50M === 'number' ? crlb.cep50M : null);
      }
    }
  } finally {
    net.train();
  }
  const crlb = compareWithBound(
    samples.map((s) => Math.hypot(s.errorE, s.errorN)),
    bounds,
  );
  return {
    metrics: localizationMetrics(samples),
    samples,
    sigmaScale: o.sigmaScale ?? 1,
    crlb,
    withoutCrlb: bounds.filter((b) => b === null).length,
  };
}
