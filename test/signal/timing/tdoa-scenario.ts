// One transmission heard by several GPS-timed KiwiSDRs, written as kiwirecorder IQ WAVs and read back with the
// project's reader. The transmitted signal is a continuous-time QPSK waveform with a raised-cosine pulse, evaluated
// exactly at each receiver's true sample instants (start + n / true rate) after its propagation delay — independent
// of the resampler under test. Each receiver's GNSS timestamps follow its true clock (so a 200 ppm sample clock is
// in its timestamps too) with per-fix errors; the fixture's first block is garbage as on real receivers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPEED_OF_LIGHT_M_S } from '../../../src/math/constants.js';
import { readKiwiWav } from '../../../src/signal/formats/kiwi-wav.js';
import type { Recording } from '../../../src/signal/recording.js';
import { prng } from '../../helpers.js';
import { type BlockSpec, generate, kiwiWav } from '../kiwi-wav-fixture.js';

export const NOMINAL_RATE_HZ = 12001;
export const BLOCKS = 200;
export const SYMBOL_RATE_HZ = 4000;
export const ROLLOFF = 0.35;
/** Per-fix GNSS timestamp error added on top of the fixture's ±300 ns uniform jitter (1σ, s). */
export const FIX_SIGMA_S = 150e-9;
const PULSE_SPAN_SYMBOLS = 8;
/** A fresh GNSS fix every 25 blocks (~1.1 s): 8 in a recording. With only 4 (one per 2 s) the reader's robust fit
 * cannot tell a 60 µs stale first fix from the rest (3 of its 6 pairwise slopes are contaminated). */
export const FIX_EVERY_BLOCKS = 25;
const AMPLITUDE = 1000;

export interface SimReceiver {
  id: string;
  east: number;
  north: number;
  heightM: number;
  /** Per-sample SNR over the full band (dB). */
  snrDb: number;
  /** True sample rate relative to the nominal one (e.g. 200e-6 for a clock 200 ppm fast); default +6 ppm. */
  rateErrorPpm?: number;
  /** Offset (ns) of the first fresh GNSS fix: a stale first timestamp. */
  staleFirstFixNs?: bigint;
  /** Blocks overwritten with strong impulsive noise. */
  impulsiveBlocks?: number[];
  /** Start of the recording after the scenario's base time (ms). */
  startOffsetMs: number;
}

export interface SimResult {
  recordings: Recording[];
  paths: string[];
  tx: { east: number; north: number };
  /** Truth: arrival time at receiver id minus emission (s). */
  arrivalS: Map<string, number>;
  trueRateHz: Map<string, number>;
}

function raisedCosine(tSymbols: number): number {
  const x = tSymbols;
  const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
  const d = 1 - (2 * ROLLOFF * x) ** 2;
  if (Math.abs(d) < 1e-9) return (Math.PI / 4) * sinc;
  return (sinc * Math.cos(Math.PI * ROLLOFF * x)) / d;
}

/** RMS bandwidth (Hz) of the raised-cosine spectrum (numerically), for the truth-based CRLB. */
export function rmsBandwidthHz(): number {
  const edge = ((1 + ROLLOFF) * SYMBOL_RATE_HZ) / 2;
  let num = 0;
  let den = 0;
  for (let i = 0; i <= 20000; i++) {
    const f = (i / 20000) * edge;
    const lo = ((1 - ROLLOFF) * SYMBOL_RATE_HZ) / 2;
    const h = f <= lo ? 1 : 0.5 * (1 + Math.cos((Math.PI / (ROLLOFF * SYMBOL_RATE_HZ)) * (f - lo)));
    num += f * f * h * h;
    den += h * h;
  }
  return Math.sqrt(num / den);
}

