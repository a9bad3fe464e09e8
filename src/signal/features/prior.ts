// The physics prior of one transmission: the posterior mean and covariance of its position under
// the stated received-power model (src/locate/posterior.ts), computed from the SAME per-receiver
// scalars the network reads (calibrated power, SNR, the `heard` rule) — or, where the spec says the
// network has synchronized clocks and the transmission has time differences, the classical TDOA
// estimate from the same differences the network reads (src/locate/tdoa.ts): arrival times locate
// far better than power wherever they exist, so that is the estimate worth correcting. LocalizationNet takes it as
// an input and learns a correction on top of it (model/localization-net.ts), so a model starts
// from the best classical estimate rather than from nothing. Training, evaluation, export checks and
// inference all call physicsPrior; the model file stores the PriorSpec.
import { z } from 'zod';
import { powerObservation } from '../../locate/observations.js';
import { posteriorMean } from '../../locate/posterior.js';
import { rssModelOf, StatedRssModelSchema } from '../../locate/stated-model.js';
import { locateTdoa } from '../../locate/tdoa.js';
import { LocateError, type ReceiverObservation, type RssModel } from '../../locate/types.js';
import { type Cov2, fuseGaussians } from '../../math/gaussian2d.js';
import type { TransmissionFeatures } from './extract.js';
import { SCALAR_COUNT, scalarIndex } from './scalars.js';
import { type FeatureStats, normalizeFeatures } from './stats.js';

const interval = z.tuple([z.number(), z.number()]).refine(([a, b]) => b > a, 'must be [min, max] with min < max');

export const PriorSpecSchema = z.object({
  model: StatedRssModelSchema,
  /** The network's receivers in model input order (local frame, m). */
  receivers: z
    .array(
      z.object({
        id: z.string(),
        east: z.number(),
        north: z.number(),
        heightM: z.number(),
        gainDbi: z.number(),
        noiseDbm: z.number().optional(),
      }),
    )
    .min(1),
  /** Where transmitters can be (local frame, m). */
  region: z.object({ east: interval, north: interval }),
  /** The feature layer's "heard" threshold (dB), as in FeatureConfig.heardSnrDb. */
  heardSnrDb: z.number(),
  /**
   * Present when the network has precisely timed receivers: transmissions with time differences
   * take the classical TDOA estimate (transmitter height in the receivers' height reference, m).
   */
  tdoa: z.object({ txHeightM: z.number() }).optional(),
});
export type PriorSpec = z.infer<typeof PriorSpecSchema>;

/**
 * Values per transmission: east, north (m), σ_east, σ_north (m), ρ, valid (1 when the posterior
 * could be computed — at least one receiver heard with a calibrated power — else all zeros).
 */
export const PRIOR_NAMES = ['east_m', 'north_m', 'sigma_east_m', 'sigma_north_m', 'rho', 'valid'] as const;
export const PRIOR_WIDTH = PRIOR_NAMES.length;

/** The prior's RssModel, built once per spec (the path-loss closure is what the posterior calls). */
const models = new WeakMap<PriorSpec, RssModel>();
function modelOf(spec: PriorSpec): RssModel {
  let m = models.get(spec);
  if (m === undefined) {
    m = rssModelOf(spec.model);
    models.set(spec, m);
  }
  return m;
}

/** Receivers that recorded with a calibrated power, as observations (raw, unnormalized scalars). */
export function priorObservations(spec: PriorSpec, scalars: ArrayLike<number>, mask: ArrayLike<number>): ReceiverObservation[] {
  const dbm = scalarIndex('rssi_dbm');
  const known = scalarIndex('rssi_dbm_known');
  const snr = scalarIndex('snr_db');
  const out: ReceiverObservation[] = [];
  spec.receivers.forEach((r, i) => {
    if (mask[i] !== 1 || scalars[i * SCALAR_COUNT + known] !== 1) return;
    out.push(
      powerObservation(r, scalars[i * SCALAR_COUNT + dbm] as number, scalars[i * SCALAR_COUNT + snr] as number, spec.heardSnrDb),
    );
  });
  return out;
}

/**
 * The prior of a transmission from its raw (not yet normalized) features, in PRIOR_NAMES order.
 * The receivers must be the spec's, in its order. Not computable (nobody heard, no calibrated
 * power) → zeros with valid = 0: the network then has only its own inputs.
 */
