// Time delay between two noisy recordings of one signal by generalized cross-correlation with the maximum-
// likelihood weighting (Knapp & Carter, "The generalized correlation method for estimation of time delay",
// IEEE Trans. ASSP 24(4), 1976, eq. 26 — the Hannan–Thomson processor):
//   R(τ) = Σ_k H_k · A*_k B_k · e^{+j2πkτ/M},   H_k = |γ_k|² / ((1 − |γ_k|²) · |G_ab,k|) ∝ √(a_k b_k) / (1 + a_k + b_k),
// with a_k, b_k the per-bin SNRs of the two recordings (spectrum.ts, Welch, interpolated onto the M-point grid);
// the ∝ drops a constant (the noise levels), which does not move the peak. Bins where either recording has no
// signal get no weight, so a narrowband signal is not buried by the noise of the empty band (PHAT's weakness), and
// strong bins are not allowed to dominate (plain correlation's weakness). With these weights the estimator's
// variance reaches the CRLB of spectrum.ts's delayCrlbS above the threshold SNR, so that bound is the pair's σ.
// We maximize |R(τ)| (the carrier phases of two receivers are unrelated), so only the spread of the weights
// about their centroid informs, as in delayCrlbS.
// A carrier-frequency difference between the receivers is measured from the phase drift of the lag product (b taken
// at the sub-sample delay) and removed, and the pair correlated again until the delay settles (MAX_OFFSET_PASSES).
// Sub-sample refinement: a parabola through |R|² at the integer peak, then Newton steps on |R(τ)|² evaluated
// exactly (the DTFT of the weighted cross-spectrum) over the contiguous range of weighted bins only — three
// passes over those bins instead of the ~25 full-length passes of a golden-section search, and unbiased (the
// parabola alone is biased by up to ~0.15 sample on complex baseband peaks).
import { fft, nextPowerOfTwo } from '../features/fft.js';
import { delayCrlbS, type SpectrumSnr, spectrumSnr } from './spectrum.js';

export interface DelayEstimate {
  /** Lag of b behind a (samples): b[n] ≈ a[n − lag]. */
  lagSamples: number;
  /** Delay CRLB of the weighted estimator from the per-bin SNRs (samples); Infinity when no bin is common. */
  sigmaSamples: number;
  /** Peak height over the RMS of the rest of the correlation (|lag − peak| > 2): > ~6 is a clear peak. */
  quality: number;
  /** b's carrier minus a's (cycles/sample) when it was large enough to be removed before the final estimate; else 0. */
  frequencyOffsetPerSample: number;
}

/** One recording's transform, ready to be correlated with others of the same size. */
export interface PreparedSpectrum {
  /** The samples themselves (interleaved; not copied): the carrier-offset check works in the time domain. */
  iq: Float32Array;
  /** FFT of the first `samples` complex samples, zero-padded to `size` (interleaved). */
  spectrum: Float64Array;
  size: number;
  samples: number;
  snr: SpectrumSnr;
}

const NEWTON_STEPS = 3;
/**
 * Most passes of (measure b's carrier offset against a at the current delay, remove it, correlate again). A few
 * hundredths of a hertz between two receivers (a Doppler of 0.1 Hz, GNSS-disciplined oscillators 1e-3 ppm apart at
 * 433 MHz) over a one-second FSK burst shift the peak by microseconds through the signal's time–frequency coupling
 * (its realized data correlate instantaneous frequency with time): up to 8·10⁻⁴ s per Hz on a NAVTEX burst, so the
 * offset must be right to ~10⁻⁴ Hz and no threshold is small enough to skip it. Each pass measures the offset at a
 * delay the remaining offset biased less; they stop when the offset settles (OFFSET_SETTLED_CYCLES) or the delay moves
 * by less than a tenth of its σ or OFFSET_CONVERGED_SAMPLES (1–2 passes at moderate SNR; at 60 dB a strongly coupled
 * burst with 1 Hz needs 5).
 */
const MAX_OFFSET_PASSES = 6;
const OFFSET_CONVERGED_SAMPLES = 1e-4;
/**
 * An offset that differs from the one already removed by less than this (cycles over the window) is not removed
 * again: 10⁻⁴ Hz over 1 s moves a NAVTEX delay by < 0.1 µs. GNSS-disciplined receivers without Doppler stop here
 * on the first pass, with no second correlation.
 */
