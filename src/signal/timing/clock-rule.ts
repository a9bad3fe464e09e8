// THE timing rule: which recordings take part in time differences — those whose clock is at least
// this good. Whether a recording holds a signal to time is measureTimeDifferences' decision, from
// the recording itself (spectrum.ts: a band detector that finds a wide signal below the floor of
// every single bin), not the feature layer's `heard` (a full-band SNR, blind to a 125 kHz chirp in a
// 1 MHz capture). Extraction, the loader, the classical TDOA reference and measureTimeDifferences
// all apply this rule, so they agree on which receivers are timed.

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

/** The indices of the recordings that take part in time differences: the precisely timed ones. */
export function timingParticipants(clocks: readonly (RecordingClock | undefined)[], maxSigmaS = MAX_TIMESTAMP_SIGMA_S): number[] {
  const out: number[] = [];
  clocks.forEach((r, k) => {
    if (r !== undefined && isPreciselyTimed(r, maxSigmaS)) out.push(k);
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
  maxSigmaS = MAX_TIMESTAMP_SIGMA_S,
): boolean {
  return timingParticipants(clocks, maxSigmaS).length >= MIN_TIMED_RECEIVERS;
}