export function physicsPrior(
  spec: PriorSpec,
  f: Pick<TransmissionFeatures, 'receivers' | 'scalars' | 'mask'> & { tdoa?: TransmissionFeatures['tdoa'] },
): Float32Array {
  if (f.receivers.length !== spec.receivers.length || f.receivers.some((id, i) => spec.receivers[i]?.id !== id))
    throw new RangeError(
      `physicsPrior: the features' receivers (${f.receivers.join(', ')}) are not the prior's (${spec.receivers.map((r) => r.id).join(', ')})`,
    );
  const out = new Float32Array(PRIOR_WIDTH);
  let estimate: ReturnType<typeof posteriorMean> | null =
    spec.tdoa && f.tdoa ? tdoaEstimate(spec, f.tdoa, spec.tdoa.txHeightM) : null;
  try {
    estimate ??= posteriorMean(priorObservations(spec, f.scalars, f.mask), modelOf(spec), spec.region);
  } catch (err) {
    if (err instanceof LocateError) return out;
    throw err;
  }
  const [[vee, ven], [, vnn]] = estimate.cov;
  const se = Math.sqrt(vee);
  const sn = Math.sqrt(vnn);
  out.set([estimate.east, estimate.north, se, sn, se > 0 && sn > 0 ? ven / (se * sn) : 0, 1]);
  return out;
}

/** The classical TDOA estimate from the features' time differences, or null when it has none. */
function tdoaEstimate(
  spec: PriorSpec,
  tdoa: TransmissionFeatures['tdoa'],
  txHeightM: number,
): ReturnType<typeof locateTdoa> | null {
  if (tdoa.length < 2) return null;
  const id = (i: number) => (spec.receivers[i] as PriorSpec['receivers'][number]).id;
  try {
    const e = locateTdoa(
      spec.receivers.map((r) => ({ id: r.id, east: r.east, north: r.north, heightM: r.heightM })),
      tdoa.map((t) => ({
        a: id(t.i),
        b: id(t.j),
        seconds: t.seconds,
        sigmaS: t.sigmaS,
        quality: t.quality,
        ...(t.clockSigmaIS === undefined ? {} : { clockSigmaAS: t.clockSigmaIS }),
        ...(t.clockSigmaJS === undefined ? {} : { clockSigmaBS: t.clockSigmaJS }),
      })),
      spec.region,
      { txHeightM },
    );
    // The refinement can leave the region on a wrong peak (tens of km off in a 7 km city): such an
    // estimate is no prior; the power posterior is.
    const [e0, e1] = spec.region.east;
    const [n0, n1] = spec.region.north;
    const margin = 0.25 * Math.max(e1 - e0, n1 - n0);
    if (e.east < e0 - margin || e.east > e1 + margin || e.north < n0 - margin || e.north > n1 + margin) return null;
    return { ...e, ...withinRegion(e, spec.region) };
  } catch (err) {
    if (err instanceof LocateError) return null;
    throw err;
  }
}

/**
 * A TDOA estimate made a posterior over the region: fused with the region's own spread (a uniform
 * W × H rectangle as a Gaussian of variance W²/12, H²/12 about its centre). Where the time
 * differences pin the position (σ ≪ the region), nothing moves; along a direction they leave open
 * (three receivers nearly in line: σ ≈ 10⁸ m one way), the region decides. Without it, such a
 * covariance reached the network as an input of ~10⁵ network units (softplus⁻¹(σ/scale) ≈ σ/scale)
 * and moved two metro-tdoa estimates by 1,300 and 2,000 km.
 */
function withinRegion(
  e: { east: number; north: number; cov: Cov2 },
  region: PriorSpec['region'],
): ReturnType<typeof fuseGaussians> {
  const [e0, e1] = region.east;
  const [n0, n1] = region.north;
  const spread: Cov2 = [
    [(e1 - e0) ** 2 / 12, 0],
    [0, (n1 - n0) ** 2 / 12],
  ];
  return fuseGaussians(e, { east: (e0 + e1) / 2, north: (n0 + n1) / 2, cov: spread });
}

/**
 * THE step between extraction and a model: the prior from the raw scalars (when the model has
 * one), then normalization with the training statistics (when given). The loader and predict both
 * call this, so a transmission reaches the network the same way in training and in inference.
 */
export function prepareForModel(
  f: TransmissionFeatures,
  o: { prior?: PriorSpec | null | undefined; stats?: FeatureStats | undefined },
): TransmissionFeatures {
  if (o.prior) f.prior = physicsPrior(o.prior, f);
  if (o.stats) normalizeFeatures(f, o.stats);
  return f;
}
