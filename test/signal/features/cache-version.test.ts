// The feature cache is keyed by the feature-code version too: features computed by older STFT,
// mel or scalar code (same configuration) are a miss, never served to training.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { contentFeatureKey, FeatureCache, featureKey } from '../../../src/signal/features/cache.js';
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
