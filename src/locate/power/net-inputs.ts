// The inputs of LocalizationNet's scalar path (no spectrogram branch) for power-only
// transmissions — ONE assembly for training, evaluation and predict. Per receiver of the
// network, in its order, POWER_NET_SCALARS:
//   power    the reported power, standardized with the training split's mean and spread (0 when
//            not heard); the network adds a learned per-receiver offset to it where heard
//            (LocalizationNet's receiverOffsets: uncalibrated devices);
//   heard    1 when the receiver heard the transmission;
//   running  1 when it was running (then also mask = 1);
//   east, north  where the receiver was (a mobile receiver's logged position), over scaleM.
// The prior is the radio map's posterior (mean, σ, ρ in metres, valid), in the PRIOR_NAMES layout
// of signal/features/prior.ts: the network learns a correction of it.
import { PRIOR_WIDTH } from '../../signal/features/prior.js';
import type { LocationEstimate } from '../types.js';
import type { PowerSample } from './samples.js';

export const POWER_NET_SCALARS = ['power', 'heard', 'running', 'east', 'north'] as const;
export const POWER_NET_SCALAR_COUNT = POWER_NET_SCALARS.length;

export interface PowerNetSpec {
  /** The network's receivers, in input order (every receiver of the training split, sorted). */
  receivers: string[];
  /** Training reports' mean and standard deviation (dB), for the power scalar. */
  powerMeanDb: number;
  powerStdDb: number;
  /** Metres per network unit. */
  scaleM: number;
}

export function powerNetSpec(train: readonly PowerSample[], scaleM: number): PowerNetSpec {
  const ids = new Set<string>();
  const powers: number[] = [];
  for (const s of train)
    for (const r of s.readings) {
      ids.add(r.id);
      if (r.rssDbm !== null) powers.push(r.rssDbm);
    }
  if (powers.length < 2) throw new RangeError('powerNetSpec: the training split has fewer than two heard readings');
  const mean = powers.reduce((a, b) => a + b, 0) / powers.length;
  const std = Math.sqrt(powers.reduce((a, b) => a + (b - mean) ** 2, 0) / (powers.length - 1));
  return { receivers: [...ids].sort(), powerMeanDb: mean, powerStdDb: Math.max(std, 1e-3), scaleM };
}

export interface PowerNetInputs {
  size: number;
  /** [size][receivers][POWER_NET_SCALAR_COUNT] */
  scalars: Float32Array;
  /** [size][receivers]: 1 where the receiver was running. */
  mask: Uint8Array;
  /** [size][PRIOR_WIDTH] in metres; valid 0 where there is no prior. */
  prior: Float32Array;
  /** [size][2] true east/north (m); zeros for unlabelled transmissions. */
  target: Float32Array;
  /** Per transmission, its readings from receivers the network does not know (left out). */
  unknown: string[][];
}

/** Inputs for `samples`, with `priors[i]` the radio map's estimate of sample i (undefined: none). */
export function powerNetInputs(
  samples: readonly PowerSample[],
  priors: readonly (LocationEstimate | undefined)[],
  spec: PowerNetSpec,
): PowerNetInputs {
  const R = spec.receivers.length;
  const S = POWER_NET_SCALAR_COUNT;
  const index = new Map(spec.receivers.map((id, k) => [id, k]));
  const out: PowerNetInputs = {
    size: samples.length,
    scalars: new Float32Array(samples.length * R * S),
    mask: new Uint8Array(samples.length * R),
    prior: new Float32Array(samples.length * PRIOR_WIDTH),
    target: new Float32Array(samples.length * 2),
    unknown: samples.map(() => []),
  };
  samples.forEach((s, i) => {
    for (const r of s.readings) {
      const k = index.get(r.id);
      if (k === undefined) {
        out.unknown[i]?.push(r.id);
        continue;
      }
      const at = (i * R + k) * S;
      const heard = r.rssDbm !== null;
      out.scalars.set(
        [
          heard ? ((r.rssDbm as number) - spec.powerMeanDb) / spec.powerStdDb : 0,
          heard ? 1 : 0,
          1,
          r.east / spec.scaleM,
          r.north / spec.scaleM,
        ],
        at,
      );
      out.mask[i * R + k] = 1;
    }
    const p = priors[i];
    if (p !== undefined) {
      const [[vee, ven], [, vnn]] = p.cov;
      const se = Math.sqrt(vee);
      const sn = Math.sqrt(vnn);
      out.prior.set([p.east, p.north, se, sn, ven / (se * sn), 1], i * PRIOR_WIDTH);
    }
    if (s.truth) out.target.set([s.truth.east, s.truth.north], i * 2);
  });
  return out;
}
