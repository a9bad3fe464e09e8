// The received-power model stated in data form (JSON): a propagation law, the carrier, the
// transmitter height, one Gaussian σ per receiver and the transmit-power range. What a model file
// stores so that inference computes the same physics prior as training (src/signal/features/prior.ts),
// and what the classical references are built from (pipeline/references/rss-model.ts).
import { z } from 'zod';
import { PropagationSchema, pathLossDb } from '../rf/propagation.js';
import type { RssModel } from './types.js';

export const StatedRssModelSchema = z.object({
  propagation: PropagationSchema,
  frequencyHz: z.number().positive(),
  txHeightM: z.number().min(0),
  /** σ (dB) of one received-power measurement (shadowing ⊕ calibration ⊕ fading residual). */
  sigmaDb: z.number().positive(),
  txPowerDbm: z.tuple([z.number(), z.number()]).refine(([a, b]) => b >= a, 'must be [min, max] with min ≤ max'),
  description: z.string(),
});
export type StatedRssModel = z.infer<typeof StatedRssModelSchema>;

/** The RssModel the estimators take, from its stated form. */
export function rssModelOf(s: StatedRssModel): RssModel {
  return {
    lossDb: (distanceM, rxHeightM) =>
      pathLossDb(s.propagation, { distanceM, freqHz: s.frequencyHz, rxHeightM, txHeightM: s.txHeightM }),
    txHeightM: s.txHeightM,
    sigmaDb: s.sigmaDb,
    txPowerDbm: [s.txPowerDbm[0], s.txPowerDbm[1]],
    description: s.description,
  };
}
