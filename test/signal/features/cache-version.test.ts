// The feature cache is keyed by the feature-code version too: features computed by older STFT,
// mel or scalar code (same configuration) are a miss, never served to training.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { contentFeatureKey, FeatureCache, featureKey, timingKey } from '../../../src/signal/features/cache.js';
import { FEATURE_CODE_VERSION } from '../../../src/signal/features/code-version.js';
import { defaultFeatureConfig as c } from '../../../src/signal/features/config.js';
import { SCALAR_COUNT } from '../../../src/signal/features/scalars.js';
import type { Recording } from '../../../src/signal/recording.js';

const recording: Recording = {
  iq: Float32Array.from({ length: 2 * c.samples }, (_, i) => Math.sin(i / 7)),
  sampleRateHz: c.sampleRateHz,
  centerFreqHz: 145e6,
  startUnixNs: null,
  timestampSigmaS: null,
  receiver: { id: 'alpha' },
  source: 'alpha.sigmf-meta',
  meta: {},
};

test('both key functions take the feature-code version: the current one by default, another gives another key', () => {
  const v = FEATURE_CODE_VERSION;
  assert.equal(featureKey(recording, c), featureKey(recording, c, v));
  assert.notEqual(featureKey(recording, c, v + 1), featureKey(recording, c, v));
  const blob = 'ab'.repeat(32);
  assert.equal(contentFeatureKey(blob, c.sampleRateHz, null, c), contentFeatureKey(blob, c.sampleRateHz, null, c, v));
  assert.notEqual(contentFeatureKey(blob, c.sampleRateHz, null, c, v - 1), contentFeatureKey(blob, c.sampleRateHz, null, c, v));
});

test('an entry written by another feature-code version is a cache miss', () => {
  const cache = new FeatureCache(mkdtempSync(join(tmpdir(), 'heimdall-cache-version-')));
  const stale = { mel: new Float32Array(c.melBands * c.frames).fill(-99), scalars: new Float64Array(SCALAR_COUNT).fill(1) };
  cache.put(featureKey(recording, c, FEATURE_CODE_VERSION - 1), stale);
  assert.equal(cache.get(featureKey(recording, c), c), undefined);
  assert.deepEqual([cache.hits, cache.misses], [0, 1]);
  assert.deepEqual(
    cache.get(featureKey(recording, c, FEATURE_CODE_VERSION - 1), c)?.mel,
    stale.mel,
    'the old entry itself is intact',
  );
});

test("a session timing key changes with any recording's content, clock, time base or receiver position, the configuration and the code version", async () => {
  const row = {
    receiverId: 'alpha',
    contentHash: 'ab'.repeat(32),
    sampleRateHz: 12_000,
    startUnixNs: 1_700_000_000_000_000_000n,
    timestampSigmaS: 1e-6,
    meta: { fittedSampleRateHz: 12_000.1 },
  };
  const other = { ...row, receiverId: 'beta', contentHash: 'cd'.repeat(32) };
  const key = timingKey([row, other], c, 1e-4);
  assert.equal(timingKey([other, row], c, 1e-4), key, 'the order of the recordings does not matter');
  const changed = [
    timingKey([{ ...row, contentHash: 'ef'.repeat(32) }, other], c, 1e-4),
    timingKey([{ ...row, startUnixNs: row.startUnixNs + 1n }, other], c, 1e-4),
    timingKey([{ ...row, timestampSigmaS: 2e-6 }, other], c, 1e-4),
    timingKey([{ ...row, meta: { fittedSampleRateHz: 12_000.2 } }, other], c, 1e-4),
    timingKey([{ ...row, rxLat: 45.1, rxLon: 9.2 }, other], c, 1e-4),
    timingKey([row, other], { ...c, heardSnrDb: 6 }, 1e-4),
    timingKey([row, other], c, 1e-3),
    timingKey([row, other], c, 1e-4, FEATURE_CODE_VERSION + 1),
    timingKey([row], c, 1e-4),
  ];
  assert.equal(new Set([key, ...changed]).size, changed.length + 1);

  // Stored and read back exactly; an entry under another key's name (copied, renamed) is a miss.
  const cache = new FeatureCache(mkdtempSync(join(tmpdir(), 'heimdall-cache-timing-')));
  const timing = { tdoas: [{ a: 'alpha', b: 'beta', seconds: 1.234567890123e-4, sigmaS: 3.1e-8, quality: 41.5 }], reason: null };
  cache.putTiming(key, timing);
  assert.deepEqual(await cache.getTiming(key), timing);
  assert.equal(await cache.getTiming(changed[0] as string), undefined);
  const path = (k: string) => join(cache.dir, k.slice(0, 2), `${k}.timing.json`);
  mkdirSync(join(cache.dir, (changed[1] as string).slice(0, 2)), { recursive: true });
  copyFileSync(path(key), path(changed[1] as string));
  assert.equal(await cache.getTiming(changed[1] as string), undefined);
});
