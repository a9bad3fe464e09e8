// What deciding on a learned correction needs from a network that corrects a prior, per
// transmission and in metres: the prior's position, the network's, the truth, and both raw
// uncertainty rows (pipeline/evaluate.ts fitUncertaintyGain, eval/calibration.ts
// fitCorrectionGain). One collection step for the IQ path's loader batches and the power path's rows.
import { noGrad } from '../engine/autograd.js';
import { tidy } from '../engine/scope.js';
import { type LocalizationNet, PRIOR_INPUT_WIDTH } from '../model/localization-net.js';
import { PRIOR_WIDTH } from '../signal/features/prior.js';
import type { TensorBatch } from './localization-module.js';

interface Position {
  east: number;
  north: number;
}

export interface CorrectionRows {
  /** The prior's position (the network centre where it had none) and the network's. */
  prior: Position[];
  model: Position[];
  truth: Position[];
  /** Raw uncertainty parameters [a, b, c] of the prior (the network's input) and of the network's output. */
  priorRaw: number[][];
  modelRaw: number[][];
}

export const emptyCorrectionRows = (): CorrectionRows => ({ prior: [], model: [], truth: [], priorRaw: [], modelRaw: [] });

/**
 * Runs the network on one batch (no grad; the caller sets eval mode) and appends its rows to `out`;
 * `priorM` and `truthM` are the batch's priors (PRIOR_WIDTH values per row, metres) and truths
 * (east, north in metres). Disposes the batch's tensors.
 */
export function appendCorrectionRows(
  net: LocalizationNet,
  t: TensorBatch,
  rows: { priorM: Float32Array; truthM: Float32Array },
  out: CorrectionRows,
): void {
  const scale = net.options.scaleM;
  const u = net.uncertaintyOutputs;
  const { position, raw, prior } = tidy(() =>
    noGrad(() => {
      const p = net.predict(t);
      return {
        position: p.position.toFloat32Array(),
        raw: p.raw.toFloat32Array(),
        prior: (t.prior as NonNullable<typeof t.prior>).toFloat32Array(),
      };
    }),
  );
  for (const x of Object.values(t)) x?.dispose();
  const size = rows.truthM.length / 2;
  for (let i = 0; i < size; i++) {
    out.prior.push({ east: rows.priorM[i * PRIOR_WIDTH] as number, north: rows.priorM[i * PRIOR_WIDTH + 1] as number });
    out.model.push({ east: (position[2 * i] as number) * scale, north: (position[2 * i + 1] as number) * scale });
    out.truth.push({ east: rows.truthM[2 * i] as number, north: rows.truthM[2 * i + 1] as number });
    out.priorRaw.push(Array.from(prior.subarray(i * PRIOR_INPUT_WIDTH + 2, i * PRIOR_INPUT_WIDTH + 2 + u)));
    out.modelRaw.push(Array.from(raw.subarray(i * u, (i + 1) * u)));
  }
}
