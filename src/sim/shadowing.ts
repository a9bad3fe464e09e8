// Spatially correlated log-normal shadowing as a Gaussian random field over transmitter
// position, one field per receiver: the "terrain" between that receiver and every place.
//
// The field is a sum of M random cosines (spectral / random-Fourier-feature synthesis). For
// Gudmundson's exponential correlation exp(−r/L), the spectral measure is a bivariate Cauchy
// distribution with scale 1/L, so wave vectors are k = g / (L·|c|) with g ~ N(0, I₂), c ~ N(0, 1).
// Then E[s(x)] = 0, Var = σ², Corr(s(x), s(x+r)) = exp(−|r|/L), and the field can be evaluated at
// any point without a grid, deterministically from its seed.
import type { Rng } from '../math/rng.js';

const COMPONENTS = 256;

export class ShadowingField {
  readonly #kx = new Float64Array(COMPONENTS);
  readonly #ky = new Float64Array(COMPONENTS);
  readonly #phase = new Float64Array(COMPONENTS);
  readonly #scale: number;

  constructor(
    rng: Rng,
    readonly sigmaDb: number,
    readonly decorrelationM: number,
  ) {
    this.#scale = sigmaDb * Math.sqrt(2 / COMPONENTS);
    for (let m = 0; m < COMPONENTS; m++) {
      const c = Math.abs(rng.normal()) * decorrelationM;
      this.#kx[m] = rng.normal() / c;
      this.#ky[m] = rng.normal() / c;
      this.#phase[m] = rng.uniform() * 2 * Math.PI;
    }
  }

  /** Shadowing (dB) at local east/north metres. */
  valueDb(eastM: number, northM: number): number {
    if (this.sigmaDb === 0) return 0;
    let s = 0;
    for (let m = 0; m < COMPONENTS; m++) {
      s += Math.cos((this.#kx[m] as number) * eastM + (this.#ky[m] as number) * northM + (this.#phase[m] as number));
    }
    return this.#scale * s;
  }
}
