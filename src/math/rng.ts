import { KN, LAYERS, WN, zigguratNormal } from './ziggurat.js';

// Deterministic random numbers for the simulator. One seed names a whole dataset; every sample
// and every part of the "world" (shadowing terrain, calibration errors) derives its own
// independent stream from (seed, labels...), so a sample's content never depends on which
// worker thread made it or in what order.

/** 32-bit mix (a round of MurmurHash3's finalizer), to turn labels into well-spread seeds. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const numberBits = new Float64Array(1);
const numberWords = new Uint32Array(numberBits.buffer);

function hashLabel(label: string | number): number {
  if (typeof label === 'number') {
    // Hash all 64 bits of the double: -1 and 0, 1 and 1.5, 1 and 2^32 all stay distinct.
    numberBits[0] = label;
    return mix32((numberWords[0] as number) ^ mix32((numberWords[1] as number) ^ 0x5bd1e995));
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128-bit state, passes PractRand,
 * and uses only 32-bit integer ops, which V8 runs fast.
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spare: number | null = null;

  /** A stream named by a seed and any labels: new Rng(seed, 'sample', 17). */
  constructor(seed: number, ...labels: (string | number)[]) {
    let h = hashLabel(seed);
    for (const l of labels) h = mix32(h ^ hashLabel(l) ^ 0x9e3779b9);
    this.#a = h;
    this.#b = mix32(h ^ 0x243f6a88);
    this.#c = mix32(h ^ 0x85a308d3);
    this.#d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32(); // let the counter decorrelate the state
  }

  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Shuffles `items` in place (Fisher–Yates, from the last item down) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }

  /** Standard normal (Marsaglia's polar method; the second value of each pair is cached). */
  normal(): number {
    if (this.#spare !== null) {
      const s = this.#spare;
      this.#spare = null;
      return s;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spare = v * f;
    return u * f;
  }

  /** The next value as a signed 32-bit integer (what the ziggurat consumes). */
  readonly nextInt32 = (): number => this.nextUint32() | 0;

  /**
   * Adds complex Gaussian noise of total variance `variance` (split over I and Q) to interleaved
   * IQ. The simulator's hottest loop: the generator state lives in locals and the ziggurat's fast
   * path (98.8 % of draws) is inlined; the rare slow path goes through zigguratNormal().
   */
  addComplexNoise(iq: Float32Array, variance: number): void {
    const sd = Math.sqrt(variance / 2);
    const mask = LAYERS - 1;
    let a = this.#a;
    let b = this.#b;
    let c = this.#c;
    let d = this.#d;
    for (let i = 0; i < iq.length; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      const iz = t & mask;
      let x: number;
      if (Math.abs(t) < (KN[iz] as number)) {
        x = t * (WN[iz] as number);
      } else {
        this.#a = a;
        this.#b = b;
        this.#c = c;
        this.#d = d;
        x = zigguratNormal(this.nextInt32, t);
        a = this.#a;
        b = this.#b;
        c = this.#c;
        d = this.#d;
      }
      iq[i] = (iq[i] as number) + sd * x;
    }
    this.#a = a;
    this.#b = b;
    this.#c = c;
    this.#d = d;
  }
}
