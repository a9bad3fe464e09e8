// Time differences of arrival from simultaneous recordings, for classical TDOA localization (src/locate/tdoa.ts).
// Per recording: its time base (time-base.ts), the timing rule (isPreciselyTimed), bad blocks zeroed
// (bad-blocks.ts), signal detected (spectrum.ts). The usable recordings are resampled onto one time grid — the
// reference's fitted rate, starting at the latest start, as long as the overlap (resample.ts) — so a receiver whose
// sample clock runs 200 ppm fast neither smears the correlation nor biases the lag; then each is correlated with
// the reference (the best SNR, or the next best when few of its pairs correlate) by the maximum-likelihood
// weighted cross-correlation with sub-sample refinement (delay.ts). On the common grid, sample m is the same instant
// by every receiver's clock, so the lag alone is the time difference (start differences are in the grid). Each
// recording is transformed once, whichever reference it is paired with.
// σ of a difference = the weighted estimator's delay CRLB from the measured per-bin SNRs (floored) ⊕ both clocks' σ;
// the clocks' parts are stated apart too, since every pair shares the reference's (src/locate/pair-covariance.ts).

import { greatCircleDistanceM } from '../../geo/distance.js';
import { SPEED_OF_LIGHT_M_S } from '../../math/constants.js';
import type { Recording } from '../recording.js';
import { dropBadBlocks } from './bad-blocks.js';
import { isPreciselyTimed, MAX_TIMESTAMP_SIGMA_S } from './clock-rule.js';
import { correlationSize, estimateDelay, type PreparedSpectrum, prepareSpectrum } from './delay.js';
import { RESAMPLE_HALF_TAPS, resampleIq } from './resample.js';
import { hasSignal, hasTimingBandwidth, type SpectrumSnr, spectrumSnr } from './spectrum.js';
import { type TimeBase, timeBase } from './time-base.js';

/** Plain object matching src/locate's TimeDifferenceObservation: arrival at b minus arrival at a. */
export interface TimingTdoa {
  a: string;
  b: string;
  seconds: number;
  sigmaS: number;
  quality: number;
  /** The σ of a's and of b's timestamps inside `sigmaS`: every pair shares the reference a's (src/locate/pair-covariance.ts). */
  clockSigmaAS?: number;
  clockSigmaBS?: number;
}

export interface TimingReceiver {
  id: string;
  used: boolean;
  reason?: string;
  fittedRateHz?: number;
  droppedBlocks?: number;
}

export interface TimingPair {
  a: string;
  b: string;
  used: boolean;
  reason?: string;
  seconds?: number;
}

export interface TimingResult {
  tdoas: TimingTdoa[];
  receivers: TimingReceiver[];
  pairs: TimingPair[];
}

export interface TimingOptions {
  /** Clocks worse than this (s) take no part; default MAX_TIMESTAMP_SIGMA_S (100 µs). */
  maxTimestampSigmaS?: number;
  /** Pairs whose correlation peak quality (peak / RMS of the rest) is below this are not used; default 6. */
  minQuality?: number;
}

/** Fewer than 3 usable timed receivers: the message names every receiver and why it is (un)usable. */
export class TimingError extends Error {
  constructor(
    message: string,
    readonly receivers: TimingReceiver[],
  ) {
    super(message);
    this.name = 'TimingError';
  }
}

const DEFAULT_MIN_QUALITY = 6;
/** Delay σ floor (samples): sub-sample refinement and interpolation are not exact (see resample.ts). */
const DELAY_FLOOR_SAMPLES = 2e-3;
/** A receiver needs at least this share of good samples, and this many. */
const MIN_GOOD_SHARE = 0.5;
const MIN_GOOD_SAMPLES = 4096;
/**
 * Largest time difference searched (s): half the Earth's circumference over c (67 ms), the most a pair of
 * receivers anywhere can show (HF long path included), since their start offsets are already in the grid.
 * Searching no further lets the transforms be half as long (a power of two ≥ samples + lag, not ≥ 1.5 × samples).
 */
const MAX_LAG_S = 0.07;
/**
 * What a pair's time difference may exceed its baseline over c by (s), when both positions are known: the
 * paths' excess over the straight line. Above 30 MHz that is multipath and non-line-of-sight, whose excess
 * delays are microseconds (TR 38.901 §7.6.9: tens to hundreds of ns in a city); 50 µs leaves an order of
 * magnitude. Below 30 MHz sky waves of different hop counts reach two receivers: 1-hop vs 2-hop at 1,000 km
 * differ by ≈ 1.3 ms (virtual height 300 km), so 3 ms.
 */
const PATH_EXCESS_S = { vhfUp: 50e-6, hf: 3e-3 };
/** Lags the resampler's kernel and the sub-sample refinement may move a peak (samples). */
const LAG_GUARD_SAMPLES = 4;
/** Reference candidates tried, best SNR first. */
const MAX_REFERENCES = 3;