const OFFSET_SETTLED_CYCLES = 1e-4;
/** Samples left out at each end of the overlap when measuring the offset (the resampler's edges). */
const OFFSET_EDGE_SAMPLES = 16;
const OFFSET_BLOCKS = 16;
/** |Σ z_k z*_{k−1}| / Σ |z_k||z_{k−1}| below this: the drift is noise, leave it. */
const MIN_OFFSET_COHERENCE = 0.5;
/** Weights below this share of the largest are dropped (they carry nothing but cost refinement passes). */
const MIN_WEIGHT_SHARE = 1e-4;

/** Transform size for lags up to ±maxLag over `samples`: large enough that circular lags do not wrap. */
export function correlationSize(samples: number, maxLag: number): number {
  return nextPowerOfTwo(samples + maxLag + 1);
}

export function prepareSpectrum(iq: Float32Array, samples: number, size: number, snr: SpectrumSnr): PreparedSpectrum {
  if (!(samples > 0 && 2 * samples <= iq.length)) {
    throw new RangeError(`prepareSpectrum: samples must be within 1 … ${iq.length / 2}, got ${samples}`);
  }
  if (size < samples) throw new RangeError(`prepareSpectrum: size ${size} is smaller than samples ${samples}`);
  const spectrum = new Float64Array(2 * size);
  for (let i = 0; i < 2 * samples; i++) spectrum[i] = iq[i] as number;
  fft(spectrum);
  return { iq, spectrum, size, samples, snr };
}

/** ML weights on the Welch grid and the range (signed Welch bins) where any is non-zero. */
function welchWeights(a: SpectrumSnr, b: SpectrumSnr): { h: Float64Array; lo: number; hi: number } | null {
  const L = a.binSnr.length;
  const h = new Float64Array(L);
  let max = 0;
  for (let l = 0; l < L; l++) {
    const sa = a.binSnr[l] as number;
    const sb = b.binSnr[l] as number;
    h[l] = Math.sqrt(sa * sb) / (1 + sa + sb);
    if ((h[l] as number) > max) max = h[l] as number;
  }
  if (!(max > 0)) return null;
  let lo = L;
  let hi = -L;
  for (let l = 0; l < L; l++) {
    if ((h[l] as number) < MIN_WEIGHT_SHARE * max) {
      h[l] = 0;
      continue;
    }
    const signed = l < L / 2 ? l : l - L;
    lo = Math.min(lo, signed);
    hi = Math.max(hi, signed);
  }
  return { h, lo, hi };
}

/**
 * Delay of b behind a from their prepared spectra (same size and samples), searching |lag| ≤ searchLag
 * (default maxLag, default samples/2). `quality` compares that peak with the correlation at every other lag
 * within ±maxLag, so a narrow search still tells a clear peak from a sidelobe or noise just outside it.
 */
export function estimateDelay(
  a: PreparedSpectrum,
  b: PreparedSpectrum,
  maxLag = Math.floor(a.samples / 2),
  searchLag = maxLag,
): DelayEstimate {
  const M = a.size;
  if (b.size !== M || b.samples !== a.samples) {
    throw new RangeError(`estimateDelay: spectra differ in size (${M} vs ${b.size}) or samples (${a.samples} vs ${b.samples})`);
  }
  if (M < a.samples + maxLag + 1) throw new RangeError(`estimateDelay: size ${M} too small for maxLag ${maxLag}`);
  const lags = { max: maxLag, search: Math.max(1, Math.min(searchLag, maxLag)) };
  let est = correlatePair(a, b.spectrum, b.snr, lags);
  let nu = 0;
  for (let pass = 0; pass < MAX_OFFSET_PASSES; pass++) {
    const measured = frequencyOffset(a.iq, b.iq, a.samples, est.lagSamples);
    // Nothing (left) to remove: the offset is what the last correlation already took out.
    if (measured === null || Math.abs(measured - nu) * a.samples < OFFSET_SETTLED_CYCLES) break;
    nu = measured;
    const next = correlatePair(a, derotatedSpectrum(b, nu), b.snr, lags);
    const moved = Math.abs(next.lagSamples - est.lagSamples);
    est = next;
    // Settled when the delay moves by less than a tenth of its own σ (at low SNR one pass does it) or 10⁻⁴ sample.
    if (moved < Math.max(OFFSET_CONVERGED_SAMPLES, 0.1 * est.sigmaSamples)) break;
  }
  return { ...est, frequencyOffsetPerSample: nu };
}

