// mulberry32: a tiny deterministic PRNG, in a module of its own so that benches (bench/fuzz, bench/crash) take
// the same stream without loading the engine that test/helpers.ts brings in.

/** Uniform values in [0, 1): each is a mulberry32 32-bit output divided by 2³² (exactly, in float64). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
