// The one rule for which recordings take part in time differences (extraction) and so which
// transmissions need their IQ rather than cached per-recording features (the loader).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TIMESTAMP_SIGMA_S, needsTimeDifferences, timingParticipants } from '../../../src/signal/timing/clock-rule.js';

const gps = { startUnixNs: 1_700_000_000_000_000_000n, timestampSigmaS: 1e-7 };
const ntp = { startUnixNs: 1_700_000_000_000_000_000n, timestampSigmaS: 5e-3 };
const none = { startUnixNs: null, timestampSigmaS: null };

test('participants are the precisely timed recordings that heard the transmission (unknown counts as heard)', () => {
  const clocks = [gps, ntp, gps, none, gps, undefined];
  const heard = [true, true, false, true, undefined, true];
  assert.deepEqual(
    timingParticipants(clocks, (k) => heard[k]),
    [0, 4],
  );
  assert.deepEqual(
    timingParticipants(clocks, () => undefined),
    [0, 2, 4],
  );
  // The clock threshold is the caller's to change; by default 100 µs.
  assert.equal(MAX_TIMESTAMP_SIGMA_S, 1e-4);
  assert.deepEqual(
    timingParticipants(clocks, () => true, 1e-2),
    [0, 1, 2, 4],
  );
});

test('a transmission needs time differences when at least three recordings take part (two differences)', () => {
  assert.equal(
    needsTimeDifferences([gps, gps, gps], () => true),
    true,
  );
  assert.equal(
    needsTimeDifferences([gps, gps, gps], () => undefined),
    true,
  );
  // Three GPS clocks, but one receiver did not hear: one pair is no position, the cached features suffice.
  assert.equal(
    needsTimeDifferences([gps, gps, gps], (k) => k !== 1),
    false,
  );
  assert.equal(
    needsTimeDifferences([gps, gps, ntp, none], () => true),
    false,
  );
  assert.equal(
    needsTimeDifferences([], () => true),
    false,
  );
});
