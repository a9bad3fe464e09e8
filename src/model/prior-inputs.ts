// The physics prior as the network reads it. Batches carry the prior in metres (PRIOR_NAMES of
// signal/features/prior.ts); this ONE conversion — used by training, the engine evaluation, export
// verification and onnxruntime inference — puts it in the network's units: position over scaleM,
// covariance as the raw parameters of model/losses.ts, then the valid flag. An invalid prior
// becomes the centre of the network with σ = one network scale, flagged 0.
import { PRIOR_WIDTH } from '../signal/features/prior.js';
import { PRIOR_INPUT_WIDTH } from './localization-net.js';
import { rawFromSigmaRho } from './losses.js';

export function priorInputs(prior: Float32Array, o: { scaleM: number; sigmaFloor: number }): Float32Array {
  if (prior.length % PRIOR_WIDTH !== 0)
    throw new RangeError(`priorInputs: ${prior.length} values is not a whole number of ${PRIOR_WIDTH}-value priors`);
  const n = prior.length / PRIOR_WIDTH;
  const out = new Float32Array(n * PRIOR_INPUT_WIDTH);
  for (let i = 0; i < n; i++) {
    const p = prior.subarray(i * PRIOR_WIDTH, (i + 1) * PRIOR_WIDTH);
    const valid = p[5] === 1;
    const raw = rawFromSigmaRho(
      valid
        ? { sigmaE: p[2] as number, sigmaN: p[3] as number, rho: p[4] as number }
        : { sigmaE: o.scaleM, sigmaN: o.scaleM, rho: 0 },
      { floor: o.sigmaFloor, scale: o.scaleM },
    );
    out.set(
      [valid ? (p[0] as number) / o.scaleM : 0, valid ? (p[1] as number) / o.scaleM : 0, ...raw, valid ? 1 : 0],
      i * PRIOR_INPUT_WIDTH,
    );
  }
  return out;
}
