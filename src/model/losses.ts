// The localization loss: a 2-D Gaussian negative log-likelihood whose covariance the model
// predicts through a Cholesky parameterization, so Σ is positive definite by construction.
//
// Raw outputs (a, b, c) per sample: σₑ = softplus(a) + floor, σₙ = softplus(b) + floor,
// ρ = tanh(c)·(1 − 1e-3); L = [[σₑ, 0], [ρσₙ, √(1−ρ²)σₙ]], Σ = L·Lᵀ = [[σₑ², ρσₑσₙ], [ρσₑσₙ, σₙ²]].
// The diagonal variant has only (a, b) and ρ = 0.

import { zeros } from '../engine/creation.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import type { Cov2 } from '../math/gaussian2d.js';

/** tanh(c) is scaled by this so |ρ| ≤ 0.999 and 1 − ρ² ≥ ~2e-3 even when tanh saturates. */
export const RHO_SCALE = 1 - 1e-3;
/** Default σ floor, in the normalized units of pred/target. */
export const DEFAULT_SIGMA_FLOOR = 1e-3;

const LOG_2PI = Math.log(2 * Math.PI);

export interface CovarianceOptions {
  floor: number;
  diagonal: boolean;
}

function checkFloor(floor: number, fn: string): void {
  if (!(Number.isFinite(floor) && floor > 0)) {
    throw new RangeError(`${fn}: floor must be a finite positive number, got ${floor}`);
  }
}

function checkRawShape(raw: Tensor, diagonal: boolean, fn: string): void {
  const cols = rawColumns(diagonal);
  const s = raw.shape;
  if (s.length !== 2 || s[1] !== cols) {
    throw new RangeError(
      `${fn}: raw must have shape [B, ${cols}] (${diagonal ? 'diagonal' : 'full'} covariance), got [${s.join(', ')}]`,
    );
  }
}

/** σₑ, σₙ, ρ (each [B]) from raw outputs [B, 3] ([B, 2] when diagonal; ρ is then zeros). */
export function covarianceParams(raw: Tensor, o: CovarianceOptions): { sigmaE: Tensor; sigmaN: Tensor; rho: Tensor } {
  checkRawShape(raw, o.diagonal, 'covarianceParams');
  checkFloor(o.floor, 'covarianceParams');
  return tidy(() => {
    const sigmaE = raw.select(1, RAW_INDEX.sigmaE).softplus().add(o.floor);
    const sigmaN = raw.select(1, RAW_INDEX.sigmaN).softplus().add(o.floor);
    const rho = o.diagonal ? zeros([raw.shape[0] ?? 0], raw.dtype) : raw.select(1, RAW_INDEX.rho).tanh().mul(RHO_SCALE);
    return { sigmaE, sigmaN, rho };
  });
}

/**
 * Mean over the batch of −log N(target; pred, Σ), through the Cholesky factor (no Σ⁻¹, no det):
 * d = target − pred, z₁ = dₑ/σₑ, z₂ = (dₙ − ρσₙz₁)/(σₙ√(1−ρ²)),
 * NLL = ½(z₁² + z₂²) + log σₑ + log σₙ + ½ log(1−ρ²) + log 2π.
 * pred, target: [B, 2] (east, north); raw: [B, 3] ([B, 2] with `diagonal`).
 * The σ floor and the ρ scaling keep every term finite for any finite raw output.
 */
export function gaussianNll(pred: Tensor, raw: Tensor, target: Tensor, o: { floor?: number; diagonal?: boolean } = {}): Tensor {
  const floor = o.floor ?? DEFAULT_SIGMA_FLOOR;
  const diagonal = o.diagonal ?? false;
  const ps = pred.shape;
  const ts = target.shape;
  if (ps.length !== 2 || ps[1] !== 2) throw new RangeError(`gaussianNll: pred must have shape [B, 2], got [${ps.join(', ')}]`);
  if (ts.length !== 2 || ts[0] !== ps[0] || ts[1] !== 2) {
    throw new RangeError(`gaussianNll: target must have shape [${ps[0]}, 2] like pred, got [${ts.join(', ')}]`);
  }
  checkRawShape(raw, diagonal, 'gaussianNll');
  if (raw.shape[0] !== ps[0]) {
    throw new RangeError(`gaussianNll: raw has ${raw.shape[0]} rows but pred has ${ps[0]}`);
  }
  if ((ps[0] ?? 0) === 0) throw new RangeError('gaussianNll: empty batch');
  return tidy(() => {
    const { sigmaE, sigmaN, rho } = covarianceParams(raw, { floor, diagonal });
    const d = target.sub(pred);
    const dE = d.select(1, 0);
    const dN = d.select(1, 1);
    const z1 = dE.div(sigmaE);
    let quad: Tensor;
    let logDetHalf: Tensor; // ½ log det Σ = log σₑ + log σₙ + ½ log(1−ρ²)
    if (diagonal) {
      const z2 = dN.div(sigmaN);
      quad = z1.mul(z1).add(z2.mul(z2));
      logDetHalf = sigmaE.log().add(sigmaN.log());
    } else {
      // 1 − ρ² as (1 − ρ)(1 + ρ): no cancellation near |ρ| → 1.
      const oneMinusRho2 = rho.neg().add(1).mul(rho.add(1));
      const z2 = dN.sub(rho.mul(sigmaN).mul(z1)).div(sigmaN.mul(oneMinusRho2.sqrt()));
      quad = z1.mul(z1).add(z2.mul(z2));
      logDetHalf = sigmaE.log().add(sigmaN.log()).add(oneMinusRho2.log().mul(0.5));
    }
    return quad.mul(0.5).add(logDetHalf).add(LOG_2PI).mean();
  });
}