interface Usable {
  index: number;
  r: Recording;
  tb: TimeBase & { sigmaS: number };
  iq: Float32Array;
  snr: SpectrumSnr;
}

const us = (s: number): string => `${(s * 1e6).toPrecision(3)} µs`;

function refuse(receivers: TimingReceiver[], stage: string): never {
  const usable = receivers.filter((r) => r.used).length;
  const list = receivers.map((r) => `${r.id}: ${r.used ? 'usable' : `unusable (${r.reason})`}`).join('; ');
  throw new TimingError(
    `TDOA needs at least 3 usable GNSS-timed receivers ${stage}, but ${usable} of ${receivers.length} are usable — ${list}`,
    receivers,
  );
}

export function measureTimeDifferences(recordings: Recording[], o: TimingOptions = {}): TimingResult {
  const maxSigma = o.maxTimestampSigmaS ?? MAX_TIMESTAMP_SIGMA_S;
  const minQuality = o.minQuality ?? DEFAULT_MIN_QUALITY;
  const receivers: TimingReceiver[] = [];
  const usable: Usable[] = [];
  const seen = new Set<string>();
  recordings.forEach((r, index) => {
    const id = r.receiver.id;
    const entry: TimingReceiver = { id, used: false };
    receivers.push(entry);
    if (seen.has(id)) {
      entry.reason = `a second recording of receiver '${id}' (${r.source})`;
      return;
    }
    seen.add(id);
    const tb = timeBase(r);
    if ('reason' in tb) {
      entry.reason = tb.reason;
      return;
    }
    entry.fittedRateHz = tb.rateHz;
    if (!isPreciselyTimed({ startUnixNs: tb.startUnixNs, timestampSigmaS: tb.sigmaS }, maxSigma)) {
      entry.reason =
        tb.sigmaS === null
          ? 'timestamp accuracy unknown (no GNSS-disciplined clock stated)'
          : `timestamp σ ${us(tb.sigmaS)} > ${us(maxSigma)} (not GNSS-timed)`;
      return;
    }
    const clean = dropBadBlocks(r.iq);
    entry.droppedBlocks = clean.dropped.length;
    const total = r.iq.length / 2;
    if (clean.goodSamples < Math.max(MIN_GOOD_SAMPLES, MIN_GOOD_SHARE * total)) {
      const kinds = [...new Set(clean.dropped.map((d) => d.why))].join('/');
      entry.reason = `too few good samples: ${clean.goodSamples} of ${total} (${clean.dropped.length} ${kinds} blocks zeroed)`;
      return;
    }
    const snr = spectrumSnr(clean.iq);
    if (!hasSignal(snr)) {
      entry.reason = 'no signal: the spectrum is flat at the noise floor';
      return;
    }
    if (!hasTimingBandwidth(snr)) {
      entry.reason = 'an unmodulated carrier: no bandwidth beyond the analysis window, so no arrival time to measure';
      return;
    }
    entry.used = true;
    usable.push({ index, r, tb: tb as TimeBase & { sigmaS: number }, iq: clean.iq, snr });
  });
  if (usable.length < 3) refuse(receivers, 'after the clock and signal checks');

  // The reference is the best-SNR receiver, unless it heard something the others did not (few of its pairs
  // correlate): then the next best, up to MAX_REFERENCES tries, keeping the one with the most usable pairs.
  const bySnr = [...usable].sort((x, y) => y.snr.snr - x.snr.snr);
  const grid = commonGrid(usable, (bySnr[0] as Usable).tb.rateHz, receivers);
  const maxLag = Math.min(Math.floor(grid.samples / 2), Math.ceil(MAX_LAG_S * grid.rateHz));
  const size = correlationSize(grid.samples, maxLag);
  const spectra = new Map(usable.map((u) => [u, prepareSpectrum(resampleOnto(u, grid), grid.samples, size, u.snr)]));
  let best: Correlated | null = null;
  for (const ref of bySnr.slice(0, MAX_REFERENCES)) {
    const c = correlateWith(ref, usable, spectra, grid, maxLag, minQuality);
    if (best === null || c.tdoas.length > best.tdoas.length) best = c;
    if (c.tdoas.length === usable.length - 1) break;
  }
  const { tdoas, pairs, failed } = best as Correlated;
  for (const [u, reason] of failed) {
    const entry = receivers[u.index] as TimingReceiver;
    entry.used = false;
    entry.reason = reason;
  }
  if (receivers.filter((r) => r.used).length < 3) refuse(receivers, 'after correlation with the reference');
  return { tdoas, receivers, pairs };
}

interface Correlated {
  tdoas: TimingTdoa[];
  pairs: TimingPair[];
  /** Receivers whose pair with the reference has no clear peak, with the reason. */
  failed: Map<Usable, string>;
}