/** The spectrum of b with its carrier offset `nu` (cycles/sample) relative to a removed. */
function derotatedSpectrum(b: PreparedSpectrum, nu: number): Float64Array {
  const out = new Float64Array(2 * b.size);
  for (let n = 0; n < b.samples; n++) {
    const ph = -2 * Math.PI * nu * n;
    const c = Math.cos(ph);
    const sn = Math.sin(ph);
    const re = b.iq[2 * n] as number;
    const im = b.iq[2 * n + 1] as number;
    out[2 * n] = re * c - im * sn;
    out[2 * n + 1] = re * sn + im * c;
  }
  fft(out);
  return out;
}

/**
 * b's carrier frequency minus a's (cycles/sample) from the phase drift of the lag product conj(a[n])·b[n + lag] over
 * OFFSET_BLOCKS blocks of the overlap, b taken at the sub-sample lag by linear interpolation (its phase error is
 * < 10⁻³ rad up to an eighth of the sample rate, while rounding the lag would tie the product's phase to the
 * instantaneous frequency); or null when the drift is not coherent enough to tell (noise, no common signal). A first
 * value from the products of consecutive blocks (unambiguous within ±1/(2·block length)), then a magnitude-weighted
 * least-squares line through the blocks' remaining phases, which uses the whole overlap's span instead of one block's.
 */
function frequencyOffset(a: Float32Array, b: Float32Array, samples: number, lag: number): number | null {
  const whole = Math.floor(lag);
  const frac = lag - whole;
  const from = Math.max(0, -whole) + OFFSET_EDGE_SAMPLES;
  const to = Math.min(samples, samples - whole - 1) - OFFSET_EDGE_SAMPLES;
  const block = Math.floor((to - from) / OFFSET_BLOCKS);
  if (block < 16) return null;
  // Per block: the lag product's sum and its time centroid (a burst may fill a block only in part).
  const z = new Float64Array(2 * OFFSET_BLOCKS);
  const t = new Float64Array(OFFSET_BLOCKS);
  for (let k = 0; k < OFFSET_BLOCKS; k++) {
    let zr = 0;
    let zi = 0;
    let mass = 0;
    let moment = 0;
    for (let n = from + k * block; n < from + (k + 1) * block; n++) {
      const ar = a[2 * n] as number;
      const ai = a[2 * n + 1] as number;
      const m = n + whole;
      const br = (1 - frac) * (b[2 * m] as number) + frac * (b[2 * m + 2] as number);
      const bi = (1 - frac) * (b[2 * m + 1] as number) + frac * (b[2 * m + 3] as number);
      const pr = ar * br + ai * bi; // conj(a)·b
      const pi = ar * bi - ai * br;
      zr += pr;
      zi += pi;
      const mag = Math.hypot(pr, pi);
      mass += mag;
      moment += mag * n;
    }
    z[2 * k] = zr;
    z[2 * k + 1] = zi;
    t[k] = mass > 0 ? moment / mass : from + (k + 0.5) * block;
  }
  let pr = 0;
  let pi = 0;
  let mags = 0;
  for (let k = 1; k < OFFSET_BLOCKS; k++) {
    const [zr, zi, lr, li] = [z[2 * k], z[2 * k + 1], z[2 * k - 2], z[2 * k - 1]] as [number, number, number, number];
    pr += zr * lr + zi * li; // z_k · conj(z_{k−1})
    pi += zi * lr - zr * li;
    mags += Math.hypot(zr, zi) * Math.hypot(lr, li);
  }
  if (!(mags > 0) || Math.hypot(pr, pi) < MIN_OFFSET_COHERENCE * mags) return null;
  const coarse = Math.atan2(pi, pr) / (2 * Math.PI * block);
  // Weighted line through the phases left after the coarse value, taken about their mean phasor (then they are
  // small, so no unwrapping), over the blocks' centroids.
  const residual = new Float64Array(2 * OFFSET_BLOCKS);
  let mr = 0;
  let mi = 0;
  for (let k = 0; k < OFFSET_BLOCKS; k++) {
    const ph = -2 * Math.PI * coarse * (t[k] as number);
    const zr = z[2 * k] as number;
    const zi = z[2 * k + 1] as number;
    residual[2 * k] = zr * Math.cos(ph) - zi * Math.sin(ph);
    residual[2 * k + 1] = zr * Math.sin(ph) + zi * Math.cos(ph);
    mr += residual[2 * k] as number;
    mi += residual[2 * k + 1] as number;
  }
  let sw = 0;
  let st = 0;
  let sp = 0;
  let stt = 0;
  let stp = 0;
  for (let k = 0; k < OFFSET_BLOCKS; k++) {
    const tk = t[k] as number;
    const rr = residual[2 * k] as number;
    const ri = residual[2 * k + 1] as number;
    const w = Math.hypot(rr, ri);
    const psi = Math.atan2(ri * mr - rr * mi, rr * mr + ri * mi); // arg(r_k · conj(mean))
    sw += w;
    st += w * tk;
    sp += w * psi;
    stt += w * tk * tk;
    stp += w * tk * psi;
  }
  const den = sw * stt - st * st;
  const slope = den > 0 ? (sw * stp - st * sp) / den : 0; // radians per sample
  return coarse + slope / (2 * Math.PI);
}

