// Features of one transmission heard by a receiver network: the [receivers, melBands, frames]
// mel-spectrogram stack in the network's fixed receiver order, per-receiver scalars, the
// absent-receiver mask, and time differences where clocks allow. The same function serves
// training, evaluation and inference.
import { assertFiniteIq, type Recording, RecordingError } from '../recording.js';
import type { FeatureConfig } from './config.js';
import { gccPhat } from './gcc-phat.js';
import { receiverScalars, SCALAR_COUNT, scalarIndex, scalarVector } from './scalars.js';
import { melSpectrogramDb, powerSpectrogram } from './stft.js';

export interface TimeDifference {
  /** Receiver indices (network order): the difference is arrival at j minus arrival at i. */
  i: number;
  j: number;
  seconds: number;
  quality: number;
  /** Combined timestamp uncertainty of the pair (s). */
  clockSigmaS: number;
}

export interface TransmissionFeatures {
  receivers: string[];
  /** [receivers][melBands][frames] mel power in dB; zeros where the receiver is absent. */
  mel: Float32Array;
  /** [receivers][SCALAR_COUNT] (see SCALAR_NAMES); zeros where absent. */
  scalars: Float32Array;
  /** 1 where the receiver's recording is present. */
  mask: Uint8Array;
  tdoa: TimeDifference[];
  /** The physics prior (PRIOR_NAMES of ./prior.ts), when the caller has a PriorSpec. */
  prior?: Float32Array;
}

/** Per-recording features (what the cache stores): mel block + scalar vector. */
export interface RecordingFeatures {
  mel: Float32Array;
  scalars: Float64Array;
}

/** Calibrated-power offset (dB) from the recording's metadata, when its full scale is known. */
export function fullScaleOffsetDb(r: Recording): number | null {
  return fullScaleOffsetDbOf(r.meta);
}

/** The same offset from a recording's metadata alone (e.g. a catalog row, before reading the IQ). */
export function fullScaleOffsetDbOf(meta: Record<string, unknown>): number | null {
  const fs = meta['heimdall:full_scale_dbm'];
  if (typeof fs !== 'number') return null;
  const cal = meta['heimdall:calibration_offset_db'];
  return fs - (typeof cal === 'number' ? cal : 0);
}

/**
 * Checks a recording's rate and length suit the configuration (cheap; the NaN/Inf scan happens
 * where the features are computed). Errors name the file.
 */
export function checkRecording(r: Recording, c: FeatureConfig): void {
  if (Math.abs(r.sampleRateHz - c.sampleRateHz) > 0.005 * c.sampleRateHz) {
    throw new RecordingError(
      r.source,
      `sample rate ${r.sampleRateHz} Hz, but the features expect ${c.sampleRateHz} Hz (resample the recording or change the feature configuration)`,
    );
  }
  if (r.iq.length / 2 < c.samples) {
    throw new RecordingError(
      r.source,
      `${r.iq.length / 2} samples, but the features need ${c.samples} (${(c.samples / c.sampleRateHz).toFixed(3)} s)`,
    );
  }
}

export function recordingFeatures(r: Recording, c: FeatureConfig): RecordingFeatures {
  checkRecording(r, c);
  const iq = r.iq.subarray(0, 2 * c.samples);
  let meanPower = 0;
  for (let i = 0; i < iq.length; i++) {
    const v = iq[i] as number;
    meanPower += v * v;
  }
  // One NaN/Inf makes the sum non-finite: only then scan for the first bad sample to name it.
  if (!Number.isFinite(meanPower)) assertFiniteIq(iq, r.source);
  meanPower /= c.samples;
  const power = powerSpectrogram(iq, c);
  const mel = new Float32Array(c.melBands * c.frames);
  melSpectrogramDb(power, c, mel);
  return { mel, scalars: Float64Array.from(scalarVector(receiverScalars(power, meanPower, c, fullScaleOffsetDb(r)))) };
}

export interface ExtractOptions {
  /** Pairs are timed only when both clocks are at least this good (s); default 100 µs. */
  maxTimestampSigmaS?: number;
  /** Per-recording features computed elsewhere (cache, worker); keyed like `recordings`. */
  precomputed?: (RecordingFeatures | undefined)[];
}

/**
 * Assembles a transmission's features. `recordings` are matched to `receivers` by receiver id;
 * a receiver with no recording is masked; a recording from a receiver the network does not know
 * is refused (the model has no input slot for it).
 */
export function extractFeatures(
  recordings: Recording[],
  receivers: string[],
  c: FeatureConfig,
  o: ExtractOptions = {},
): TransmissionFeatures {
  const byIndex = receiverSlots(recordings, receivers);
  const features = recordings.map((r, k) => o.precomputed?.[k] ?? recordingFeatures(r, c));
  const f = assembleFeatures(
    recordings.map((r) => r.receiver.id),
    features,
    receivers,
    c,
  );
  f.tdoa = timeDifferences(byIndex, f.scalars, c, o.maxTimestampSigmaS ?? MAX_TIMESTAMP_SIGMA_S);
  arrivalScalars(f.tdoa, f.scalars);
  return f;
}

/** Clocks at least this good (s) take part in time differences by default (GPS-disciplined). */
export const MAX_TIMESTAMP_SIGMA_S = 1e-4;

/** A recording's clock as the timing rule sees it (a Recording or a catalog row). */
export interface RecordingClock {
  startUnixNs: bigint | null;
  timestampSigmaS: number | null;
}

