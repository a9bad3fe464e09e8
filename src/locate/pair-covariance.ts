// Time differences that share a receiver share its clock error. A pair (a, b) measures τ_ab = t_b − t_a, so a
// receiver's timestamp error e_x (σ_x) enters every pair it is in: +e_x where it is b, −e_x where it is a. Hence
//   cov(τ_ab, τ_cd) = σ_ab²                                    on the diagonal,
//                   = Σ_{x shared} (+1 same role, −1 opposite) σ_x²   off it.
// The pairs of measureTimeDifferences all share one reference receiver r, so their covariance is D + σ_r²·11ᵀ.
// Taken as independent, the reference's clock error is counted once per pair as if it averaged out: the estimate
// leans on it and the ellipse understates it (kiwisdr-hf-tdoa, 1 µs clocks: bench/timing/gap). With this covariance
// the least squares is the maximum-likelihood estimate of the arrival-time model (position, emission time, clocks).
import type { TimeDifferenceObservation } from './types.js';

/** Whitens residual vectors of a fixed list of pairs: y = L⁻¹·v with L·Lᵀ the pairs' covariance. */
export interface PairWhitener {
  /** In place: v ← L⁻¹·v (v holds one value per pair, in the list's order). */
  whiten(v: Float64Array): void;
}

/** The clock σ of receiver `id` in pair `o`, or 0 when the pair does not state it. */
function clockSigma(o: TimeDifferenceObservation, id: string): number {
  if (o.a === id) return o.clockSigmaAS ?? 0;
  if (o.b === id) return o.clockSigmaBS ?? 0;
  return 0;
}

/**
 * The whitener of `obs` (their covariance as above), or null when no pair states its receivers' clock σ — then they
 * are independent and dividing by σ whitens. Throws when a pair's stated clock parts exceed its σ.
 */
export function pairWhitener(obs: readonly TimeDifferenceObservation[]): PairWhitener | null {
  if (!obs.some((o) => (o.clockSigmaAS ?? 0) > 0 || (o.clockSigmaBS ?? 0) > 0)) return null;
  const n = obs.length;
  const c = new Float64Array(n * n);
  for (let p = 0; p < n; p++) {
    const op = obs[p] as TimeDifferenceObservation;
    c[p * n + p] = op.sigmaS ** 2;
    for (let q = 0; q < p; q++) {
      const oq = obs[q] as TimeDifferenceObservation;
      let v = 0;
      for (const [id, sign] of [
        [op.a, -1],
        [op.b, 1],
      ] as const) {
        const s = clockSigma(op, id);
        if (s === 0) continue;
        const inQ = oq.a === id ? -1 : oq.b === id ? 1 : 0;
        // Both pairs must agree on that receiver's clock: take the smaller claim (never more correlation than either).
        if (inQ !== 0) v += sign * inQ * Math.min(s, clockSigma(oq, id)) ** 2;
      }
      c[p * n + q] = v;
      c[q * n + p] = v;
    }
  }
  const l = cholesky(c, n);
  if (l === null) {
    throw new RangeError(
      `time differences ${obs.map((o) => `${o.a}–${o.b}`).join(', ')}: their clock σ's exceed their σ (the covariance is not positive definite)`,
    );
  }
  return {
    whiten(v: Float64Array): void {
      // Forward substitution L·y = v, in place.
      for (let i = 0; i < n; i++) {
        let s = v[i] as number;
        for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (v[k] as number);
        v[i] = s / (l[i * n + i] as number);
      }
    },
  };
}

/** Lower Cholesky factor of the symmetric n×n matrix `a` (row-major), or null when it is not positive definite. */
function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / (l[j * n + j] as number);
      }
    }
  }
  return l;
}
