// On the real simulator (nw-italy-2m: seven WebSDRs, correlated shadowing, unknown calibration
// error, fading, IQ-measured power), the posterior mean beats maximum likelihood in median error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { posteriorMean } from '../../src/locate/posterior.js';
import { locateRssMl } from '../../src/locate/rss-ml.js';
import { LocateError, type ReceiverObservation, type RssModel, type SearchRegion } from '../../src/locate/types.js';
import { pathLossDb } from '../../src/rf/propagation.js';
import { fadingResidualSigmaDb } from '../../src/sim/crlb.js';
import { regionBounds } from '../../src/sim/region.js';
import { generateSample } from '../../src/sim/sample.js';
import { resolveScenario } from '../../src/sim/scenario.js';
import { buildWorld } from '../../src/sim/world.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};

test('nw-italy-2m: median error of the posterior mean ≤ that of maximum likelihood (240 transmissions)', () => {
  const sc = resolveScenario({ preset: 'nw-italy-2m' });
  const world = buildWorld(sc, 1);
  const fadingSigma = fadingResidualSigmaDb(sc.fading.model, sc.fading.kFactorDb, sc.fading.dopplerHz, sc.durationS);
  const model: RssModel = {
    // Every receiver here has 0 dBi antennas; a gain would be subtracted from the loss.
    lossDb: (d, h) => pathLossDb(sc.propagation, { distanceM: d, freqHz: sc.frequencyHz, rxHeightM: h, txHeightM: sc.txHeightM }),
    txHeightM: sc.txHeightM,
    sigmaDb: Math.hypot(sc.shadowing.sigmaDb, sc.calibrationSigmaDb, fadingSigma),
    txPowerDbm: sc.txPowerDbm,
    description: 'nw-italy-2m stated model',
  };
  // The lat/lon box in the local frame: bounding box of its corners and edge midpoints.
  const b = regionBounds(sc.region);
  const pts = [b.south, (b.south + b.north) / 2, b.north].flatMap((lat) =>
    [b.west, (b.west + b.east) / 2, b.east].map((lon) => world.frame.toLocal({ lat, lon })),
  );
  const region: SearchRegion = {
    east: [Math.min(...pts.map((p) => p.east)), Math.max(...pts.map((p) => p.east))],
    north: [Math.min(...pts.map((p) => p.north)), Math.max(...pts.map((p) => p.north))],
  };
  const post: number[] = [];
  const ml: number[] = [];
  const postAll: number[] = [];
  let refused = 0;
  const timesMs: number[] = [];
  for (let i = 0; i < 240; i++) {
    const s = generateSample(world, i);
    const obs: ReceiverObservation[] = [];
    s.recordings.forEach((rec, k) => {
      // An offline receiver recorded nothing: neither a measurement nor censored evidence.
      if (rec.offline) return;
      const st = world.receivers[k] as (typeof world.receivers)[0];
      obs.push({
        id: rec.receiverId,
        east: st.local.east,
        north: st.local.north,
        heightM: st.receiver.altitudeM + st.receiver.antennaHeightM,
        rssDbm: rec.heard ? rec.rssiDbm : null,
        detectionDbm: rec.noiseDbm + sc.detectionSnrDb,
        noiseDbm: rec.noiseDbm,
      });
    });
    let p: ReturnType<typeof posteriorMean>;
    try {
      const t0 = performance.now();
      p = posteriorMean(obs, model, region);
      timesMs.push(performance.now() - t0);
    } catch (e) {
      if (e instanceof LocateError) continue; // nobody heard
      throw e;
    }
    const ep = Math.hypot(p.east - s.truth.east, p.north - s.truth.north);
    postAll.push(ep);
    try {
      const m = locateRssMl(obs, model, region);
      ml.push(Math.hypot(m.east - s.truth.east, m.north - s.truth.north));
      post.push(ep);
    } catch (e) {
      if (!(e instanceof LocateError)) throw e;
      refused++;
    }
  }
  const [mp, mm] = [median(post), median(ml)];
  console.log(
    `nw-italy-2m, ${post.length} transmissions heard by ≥ 3 receivers: median error posterior mean ${(mp / 1000).toFixed(1)} km, ` +
      `RSS-ML ${(mm / 1000).toFixed(1)} km; posterior on all ${postAll.length} heard by ≥ 1: ${(median(postAll) / 1000).toFixed(1)} km ` +
      `(ML refused ${refused}); posterior time per call (7 receivers) median ${median(timesMs).toFixed(1)} ms`,
  );
  assert.ok(post.length >= 100, `only ${post.length} transmissions were heard by ≥ 3 receivers`);
  assert.ok(mp <= mm, `median posterior ${mp.toFixed(0)} m vs ML ${mm.toFixed(0)} m`);
});