/** Every other aligned recording correlated with `ref`; lag on the common grid = time difference. */
function correlateWith(
  ref: Usable,
  usable: Usable[],
  spectra: Map<Usable, PreparedSpectrum>,
  grid: Grid,
  maxLag: number,
  minQuality: number,
): Correlated {
  const refSpectrum = spectra.get(ref) as PreparedSpectrum;
  const out: Correlated = { tdoas: [], pairs: [], failed: new Map() };
  for (const u of usable) {
    if (u === ref) continue;
    const a = ref.r.receiver.id;
    const b = u.r.receiver.id;
    const g = estimateDelay(refSpectrum, spectra.get(u) as PreparedSpectrum, maxLag, pairMaxLag(ref, u, grid, maxLag));
    const seconds = g.lagSamples / grid.rateHz;
    if (!(g.quality >= minQuality)) {
      const reason = `correlation peak quality ${g.quality.toFixed(1)} < ${minQuality} (no clear common signal)`;
      out.pairs.push({ a, b, used: false, reason, seconds });
      out.failed.set(u, `its pair with the reference ${a}: ${reason}`);
      continue;
    }
    const delaySigmaS = Math.max(g.sigmaSamples, DELAY_FLOOR_SAMPLES) / grid.rateHz;
    const sigmaS = Math.sqrt(delaySigmaS ** 2 + ref.tb.sigmaS ** 2 + u.tb.sigmaS ** 2);
    out.tdoas.push({ a, b, seconds, sigmaS, quality: g.quality, clockSigmaAS: ref.tb.sigmaS, clockSigmaBS: u.tb.sigmaS });
    out.pairs.push({ a, b, used: true, seconds });
  }
  return out;
}

/**
 * The largest lag physics allows between two receivers (the peak is searched there; `quality` still compares it
 * with every lag up to `maxLag`): their baseline over c, plus the paths' excess
 * (PATH_EXCESS_S) and 5σ of both clocks, never more than `maxLag`. Searching further only lets a sidelobe
 * (a LoRa chirp repeats every symbol, 1 ms at SF7) or an interferer win: on metro-tdoa an unbounded search
 * once returned a difference 70 ms off inside a 7 km network. Without both positions: `maxLag`.
 */
function pairMaxLag(a: Usable, b: Usable, grid: Grid, maxLag: number): number {
  const pa = a.r.receiver;
  const pb = b.r.receiver;
  if (pa.lat === undefined || pa.lon === undefined || pb.lat === undefined || pb.lon === undefined) return maxLag;
  const baselineS = greatCircleDistanceM({ lat: pa.lat, lon: pa.lon }, { lat: pb.lat, lon: pb.lon }) / SPEED_OF_LIGHT_M_S;
  const excessS = a.r.centerFreqHz < 30e6 ? PATH_EXCESS_S.hf : PATH_EXCESS_S.vhfUp;
  const clocksS = 5 * Math.hypot(a.tb.sigmaS, b.tb.sigmaS);
  return Math.min(maxLag, Math.ceil((baselineS + excessS + clocksS) * grid.rateHz) + LAG_GUARD_SAMPLES);
}

interface Grid {
  rateHz: number;
  startUnixNs: bigint;
  samples: number;
}

/** Common rate, start = the latest start, length = the overlap less the kernel's half width at the end. */
function commonGrid(usable: Usable[], rateHz: number, receivers: TimingReceiver[]): Grid {
  const startUnixNs = usable.reduce((m, u) => (u.tb.startUnixNs > m ? u.tb.startUnixNs : m), usable[0]?.tb.startUnixNs as bigint);
  let endS = Number.POSITIVE_INFINITY;
  for (const u of usable) {
    const offsetS = Number(startUnixNs - u.tb.startUnixNs) * 1e-9;
    endS = Math.min(endS, (u.r.iq.length / 2 - RESAMPLE_HALF_TAPS) / u.tb.rateHz - offsetS);
  }
  const samples = Math.floor(endS * rateHz);
  if (!(samples > 0)) {
    throw new TimingError(
      `the recordings do not overlap in time (${usable.map((u) => `${u.r.receiver.id} starts ${u.tb.startUnixNs} ns, ${(u.r.iq.length / 2 / u.tb.rateHz).toFixed(3)} s long`).join('; ')})`,
      receivers,
    );
  }
  return { rateHz, startUnixNs, samples };
}

/** Sample m of the grid is time grid.start + m / grid.rate, which is sample (start − own start)·rate + m·rate/grid.rate here. */
function resampleOnto(u: Usable, grid: Grid): Float32Array {
  const offsetS = Number(grid.startUnixNs - u.tb.startUnixNs) * 1e-9;
  return resampleIq(u.iq, offsetS * u.tb.rateHz, u.tb.rateHz / grid.rateHz, grid.samples);
}