export function simulate(rx: SimReceiver[], tx: { east: number; north: number }, seed = 1): SimResult {
  const rand = prng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const baseUnixNs = 1_772_366_400_000_000_000n; // 2026-03-01T12:00:00Z
  const emitS = 0.05; // emission of symbol 0 relative to the base (s)
  const symbols = Math.ceil(((BLOCKS * 512) / NOMINAL_RATE_HZ + 0.2) * SYMBOL_RATE_HZ);
  const sym = Array.from({ length: symbols }, () => [rand() < 0.5 ? -1 : 1, rand() < 0.5 ? -1 : 1] as const);
  const signal = (tS: number): [number, number] => {
    const u = tS * SYMBOL_RATE_HZ;
    const k0 = Math.floor(u);
    let re = 0;
    let im = 0;
    for (let k = k0 - PULSE_SPAN_SYMBOLS; k <= k0 + PULSE_SPAN_SYMBOLS; k++) {
      const s = sym[k];
      if (s === undefined) continue;
      const p = raisedCosine(u - k);
      re += s[0] * p;
      im += s[1] * p;
    }
    return [re, im];
  };
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-tdoa-'));
  const arrivalS = new Map<string, number>();
  const trueRateHz = new Map<string, number>();
  const paths: string[] = [];
  rx.forEach((r, idx) => {
    const fs = NOMINAL_RATE_HZ * (1 + (r.rateErrorPpm ?? 6) * 1e-6);
    trueRateHz.set(r.id, fs);
    const startUnixNs = baseUnixNs + BigInt(Math.round(r.startOffsetMs * 1e6));
    const startRelS = Number(startUnixNs - baseUnixNs) * 1e-9;
    const delayS = Math.hypot(tx.east - r.east, tx.north - r.north, r.heightM) / SPEED_OF_LIGHT_M_S;
    arrivalS.set(r.id, delayS);
    // The raised-cosine QPSK has unit-ish power (≈ 2 × 0.9); noise σ per component from the SNR.
    const signalPower = 2 * (1 - ROLLOFF / 4);
    const noiseSigma = Math.sqrt(signalPower / 10 ** (r.snrDb / 10) / 2);
    const n = BLOCKS * 512;
    const samples = new Int16Array(2 * n);
    const clip = (v: number): number => Math.max(-32768, Math.min(32767, Math.round(v)));
    for (let i = 0; i < n; i++) {
      const t = startRelS + i / fs - emitS - delayS;
      const [re, im] = signal(t);
      samples[2 * i] = clip(AMPLITUDE * (re + noiseSigma * gauss()));
      samples[2 * i + 1] = clip(AMPLITUDE * (im + noiseSigma * gauss()));
    }
    for (const b of r.impulsiveBlocks ?? []) {
      for (let i = b * 512; i < (b + 1) * 512; i++) {
        samples[2 * i] = clip(25000 * gauss());
        samples[2 * i + 1] = clip(25000 * gauss());
      }
    }
    const firstFix = 5 + 3 * idx;
    const offsets: Record<number, bigint> = {};
    for (let b = firstFix; b < BLOCKS; b += FIX_EVERY_BLOCKS) offsets[b] = BigInt(Math.round(FIX_SIGMA_S * 1e9 * gauss()));
    if (r.staleFirstFixNs !== undefined) offsets[firstFix] = (offsets[firstFix] ?? 0n) + r.staleFirstFixNs;
    const blocks: BlockSpec[] = generate({
      startUnixNs,
      trueRateHz: fs,
      nominalRateHz: NOMINAL_RATE_HZ,
      blocks: BLOCKS,
      firstFix,
      fixEvery: FIX_EVERY_BLOCKS,
      leapS: 18,
      offsets,
    }).blocks;
    const stamp = new Date(Number(startUnixNs / 1_000_000n))
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const path = join(dir, `${stamp}_7850000_${r.id}_iq.wav`);
    writeFileSync(path, kiwiWav(blocks, samples, { rateHz: NOMINAL_RATE_HZ }));
    paths.push(path);
  });
  return { recordings: paths.map((p) => readKiwiWav(p)), paths, tx, arrivalS, trueRateHz };
}