/** The weighted correlation of a with the spectrum B (b's, possibly de-rotated); see the file comment. */
function correlatePair(
  a: PreparedSpectrum,
  B: Float64Array,
  bSnr: SpectrumSnr,
  lags: Lags,
): Omit<DelayEstimate, 'frequencyOffsetPerSample'> {
  const M = a.size;
  const A = a.spectrum;
  const L = a.snr.binSnr.length;
  const weights = welchWeights(a.snr, bSnr);
  const g = new Float64Array(2 * M);
  // Full-resolution range of weighted bins (signed indices); the whole band for the PHAT fallback.
  let jLo = -M / 2;
  let jHi = M / 2 - 1;
  // The PHAT-weighted cross-spectrum over the weighted bins, moved to baseband, for `quality`.
  let phat: { q: Float64Array; bins: number } | null = null;
  if (weights === null) {
    // No bin is common to both: plain PHAT, so `quality` still tells a real peak from none.
    for (let k = 0; k < M; k++) {
      const re = (A[2 * k] as number) * (B[2 * k] as number) + (A[2 * k + 1] as number) * (B[2 * k + 1] as number);
      const im = (A[2 * k] as number) * (B[2 * k + 1] as number) - (A[2 * k + 1] as number) * (B[2 * k] as number);
      const mag = Math.hypot(re, im);
      if (mag > 0) {
        g[2 * k] = re / mag;
        g[2 * k + 1] = im / mag;
      }
    }
  } else {
    const { h } = weights;
    const perBin = M / L; // full-resolution bins per Welch bin
    // One Welch bin either side of the weighted range: the linear interpolation reaches that far.
    jLo = Math.max(-M / 2, Math.floor((weights.lo - 1) * perBin));
    jHi = Math.min(M / 2 - 1, Math.ceil((weights.hi + 1) * perBin));
    const Q = Math.min(M, nextPowerOfTwo(2 * (jHi - jLo + 1)));
    phat = { q: new Float64Array(2 * Q), bins: jHi - jLo + 1 };
    for (let j = jLo; j <= jHi; j++) {
      const k = j < 0 ? j + M : j;
      const pos = (k * L) / M;
      const l0 = Math.floor(pos);
      const frac = pos - l0;
      const w = (1 - frac) * (h[l0 % L] as number) + frac * (h[(l0 + 1) % L] as number);
      if (w === 0) continue;
      const ar = A[2 * k] as number;
      const ai = A[2 * k + 1] as number;
      const br = B[2 * k] as number;
      const bi = B[2 * k + 1] as number;
      const re = ar * br + ai * bi; // conj(A)·B
      const im = ar * bi - ai * br;
      g[2 * k] = w * re;
      g[2 * k + 1] = w * im;
      const mag = Math.hypot(re, im);
      if (mag > 0) {
        phat.q[2 * (j - jLo)] = re / mag;
        phat.q[2 * (j - jLo) + 1] = im / mag;
      }
    }
  }
  const r = Float64Array.from(g);
  fft(r, true);
  const { best, peak, power } = correlationPeak(r, M, lags.search);
  const quality = phat === null ? peakOverRest(r, M, lags, 2) : phatQuality(phat.q, phat.bins, M, lags);
  const lagSamples = refine(g, M, jLo, jHi, best, power(best - 1), peak, power(best + 1));
  const sigmaSamples = weights === null ? Number.POSITIVE_INFINITY : delayCrlbS(a.snr, bSnr, a.samples, 1);
  return { lagSamples, sigmaSamples, quality };
}

/** Lags searched for the peak (±search) and compared with it for `quality` (±max), search ≤ max. */
interface Lags {
  max: number;
  search: number;
}

/**
 * The lag in ±maxLag where |r|² is largest (the earliest on a tie), that |r|², and |r(lag)|² for any lag;
 * r is a complex correlation of `size` lags, negative lags wrapped to the end.
 */
function correlationPeak(
  r: Float64Array,
  size: number,
  maxLag: number,
): { best: number; peak: number; power: (lag: number) => number } {
  const power = (lag: number): number => {
    const i = lag < 0 ? lag + size : lag;
    return (r[2 * i] as number) ** 2 + (r[2 * i + 1] as number) ** 2;
  };
  let best = 0;
  let peak = -1;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const p = power(lag);
    if (p > peak) {
      peak = p;
      best = lag;
    }
  }
  return { best, peak, power };
}

