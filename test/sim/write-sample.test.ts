// The simulator's SigMF output is complex int16 with a per-recording gain, and calibrated power
// survives it: what a reader measures in dBm equals what the simulator measured in float.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fullScaleOffsetDbOf } from '../../src/signal/features/extract.js';
import { readSigmfRecording } from '../../src/signal/sigmf/read.js';
import type { SimSample } from '../../src/sim/sample.js';
import { simulate } from '../../src/sim/simulate.js';
import { ringNetwork, testScenario } from './fixtures.js';

test('int16 recordings keep rssi_dbm within 0.01 dB; full_scale_dbm moves by the gain; the peak is at −6 dBFS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-sim-int16-'));
  // Weak and strong links (5 km to 30 km, 10 to 40 dBm) and a calibration offset, so the gain varies.
  const scenario = testScenario({
    network: ringNetwork(5, 20_000, { calibrationOffsetDb: 3, fullScaleDbm: -20 }),
    txPowerDbm: [10, 40],
    shadowing: { sigmaDb: 6, decorrelationM: 500 },
  });
  const samples: SimSample[] = [];
  await simulate({ scenario, seed: 4, samples: 3, outDir: dir, workers: 0, onSample: (s) => samples.push(s) });
  const gains = new Set<number>();
  for (const s of samples) {
    for (const rec of s.recordings) {
      const r = readSigmfRecording(join(dir, `tx-${String(s.index).padStart(6, '0')}`, `${rec.receiverId}.sigmf-meta`));
      const gainDb = r.meta['heimdall:digital_gain_db'] as number;
      gains.add(gainDb);
      assert.ok(Math.abs((r.meta['heimdall:full_scale_dbm'] as number) - (-20 - gainDb)) < 1e-9);
      let power = 0;
      let peak = 0;
      for (const v of r.iq) {
        power += v * v;
        peak = Math.max(peak, Math.abs(v));
      }
      const rssiDbfs = 10 * Math.log10(power / (r.iq.length / 2));
      const rssiDbm = rssiDbfs + (fullScaleOffsetDbOf(r.meta) as number);
      assert.ok(Math.abs(rssiDbm - rec.rssiDbm) < 0.01, `${rec.receiverId}: ${rssiDbm} dBm read, ${rec.rssiDbm} simulated`);
      assert.ok(Math.abs(rssiDbm - (r.meta['heimdall:rssi_dbm'] as number)) < 1e-6);
      assert.ok(Math.abs(rssiDbfs - (r.meta['heimdall:rssi_dbfs'] as number)) < 1e-6);
      const peakDbfs = 20 * Math.log10(peak);
      assert.ok(peakDbfs <= -6 && peakDbfs > -6.02, `peak ${peakDbfs} dBFS`);
    }
  }
  assert.ok(gains.size > 3, 'each recording gets its own gain');
  rmSync(dir, { recursive: true, force: true });
});
