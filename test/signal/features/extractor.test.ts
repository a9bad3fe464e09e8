// The extractor: cache hits on the second pass (an epoch never recomputes), worker results equal
// in-thread results, errors name the file, and normalization statistics keep relative power.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FeatureCache, featureKey } from '../../../src/signal/features/cache.js';
import { defaultFeatureConfig } from '../../../src/signal/features/config.js';
import { FeatureExtractor } from '../../../src/signal/features/extractor.js';
import { SCALAR_COUNT } from '../../../src/signal/features/scalars.js';
import { FeatureStatsAccumulator, NORMALIZED_CLIP, normalizeFeatures } from '../../../src/signal/features/stats.js';
import type { Recording } from '../../../src/signal/recording.js';
import { generateSample } from '../../../src/sim/sample.js';
import { resolveScenario } from '../../../src/sim/scenario.js';
import { buildWorld } from '../../../src/sim/world.js';

const scenario = resolveScenario({ preset: 'nw-italy-2m' });
const world = buildWorld(scenario, 3);
const receivers = scenario.network.receivers.map((r) => r.id);

function transmission(i: number): Recording[] {
  const s = generateSample(world, i);
  return s.recordings
    .filter((r) => r.iq !== null)
    .map((r) => ({
      iq: r.iq as Float32Array,
      sampleRateHz: r.sampleRateHz,
      centerFreqHz: r.centerFreqHz,
      startUnixNs: r.reportedStartUnixNs,
      timestampSigmaS: r.timestampSigmaS,
      receiver: { id: r.receiverId },
      source: `tx-${i}/${r.receiverId}`,
      meta: { 'heimdall:full_scale_dbm': -30 },
    }));
}

test('worker threads and the main thread give identical features; the cache serves the second epoch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-features-'));
  const cache = new FeatureCache(dir);
  const pooled = new FeatureExtractor({ config: defaultFeatureConfig, receivers, cache, workers: 2 });
  const inline = new FeatureExtractor({ config: defaultFeatureConfig, receivers, workers: 0 });
  const data = [0, 1, 2].map(transmission);
  for (const recs of data) {
    const a = await pooled.extract(recs);
    const b = await inline.extract(recs);
    assert.deepEqual(a.mel, b.mel);
    assert.deepEqual(a.scalars, b.scalars);
    assert.deepEqual(a.mask, b.mask);
  }
  const firstEpoch = pooled.computed;
  assert.equal(firstEpoch, data.flat().length);
  for (const recs of data) await pooled.extract(recs);
  assert.equal(pooled.computed, firstEpoch, 'the second epoch recomputes nothing');
  assert.equal(cache.hits, data.flat().length);
  await pooled.close();
  await inline.close();
});

test('a corrupt cache entry is a miss and is rewritten; keys follow content and configuration', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-features-'));
  const cache = new FeatureCache(dir);
  const [rec] = transmission(4);
  const r = rec as Recording;
  const key = featureKey(r, defaultFeatureConfig);
  assert.equal(featureKey({ ...r, source: 'renamed.sigmf-meta' }, defaultFeatureConfig), key, 'the file name does not matter');
  assert.notEqual(featureKey(r, { ...defaultFeatureConfig, nFft: 256 }), key);
  const extractor = new FeatureExtractor({ config: defaultFeatureConfig, receivers, cache, workers: 0 });
  const good = await extractor.extract([r]);
  const sub = readdirSync(dir)[0] as string;
  writeFileSync(join(dir, sub, `${key}.f32`), 'garbage');
  const again = await extractor.extract([r]);
  assert.equal(extractor.computed, 2, 'recomputed after the corrupt entry');
  assert.deepEqual(again.mel, good.mel);
  assert.ok(cache.get(key, defaultFeatureConfig) !== undefined, 'rewritten');
});

test('bad recordings are reported by name before any work is queued', async () => {
  const extractor = new FeatureExtractor({ config: defaultFeatureConfig, receivers, workers: 1 });
  const [r] = transmission(5);
  await assert.rejects(
    extractor.extract([{ ...(r as Recording), sampleRateHz: 8000 }]),
    /tx-5\/.*: sample rate 8000 Hz, but the features expect 12500 Hz/,
  );
  await extractor.close();
});

test('dataset-wide normalization keeps the power differences between receivers', async () => {
  const extractor = new FeatureExtractor({ config: defaultFeatureConfig, receivers, workers: 0 });
  const acc = new FeatureStatsAccumulator(defaultFeatureConfig.melBands, defaultFeatureConfig.frames);
  const features = [];
  for (let i = 0; i < 6; i++) {
    const f = await extractor.extract(transmission(i));
    acc.add(f);
    features.push(f);
  }
  const stats = acc.finish();
  assert.equal(stats.melMean.length, 128);
  assert.ok(stats.count >= 36);
  const f = features[0]!;
  const rssiBefore = receivers.map((_, r) => f.scalars[r * SCALAR_COUNT] as number);
  const melBefore = Float32Array.from(f.mel);
  normalizeFeatures(f, stats);
  const rssiAfter = receivers.map((_, r) => f.scalars[r * SCALAR_COUNT] as number);
  // One affine map for all receivers: differences scale by the same 1/σ and keep their sign.
  const present = receivers.map((_, r) => r).filter((r) => f.mask[r] === 1);
  const [p, q] = [present[0] as number, present[1] as number];
  const ratio = (rssiAfter[p]! - rssiAfter[q]!) / (rssiBefore[p]! - rssiBefore[q]!);
  assert.ok(Math.abs(ratio - 1 / (stats.scalarStd[0] as number)) < 1e-4);
  const block = 128 * 32;
  const d0 = (melBefore[p * block] as number) - (melBefore[q * block] as number);
  const d1 = (f.mel[p * block] as number) - (f.mel[q * block] as number);
  assert.ok(Math.abs(d1 - d0 / (stats.melStd[0] as number)) < 1e-3);
  assert.throws(() => new FeatureStatsAccumulator(128, 32).finish(), /no receiver recordings were added/);
  // An input far beyond what training saw is clipped at ±NORMALIZED_CLIP σ, not passed on.
  const g = features[1]!;
  g.scalars[p * SCALAR_COUNT] = (stats.scalarMean[0] as number) + 1e4 * (stats.scalarStd[0] as number);
  g.scalars[q * SCALAR_COUNT] = (stats.scalarMean[0] as number) - 3 * (stats.scalarStd[0] as number);
  normalizeFeatures(g, stats);
  assert.equal(g.scalars[p * SCALAR_COUNT], NORMALIZED_CLIP);
  assert.ok(Math.abs((g.scalars[q * SCALAR_COUNT] as number) + 3) < 1e-4, 'within the clip nothing changes');
});
