// THE timing rule: which recordings take part in time differences — a clock at least this good,
// and heard. Extraction, the loader (does a session need its IQ?), the classical TDOA reference
// and measureTimeDifferences all apply it, so they agree on which receivers are timed.

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
 * The indices of the recordings that take part in time differences — precisely timed and heard.
 * `heard(k)` may be undefined when not known yet (no features): such a recording counts as heard,
 * so a caller deciding before the features exist errs towards computing the differences.
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

/**
 * Classical TDOA needs three timed receivers (two differences) for a position; fewer give no
 * time differences at all, for the model as for the reference (measureTimeDifferences refuses them).
 */
export const MIN_TIMED_RECEIVERS = 3;

/** Whether a transmission has time differences (so its features need timing, not only cached per-recording features). */
export function needsTimeDifferences(
  clocks: readonly (RecordingClock | undefined)[],
  heard: (k: number) => boolean | undefined,
  maxSigmaS = MAX_TIMESTAMP_SIGMA_S,
): boolean {
  return timingParticipants(clocks, heard, maxSigmaS).length >= MIN_TIMED_RECEIVERS;
}
