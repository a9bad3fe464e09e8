// The one rule for which recordings take part in time differences (extraction, the loader, the TDOA
// reference): the precisely timed ones. Whether each holds a signal is measureTimeDifferences' call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TIMESTAMP_SIGMA_S, needsTimeDifferences, timingParticipants } from '../../../src/signal/timing/clock-rule.js';

const gps = { startUnixNs: 1_700_000_000_000_000_000n, timestampSigmaS: 1e-7 };
const ntp = { startUnixNs: 1_700_000_000_000_000_000n, timestampSigmaS: 5e-3 };
const none = { startUnixNs: null, timestampSigmaS: null };

test('participants are the precisely timed recordings; the threshold is 100 µs unless the caller says otherwise', () => {
  const clocks = [gps, ntp, gps, none, gps, undefined];
  assert.deepEqual(timingParticipants(clocks), [0, 2, 4]);
  assert.equal(MAX_TIMESTAMP_SIGMA_S, 1e-4);
  assert.deepEqual(timingParticipants(clocks, 1e-2), [0, 1, 2, 4]);
  assert.deepEqual(timingParticipants(clocks, 1e-8), []);
});

test('a transmission needs time differences when at least three recordings take part (two differences)', () => {
  assert.equal(needsTimeDifferences([gps, gps, gps]), true);
  assert.equal(needsTimeDifferences([gps, gps, ntp, none]), false);
  assert.equal(needsTimeDifferences([gps, gps, ntp], 1e-2), true);
  assert.equal(needsTimeDifferences([]), false);
});
