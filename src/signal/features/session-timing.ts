// A transmission's time differences, as the model and the classical TDOA reference both see them:
// the recordings the timing rule admits (precisely timed and heard), through measureTimeDifferences
// (time bases, bad blocks, one common grid, delay estimation, σ per pair). ONE path: extraction,
// the loader's timing cache and the evaluation's TDOA reference all call sessionTiming, so the
// network is trained on exactly the differences the classical estimator is judged with.
import type { Recording } from '../recording.js';
import { MAX_TIMESTAMP_SIGMA_S, MIN_TIMED_RECEIVERS, timingParticipants } from '../timing/clock-rule.js';
import { measureTimeDifferences, TimingError, type TimingTdoa } from '../timing/measure.js';
import type { TransmissionFeatures } from './extract.js';
import { SCALAR_COUNT, scalarIndex } from './scalars.js';

export interface SessionTiming {
  /** Arrival at b minus arrival at a, every pair against one reference receiver a. */
  tdoas: TimingTdoa[];
  /** Why there are none (too few timed receivers heard it, no common signal …), else null. */
  reason: string | null;
}

/** Time differences of one transmission (measureTimeDifferences decides which timed recordings hold a signal). */
export function sessionTiming(recordings: readonly Recording[], maxTimestampSigmaS = MAX_TIMESTAMP_SIGMA_S): SessionTiming {
  const idx = timingParticipants(recordings, maxTimestampSigmaS);
  if (idx.length < MIN_TIMED_RECEIVERS)
    return { tdoas: [], reason: `${idx.length} precisely timed receiver(s) recorded it; TDOA needs ${MIN_TIMED_RECEIVERS}` };
  try {
    const r = measureTimeDifferences(
      idx.map((k) => recordings[k] as Recording),
      { maxTimestampSigmaS },
    );
    return { tdoas: r.tdoas, reason: null };
  } catch (err) {
    if (err instanceof TimingError) return { tdoas: [], reason: err.message };
    throw err;
  }
}

/**
 * Writes a transmission's timing into its features: `f.tdoa` by network index, and per receiver the
 * arrival time relative to the mean arrival of the timed receivers (µs), its σ (µs) and the `timed`
 * flag. All pairs share the reference a, so arrival(a) = 0 and arrival(b) = τ_ab; the reference's
 * own σ is in every pair, so it gets the smallest pair σ. Centring on the mean makes the values
 * independent of which receiver was the reference.
 */
export function applyTiming(f: TransmissionFeatures, tdoas: readonly TimingTdoa[]): void {
  const slot = new Map(f.receivers.map((id, i) => [id, i]));
  f.tdoa = [];
  if (tdoas.length === 0) return;
  const arrival = new Map<number, { seconds: number; sigmaS: number }>();
  for (const t of tdoas) {
    const i = slot.get(t.a);
    const j = slot.get(t.b);
    if (i === undefined || j === undefined) throw new RangeError(`applyTiming: pair ${t.a}/${t.b} is not in the network`);
    f.tdoa.push({
      i,
      j,
      seconds: t.seconds,
      quality: t.quality,
      sigmaS: t.sigmaS,
      ...(t.clockSigmaAS === undefined ? {} : { clockSigmaIS: t.clockSigmaAS }),
      ...(t.clockSigmaBS === undefined ? {} : { clockSigmaJS: t.clockSigmaBS }),
    });
    arrival.set(j, { seconds: t.seconds, sigmaS: t.sigmaS });
    const ref = arrival.get(i);
    arrival.set(i, { seconds: 0, sigmaS: Math.min(ref?.sigmaS ?? Number.POSITIVE_INFINITY, t.sigmaS) });
  }
  let mean = 0;
  for (const v of arrival.values()) mean += v.seconds / arrival.size;
  const toa = scalarIndex('toa_centered_us');
  const sigma = scalarIndex('toa_sigma_us');
  const timed = scalarIndex('timed');
  for (const [i, v] of arrival) {
    f.scalars[i * SCALAR_COUNT + toa] = (v.seconds - mean) * 1e6;
    f.scalars[i * SCALAR_COUNT + sigma] = v.sigmaS * 1e6;
    f.scalars[i * SCALAR_COUNT + timed] = 1;
  }
}