/** softplus as libtorch computes it (beta 1, threshold 20: linear above 20). */
export function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

/** Column of each parameter in a raw-output row [a, b, c]; the diagonal variant has no c. */
export const RAW_INDEX = { sigmaE: 0, sigmaN: 1, rho: 2 } as const;
/** Raw outputs per sample: 3, or 2 for the diagonal variant. */
export const rawColumns = (diagonal: boolean): 2 | 3 => (diagonal ? 2 : 3);

/** One sample's σₑ, σₙ (in the units `scale` converts to) and ρ. */
export interface SigmaRho {
  sigmaE: number;
  sigmaN: number;
  rho: number;
}

/**
 * THE plain-number σ/ρ post-processing (covarianceParams' formulas), shared by evaluation, export
 * verification, the ONNX parity tests and inference: σ = (softplus(raw) + floor)·scale,
 * ρ = tanh(c)·RHO_SCALE (0 when diagonal). `raw` is row-major [B, 3] ([B, 2] when diagonal).
 * Non-finite raw values give non-finite σ/ρ (export verification must see them, not throw).
 */
export function sigmaRhoFromRaw(raw: RawOutputs, o: PostProcessing = {}): SigmaRho[] {
  return sigmaRhoRows(raw, o, 'sigmaRhoFromRaw');
}

type RawOutputs = Float32Array | Float64Array | number[];
export interface PostProcessing {
  floor?: number;
  diagonal?: boolean;
  scale?: number;
}

function sigmaRhoRows(raw: RawOutputs, o: PostProcessing, fn: string): SigmaRho[] {
  const floor = o.floor ?? DEFAULT_SIGMA_FLOOR;
  const diagonal = o.diagonal ?? false;
  const scale = o.scale ?? 1;
  checkFloor(floor, fn);
  if (!(Number.isFinite(scale) && scale > 0)) {
    throw new RangeError(`${fn}: scale must be a finite positive number, got ${scale}`);
  }
  const cols = rawColumns(diagonal);
  if (raw.length % cols !== 0) {
    throw new RangeError(`${fn}: raw length ${raw.length} is not a multiple of ${cols} (${diagonal ? 'diagonal' : 'full'})`);
  }
  const out: SigmaRho[] = [];
  for (let i = 0; i < raw.length; i += cols) {
    out.push({
      sigmaE: (softplus(raw[i + RAW_INDEX.sigmaE] as number) + floor) * scale,
      sigmaN: (softplus(raw[i + RAW_INDEX.sigmaN] as number) + floor) * scale,
      rho: diagonal ? 0 : Math.tanh(raw[i + RAW_INDEX.rho] as number) * RHO_SCALE,
    });
  }
  return out;
}

/** Σ = [[σₑ², ρσₑσₙ], [ρσₑσₙ, σₙ²]] of one sample. */
export function covarianceOf(s: SigmaRho): Cov2 {
  const off = s.rho * s.sigmaE * s.sigmaN;
  return [
    [s.sigmaE * s.sigmaE, off],
    [off, s.sigmaN * s.sigmaN],
  ];
}

/**
 * Covariance per sample from flat raw outputs (sigmaRhoFromRaw, then covarianceOf). `scale`
 * converts the normalized units to the evaluation's units (e.g. metres per unit, times a σ
 * calibration factor): Σ is multiplied by scale². Refuses non-finite raw values (evaluation
 * must not average NaN into its metrics).
 */
export function covarianceFromRaw(raw: RawOutputs, o: PostProcessing = {}): Cov2[] {
  const cols = rawColumns(o.diagonal ?? false);
  for (let i = 0; i < raw.length; i++) {
    if (!Number.isFinite(raw[i] as number)) {
      const row = Math.floor(i / cols);
      const values = Array.from(raw.slice(row * cols, row * cols + cols));
      throw new RangeError(`covarianceFromRaw: sample ${row} has a non-finite raw value [${values.join(', ')}]`);
    }
  }
  return sigmaRhoRows(raw, o, 'covarianceFromRaw').map(covarianceOf);
}

/** The inverse of softplus (for y > 0): the raw value whose softplus is y. */
export function softplusInverse(y: number): number {
  return y > 20 ? y : Math.log(Math.expm1(y));
}

/**
 * The raw outputs [a, b, c] that sigmaRhoFromRaw maps to (σₑ, σₙ, ρ) in units of `scale`: the
 * inverse of THE post-processing, so a covariance computed elsewhere (the physics prior) enters
 * the network in its own parameterization. σ at or below the floor maps to the floor (+1e-6).
 */
export function rawFromSigmaRho(s: SigmaRho, o: { floor?: number; scale?: number } = {}): [number, number, number] {
  const floor = o.floor ?? DEFAULT_SIGMA_FLOOR;
  const scale = o.scale ?? 1;
  const raw = (sigma: number) => softplusInverse(Math.max(sigma / scale - floor, 1e-6));
  const rho = Math.max(-RHO_SCALE + 1e-6, Math.min(RHO_SCALE - 1e-6, s.rho)) / RHO_SCALE;
  return [raw(s.sigmaE), raw(s.sigmaN), Math.atanh(rho)];
}