/** Whether a recording's start time is good enough for time differences. */
export function isPreciselyTimed(r: RecordingClock, maxSigmaS = MAX_TIMESTAMP_SIGMA_S): boolean {
  return r.startUnixNs !== null && r.timestampSigmaS !== null && r.timestampSigmaS <= maxSigmaS;
}

/**
 * THE timing rule, for extraction and for the loader's choice of path: the indices of the
 * recordings that take part in time differences — precisely timed and heard. `heard(k)` may be
 * undefined when not known yet (no features): such a recording counts as heard, so a caller
 * deciding before the features exist errs towards computing the differences.
 */
export function timingParticipants(
  clocks: readonly (RecordingClock | undefined)[],
  heard: (k: number) => boolean | undefined,
  maxSigmaS = MAX_TIMESTAMP_SIGMA_S,
): number[] {
  const out: number[] = [];
  clocks.forEach((r, k) => {
    if (r !== undefined && isPreciselyTimed(r, maxSigmaS) && heard(k) !== false) out.push(k);
  });
  return out;
}

/** Whether a transmission has time differences (so its features need the IQ, not only cached per-recording features). */
export function needsTimeDifferences(
  clocks: readonly (RecordingClock | undefined)[],
  heard: (k: number) => boolean | undefined,
  maxSigmaS = MAX_TIMESTAMP_SIGMA_S,
): boolean {
  return timingParticipants(clocks, heard, maxSigmaS).length >= 2;
}

/**
 * Per-receiver arrival times from the pairwise differences: the timed receivers' pairs all
 * include the first of them (network order), so arrival(j) = tdoa(first, j); centring on their
 * mean makes the value independent of which receiver came first. Written into the scalars.
 */
function arrivalScalars(tdoa: TimeDifference[], scalars: Float32Array): void {
  if (tdoa.length === 0) return;
  const first = Math.min(...tdoa.map((t) => t.i));
  const arrival = new Map<number, number>([[first, 0]]);
  for (const t of tdoa) if (t.i === first) arrival.set(t.j, t.seconds);
  let mean = 0;
  for (const v of arrival.values()) mean += v / arrival.size;
  const toa = scalarIndex('toa_centered_us');
  const timed = scalarIndex('timed');
  for (const [i, v] of arrival) {
    scalars[i * SCALAR_COUNT + toa] = (v - mean) * 1e6;
    scalars[i * SCALAR_COUNT + timed] = 1;
  }
}

/** Each recording's slot in the network order; refuses unknown and duplicate receivers. */
function receiverSlots(recordings: Recording[], receivers: string[]): (Recording | undefined)[] {
  const slot = new Map(receivers.map((id, i) => [id, i]));
  const byIndex: (Recording | undefined)[] = new Array(receivers.length);
  for (const r of recordings) {
    const i = slot.get(r.receiver.id);
    if (i === undefined) {
      throw new RecordingError(r.source, `receiver '${r.receiver.id}' is not in the network (${receivers.join(', ')})`);
    }
    if (byIndex[i] !== undefined)
      throw new RecordingError(r.source, `a second recording for receiver '${r.receiver.id}' in one transmission`);
    byIndex[i] = r;
  }
  return byIndex;
}

/**
 * Places per-recording features (of receivers `ids`, already checked against the network) in the
 * network's receiver order, masking absent receivers. No time differences: those need the IQ.
 */
export function assembleFeatures(
  ids: string[],
  features: RecordingFeatures[],
  receivers: string[],
  c: FeatureConfig,
): TransmissionFeatures {
  const slot = new Map(receivers.map((id, i) => [id, i]));
  const block = c.melBands * c.frames;
  const mel = new Float32Array(receivers.length * block);
  const scalars = new Float32Array(receivers.length * SCALAR_COUNT);
  const mask = new Uint8Array(receivers.length);
  ids.forEach((id, k) => {
    const i = slot.get(id);
    const f = features[k];
    if (i === undefined || f === undefined) throw new RangeError(`assembleFeatures: receiver '${id}' has no slot or no features`);
    mel.set(f.mel, i * block);
    scalars.set(f.scalars, i * SCALAR_COUNT);
    mask[i] = 1;
  });
  return { receivers: [...receivers], mel, scalars, mask, tdoa: [] };
}

function timeDifferences(
  byIndex: (Recording | undefined)[],
  scalars: Float32Array,
  c: FeatureConfig,
  maxSigma: number,
): TimeDifference[] {
  const heard = scalarIndex('heard');
  const timed = timingParticipants(byIndex, (i) => scalars[i * SCALAR_COUNT + heard] === 1, maxSigma).map((i) => ({
    r: byIndex[i] as Recording,
    i,
  }));
  const out: TimeDifference[] = [];
  for (let a = 0; a < timed.length; a++) {
    for (let b = a + 1; b < timed.length; b++) {
      const x = timed[a] as { r: Recording; i: number };
      const y = timed[b] as { r: Recording; i: number };
      const g = gccPhat(x.r.iq, y.r.iq, c.samples);
      const startDiffS = Number((y.r.startUnixNs as bigint) - (x.r.startUnixNs as bigint)) / 1e9;
      out.push({
        i: x.i,
        j: y.i,
        seconds: startDiffS + g.lagSamples / c.sampleRateHz,
        quality: g.quality,
        clockSigmaS: Math.hypot(x.r.timestampSigmaS as number, y.r.timestampSigmaS as number),
      });
    }
  }
  return out;
}
