// Evaluation of a trained LocalizationNet on a dataset split: runs the network over the split's
// batches, then hands arrays to src/eval (errors, calibration, the Cramér–Rao bound of the SAME
// samples). This is orchestration (model + catalog), so it lives in the pipeline, not in src/eval.
import { noGrad } from '../engine/autograd.js';
import { tidy } from '../engine/scope.js';
import { type BoundComparison, compareWithBound, significantlyLower } from '../eval/calibration.js';
import { gaussianNll2, type LocalizationSample, localizationMetrics } from '../eval/metrics.js';
import type { Cov2 } from '../math/gaussian2d.js';
import type { LocalizationNet } from '../model/localization-net.js';
import { covarianceFromRaw } from '../model/losses.js';
import type { BatchSource } from '../signal/features/batch.js';
import type { Catalog } from '../store/catalog/catalog.js';
import { appendCorrectionRows, type CorrectionRows, emptyCorrectionRows } from '../train/correction-rows.js';
import { tensorsFor } from '../train/localization-module.js';

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
          const t = tensorsFor(net, b, o.melBands, o.frames, o.sigmaFloor);
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

/** What a prior network's correction is fitted from: per transmission, in metres / network units. */
export type CorrectionOutputs = CorrectionRows;

/** Runs a prior network over a loader (eval mode) and collects CorrectionOutputs. */
export async function correctionOutputs(
  net: LocalizationNet,
  loader: BatchSource,
  o: { melBands: number; frames: number; sigmaFloor: number },
): Promise<CorrectionOutputs> {
  const out = emptyCorrectionRows();
  net.eval();
  try {
    for await (const b of loader.epoch(0))
      appendCorrectionRows(
        net,
        tensorsFor(net, b, o.melBands, o.frames, o.sigmaFloor),
        { priorM: b.prior, truthM: b.target },
        out,
      );
  } finally {
    net.train();
  }
  return out;
}

/**
 * The shrinkage of the learned uncertainty correction, fitted on validation after the position
 * gain: the gain g in {0, 0.05, …, 1} on (network raw − prior raw) with the smallest mean Gaussian
 * NLL, kept only when its per-sample NLL is significantly lower than the prior covariance's
 * (significantlyLower: paired, two standard errors), else 0 — the prior's own covariance.
 */
export function fitUncertaintyGain(
  c: CorrectionOutputs,
  o: { positionGain: number; sigmaFloor: number; scaleM: number; diagonal: boolean },
): { gain: number; bestGain: number; meanNll: number; priorMeanNll: number } {
  const errors = c.truth.map((t, i) => {
    const p = c.prior[i] as Position;
    const m = c.model[i] as Position;
    return [
      p.east + o.positionGain * (m.east - p.east) - t.east,
      p.north + o.positionGain * (m.north - p.north) - t.north,
    ] as const;
  });
  const nllsAt = (g: number) => {
    const raw = c.priorRaw.flatMap((p, i) => p.map((v, k) => v + g * (((c.modelRaw[i] as number[])[k] as number) - v)));
    const covs = covarianceFromRaw(raw, { floor: o.sigmaFloor, diagonal: o.diagonal, scale: o.scaleM });
    return errors.map(([e, n], i) => gaussianNll2(e, n, covs[i] as Cov2));
  };
  const mean = (v: number[]) => v.reduce((a, x) => a + x, 0) / v.length;
  const base = nllsAt(0);
  let bestGain = 0;
  let best = base;
  for (let k = 1; k <= 20; k++) {
    const v = nllsAt(k / 20);
    if (mean(v) < mean(best) - 1e-9) {
      best = v;
      bestGain = k / 20;
    }
  }
  const gain = bestGain > 0 && significantlyLower(best, base) ? bestGain : 0;
  return { gain, bestGain, meanNll: mean(gain === 0 ? base : best), priorMeanNll: mean(base) };
}

interface Position {
  east: number;
  north: number;
}
