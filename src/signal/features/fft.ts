// In-place iterative radix-2 complex FFT on interleaved (re, im) Float64Arrays. Twiddles and the
// bit-reversal permutation are computed once per size and reused: feature extraction runs
// thousands of same-size transforms.

interface Plan {
  n: number;
  cos: Float64Array;
  sin: Float64Array;
  reverse: Uint32Array;
}

const plans = new Map<number, Plan>();

function plan(n: number): Plan {
  let p = plans.get(n);
  if (p !== undefined) return p;
  if (n < 2 || (n & (n - 1)) !== 0) throw new RangeError(`fft: size must be a power of two >= 2, got ${n}`);
  const bits = Math.log2(n);
  const reverse = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    reverse[i] = r;
  }
  const cos = new Float64Array(n / 2);
  const sin = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  p = { n, cos, sin, reverse };
  plans.set(n, p);
  return p;
}

/**
 * X[k] = Σₙ x[n]·e^{−j2πkn/N} (forward) or Σₖ X[k]·e^{+j2πkn/N} (inverse, unscaled), in place on
 * interleaved data of N complex values.
 */
export function fft(data: Float64Array, inverse = false): void {
  const n = data.length / 2;
  const { cos, sin, reverse } = plan(n);
  for (let i = 0; i < n; i++) {
    const j = reverse[i] as number;
    if (j > i) {
      const re = data[2 * i] as number;
      const im = data[2 * i + 1] as number;
      data[2 * i] = data[2 * j] as number;
      data[2 * i + 1] = data[2 * j + 1] as number;
      data[2 * j] = re;
      data[2 * j + 1] = im;
    }
  }
  const sign = inverse ? -1 : 1;
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step] as number;
        const wi = sign * (sin[k * step] as number);
        const a = 2 * (start + k);
        const b = 2 * (start + k + half);
        const br = data[b] as number;
        const bi = data[b + 1] as number;
        const tr = wr * br - wi * bi;
        const ti = wr * bi + wi * br;
        const ar = data[a] as number;
        const ai = data[a + 1] as number;
        data[b] = ar - tr;
        data[b + 1] = ai - ti;
        data[a] = ar + tr;
        data[a + 1] = ai + ti;
      }
    }
  }
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}
