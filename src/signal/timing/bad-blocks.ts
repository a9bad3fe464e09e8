// Bad stretches of a recording are zeroed rather than the receiver dropped: blocks of BLOCK_SAMPLES with a
// non-finite sample, blocks that are all zero (gaps, dropped packets), and impulsive blocks whose power is far
// above the recording around them. "Around them" is the larger of the whole recording's median block power and the
// median over ±LOCAL_BLOCKS neighbours, so a transmission that starts mid-recording (a burst of more than
// LOCAL_BLOCKS blocks, ~0.4 s at 12 kHz) is not mistaken for interference however strong it is.

/** 512 complex samples: one KiwiSDR block. */
export const BLOCK_SAMPLES = 512;
/** A block with more than this times the power around it is impulsive interference (20 dB). */
const MAX_POWER_RATIO = 100;
const LOCAL_BLOCKS = 8;

export interface CleanedIq {
  /** A copy of the samples with bad blocks set to zero. */
  iq: Float32Array;
  /** Indices of the zeroed blocks, with why. */
  dropped: { block: number; why: 'non-finite' | 'zero' | 'impulsive' }[];
  /** Complex samples left that are neither zeroed nor in an all-zero block. */
  goodSamples: number;
}

function median(v: number[]): number {
  if (v.length === 0) return 0;
  const s = [...v].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function dropBadBlocks(iq: Float32Array): CleanedIq {
  const n = iq.length / 2;
  const blocks = Math.ceil(n / BLOCK_SAMPLES);
  const power: number[] = new Array(blocks);
  const dropped: CleanedIq['dropped'] = [];
  const bad = new Uint8Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const from = 2 * b * BLOCK_SAMPLES;
    const to = Math.min(iq.length, from + 2 * BLOCK_SAMPLES);
    let p = 0;
    for (let i = from; i < to; i++) p += (iq[i] as number) ** 2;
    power[b] = p / ((to - from) / 2);
    if (!Number.isFinite(p)) {
      bad[b] = 1;
      dropped.push({ block: b, why: 'non-finite' });
    } else if (p === 0) {
      bad[b] = 1;
      dropped.push({ block: b, why: 'zero' });
    }
  }
  const finite = power.filter((_, b) => bad[b] === 0);
  const globalMedian = median(finite);
  for (let b = 0; b < blocks; b++) {
    if (bad[b] === 1) continue;
    const local: number[] = [];
    for (let k = Math.max(0, b - LOCAL_BLOCKS); k <= Math.min(blocks - 1, b + LOCAL_BLOCKS); k++) {
      if (bad[k] === 0) local.push(power[k] as number);
    }
    if ((power[b] as number) > MAX_POWER_RATIO * Math.max(globalMedian, median(local))) {
      bad[b] = 2;
      dropped.push({ block: b, why: 'impulsive' });
    }
  }
  dropped.sort((x, y) => x.block - y.block);
  const out = Float32Array.from(iq);
  let goodSamples = 0;
  for (let b = 0; b < blocks; b++) {
    const from = 2 * b * BLOCK_SAMPLES;
    const to = Math.min(iq.length, from + 2 * BLOCK_SAMPLES);
    if (bad[b] !== 0) out.fill(0, from, to);
    else goodSamples += (to - from) / 2;
  }
  return { iq: out, dropped, goodSamples };
}
