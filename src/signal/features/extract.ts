// Features of one transmission heard by a receiver network: the [receivers, melBands, frames]
// mel-spectrogram stack in the network's fixed receiver order, per-receiver scalars, the
// absent-receiver mask, and time differences where clocks allow. The same function serves
// training, evaluation and inference.
import { assertFiniteIq, type Recording, RecordingError } from '../recording.js';
import { MAX_TIMESTAMP_SIGMA_S } from '../timing/clock-rule.js';
import type { FeatureConfig } from './config.js';
import { receiverScalars, SCALAR_COUNT, scalarVector } from './scalars.js';
import { applyTiming, type SessionTiming, sessionTiming } from './session-timing.js';
import { melSpectrogramDb, powerSpectrogram } from './stft.js';

export interface TimeDifference {
  /** Receiver indices (network order): the difference is arrival at j minus arrival at i. */
  i: number;
  j: number;
  seconds: number;
  quality: number;
  /** 1σ of the difference (s): delay estimation ⊕ both clocks (signal/timing/measure.ts). */
  sigmaS: number;
  /** The clocks' parts of sigmaS (i's, j's), shared with the other pairs of i and j (src/locate/pair-covariance.ts). */
  clockSigmaIS?: number;
  clockSigmaJS?: number;
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
  // Calibrated when the recording says how: full scale moves with each recording's digital gain
  // (an SDR's AGC; the simulator's int16 output), so dBFS alone would not carry received power
  // from one recording to the next, while dBm does (the same offset as rssi_dbm).
  const offsetDb = fullScaleOffsetDb(r);
  if (offsetDb !== null) for (let i = 0; i < mel.length; i++) mel[i] = (mel[i] as number) + offsetDb;
  return { mel, scalars: Float64Array.from(scalarVector(receiverScalars(power, meanPower, c, offsetDb))) };
}

export interface ExtractOptions {
  /** Pairs are timed only when both clocks are at least this good (s); default 100 µs. */
  maxTimestampSigmaS?: number;
  /** Per-recording features computed elsewhere (cache, worker); keyed like `recordings`. */
  precomputed?: (RecordingFeatures | undefined)[];
  /** The transmission's timing computed elsewhere (timing cache, worker); computed here when absent. */
  timing?: SessionTiming;
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
  checkReceiverSlots(recordings, receivers);
  const features = recordings.map((r, k) => o.precomputed?.[k] ?? recordingFeatures(r, c));
  const f = assembleFeatures(
    recordings.map((r) => r.receiver.id),
    features,
    receivers,
    c,
  );
  const timing = o.timing ?? sessionTiming(recordings, o.maxTimestampSigmaS ?? MAX_TIMESTAMP_SIGMA_S);
  applyTiming(f, timing.tdoas);
  return f;
}

/** Refuses recordings from receivers the network does not know, and two recordings of one receiver. */
function checkReceiverSlots(recordings: Recording[], receivers: string[]): void {
  const known = new Set(receivers);
  const seen = new Set<string>();
  for (const r of recordings) {
    if (!known.has(r.receiver.id)) {
      throw new RecordingError(r.source, `receiver '${r.receiver.id}' is not in the network (${receivers.join(', ')})`);
    }
    if (seen.has(r.receiver.id))
      throw new RecordingError(r.source, `a second recording for receiver '${r.receiver.id}' in one transmission`);
    seen.add(r.receiver.id);
  }
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