/**
 * Peak of |r| within ±lags.search over the RMS of |r| at the other lags (|lag − peak| > exclude) within
 * ±lags.max; r has `size` lags.
 */
function peakOverRest(r: Float64Array, size: number, lags: Lags, exclude: number): number {
  const { best, peak, power } = correlationPeak(r, size, lags.search);
  let rest = 0;
  let count = 0;
  for (let lag = -lags.max; lag <= lags.max; lag++) {
    if (Math.abs(lag - best) <= exclude) continue;
    rest += power(lag);
    count++;
  }
  const rms = Math.sqrt(rest / Math.max(1, count));
  return rms > 0 ? Math.sqrt(peak) / rms : Number.POSITIVE_INFINITY;
}

/**
 * `quality` from PHAT over the weighted bins only (a flat spectrum there, so a short, sidelobe-free peak whatever
 * the signal's spectrum: the ML correlation itself keeps the signal's own autocorrelation sidelobes, e.g. FSK's
 * two-tone beat, which would read as "no clear peak"). The Q = `q.length/2` point transform samples that
 * correlation every M/Q lags: for a narrowband signal it costs a small fraction of the full-length one.
 */
function phatQuality(q: Float64Array, bins: number, M: number, lags: Lags): number {
  const Q = q.length / 2;
  fft(q, true);
  const max = Math.max(1, Math.floor((lags.max * Q) / M));
  const coarse = { max, search: Math.min(max, Math.ceil((lags.search * Q) / M)) };
  // The flat band's main lobe reaches ±Q/bins coarse lags.
  return peakOverRest(q, Q, coarse, Math.max(2, Math.ceil(Q / bins)));
}

/** Parabola through |R|² at best−1, best, best+1, then Newton steps on the exact |R(τ)|² (file comment). */
function refine(g: Float64Array, M: number, jLo: number, jHi: number, best: number, pm: number, p0: number, pp: number): number {
  const den = pm - 2 * p0 + pp;
  let tau = best + (den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (pm - pp)) / den)) : 0);
  for (let step = 0; step < NEWTON_STEPS; step++) {
    // R = Σ G e^{jθτ}, R′ = Σ jθ G e^{jθτ}, R″ = −Σ θ² G e^{jθτ}, θ = 2πj/M; the phasor advances by a rotation.
    const dTheta = (2 * Math.PI) / M;
    let er = Math.cos(dTheta * jLo * tau);
    let ei = Math.sin(dTheta * jLo * tau);
    const dr = Math.cos(dTheta * tau);
    const di = Math.sin(dTheta * tau);
    let r0 = 0;
    let i0 = 0;
    let r1 = 0;
    let i1 = 0;
    let r2 = 0;
    let i2 = 0;
    for (let j = jLo; j <= jHi; j++) {
      const k = j < 0 ? j + M : j;
      const gr = g[2 * k] as number;
      const gi = g[2 * k + 1] as number;
      if (gr !== 0 || gi !== 0) {
        const pr = gr * er - gi * ei;
        const pi = gr * ei + gi * er;
        const th = dTheta * j;
        r0 += pr;
        i0 += pi;
        r1 -= th * pi;
        i1 += th * pr;
        r2 -= th * th * pr;
        i2 -= th * th * pi;
      }
      const nr = er * dr - ei * di;
      ei = er * di + ei * dr;
      er = nr;
    }
    const d1 = 2 * (r0 * r1 + i0 * i1);
    const d2 = 2 * (r1 * r1 + i1 * i1 + r0 * r2 + i0 * i2);
    if (!(d2 < 0)) break; // not at a maximum's concave cap: keep the parabola's estimate
    const delta = Math.max(-0.5, Math.min(0.5, -d1 / d2));
    tau += delta;
    if (Math.abs(delta) < 1e-6) break;
  }
  return tau;
}

/** Delay of b behind a over their first `samples` complex samples, measuring each one's per-bin SNRs itself. */
export function estimateDelayIq(
  a: Float32Array,
  b: Float32Array,
  samples: number,
  maxLag = Math.floor(samples / 2),
): DelayEstimate {
  const size = correlationSize(samples, maxLag);
  const prepared = (iq: Float32Array) => prepareSpectrum(iq, samples, size, spectrumSnr(iq.subarray(0, 2 * samples)));
  return estimateDelay(prepared(a), prepared(b), maxLag);
}
