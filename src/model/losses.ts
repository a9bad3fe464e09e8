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
  const cols = diagonal ? 2 : 3;
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
    const sigmaE = raw.select(1, 0).softplus().add(o.floor);
    const sigmaN = raw.select(1, 1).softplus().add(o.floor);
    const rho = o.diagonal ? zeros([raw.shape[0] ?? 0], raw.dtype) : raw.select(1, 2).tanh().mul(RHO_SCALE);
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
function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

/**
 * Plain-JS covariance per sample from flat raw outputs (row-major [B, 3], or [B, 2] when
 * diagonal), with the same formulas as covarianceParams. `scale` converts the normalized units
 * to the evaluation's units (e.g. metres per unit): Σ is multiplied by scale².
 */
export function covarianceFromRaw(
  raw: Float32Array | Float64Array | number[],
  o: { floor?: number; diagonal?: boolean; scale?: number } = {},
): Cov2[] {
  const floor = o.floor ?? DEFAULT_SIGMA_FLOOR;
  const diagonal = o.diagonal ?? false;
  const scale = o.scale ?? 1;
  checkFloor(floor, 'covarianceFromRaw');
  if (!(Number.isFinite(scale) && scale > 0)) {
    throw new RangeError(`covarianceFromRaw: scale must be a finite positive number, got ${scale}`);
  }
  const cols = diagonal ? 2 : 3;
  if (raw.length % cols !== 0) {
    throw new RangeError(
      `covarianceFromRaw: raw length ${raw.length} is not a multiple of ${cols} (${diagonal ? 'diagonal' : 'full'})`,
    );
  }
  const out: Cov2[] = [];
  const s2 = scale * scale;
  for (let i = 0; i < raw.length; i += cols) {
    const a = raw[i] as number;
    const b = raw[i + 1] as number;
    const c = diagonal ? 0 : (raw[i + 2] as number);
    if (!(Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c))) {
      throw new RangeError(`covarianceFromRaw: sample ${i / cols} has a non-finite raw value [${a}, ${b}, ${c}]`);
    }
    const sE = softplus(a) + floor;
    const sN = softplus(b) + floor;
    const rho = Math.tanh(c) * RHO_SCALE;
    const off = rho * sE * sN * s2;
    out.push([
      [sE * sE * s2, off],
      [off, sN * sN * s2],
    ]);
  }
  return out;
}
