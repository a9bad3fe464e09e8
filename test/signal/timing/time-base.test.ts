import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSigmfRecording } from '../../../src/signal/sigmf/read.js';
import { timeBase } from '../../../src/signal/timing/time-base.js';

const NOMINAL_HZ = 48_000;
const TRUE_HZ = 48_000 * (1 + 150e-6);
const START_NS = 1_772_366_400_123_456_789n;

/** RFC 3339 with 9 fraction digits from Unix ns. */
function rfc3339(ns: bigint): string {
  const s = new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  return `${s}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

function writeSigmf(dir: string, name: string, captures: object[], samples: number): string {
  writeFileSync(join(dir, `${name}.sigmf-data`), new Uint8Array(samples * 8));
  const meta = {
    global: { 'core:datatype': 'cf32_le', 'core:sample_rate': NOMINAL_HZ, 'core:version': '1.2.6', 'heimdall:receiver_id': name },
    captures,
    annotations: [],
  };
  const path = join(dir, `${name}.sigmf-meta`);
  writeFileSync(path, JSON.stringify(meta));
  return path;
}

test('SigMF captures with core:datetime: robust line fit gives the true rate and start; an outlier capture is rejected', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-timebase-'));
  const every = 24_000;
  const jitterNs = [120, -80, 40, -150, 90, -30, 60, -110, 20, 70];
  const captures = jitterNs.map((j, i) => {
    const n = i * every;
    let ns = START_NS + BigInt(Math.round((n / TRUE_HZ) * 1e9)) + BigInt(j);
    if (i === 4) ns += 80_000n; // a capture stamped 80 µs late
    return { 'core:sample_start': n, 'core:frequency': 145_500_000, 'core:datetime': rfc3339(ns) };
  });
  const r = readSigmfRecording(writeSigmf(dir, 'rx1', captures, every * jitterNs.length));
  assert.equal(r.startUnixNs, START_NS + 120n, 'the Recording itself carries captures[0] as it is');
  const tb = timeBase(r);
  assert.ok(!('reason' in tb));
  assert.equal(tb.method, 'sigmf-captures');
  // 10 points over 5 s with ~100 ns jitter: rate to ~1e-8 relative, start to ~100 ns.
  assert.ok(Math.abs(tb.rateHz - TRUE_HZ) < 0.01, `rate ${tb.rateHz} vs ${TRUE_HZ}`);
  assert.ok(Math.abs(Number(tb.startUnixNs - START_NS)) < 200, `start off by ${tb.startUnixNs - START_NS} ns`);
  assert.ok(tb.sigmaS !== null && tb.sigmaS >= 1e-7 && tb.sigmaS < 1e-6, `σ ${tb.sigmaS}`);
});

test('a single timestamp keeps the nominal rate; none gives a reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-timebase-'));
  const one = readSigmfRecording(
    writeSigmf(dir, 'rx2', [{ 'core:sample_start': 0, 'core:frequency': 1e8, 'core:datetime': rfc3339(START_NS) }], 1000),
  );
  const tb = timeBase(one);
  assert.ok(!('reason' in tb));
  assert.deepEqual([tb.method, tb.rateHz, tb.startUnixNs, tb.sigmaS], ['nominal', NOMINAL_HZ, START_NS, null]);
  const none = readSigmfRecording(writeSigmf(dir, 'rx3', [{ 'core:sample_start': 0, 'core:frequency': 1e8 }], 1000));
  assert.match((timeBase(none) as { reason: string }).reason, /no timestamp/);
});
