// The wideband channel: TR 38.901 TDL profiles, LOS probability, NLOS excess delay, multipath synthesis,
// and the metro-tdoa preset that uses them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../../src/math/rng.js';
import { gccPhat } from '../../src/signal/features/gcc-phat.js';
import { drawLinkChannel, linkPaths, mergeToleranceS } from '../../src/sim/channel.js';
import { ChannelSchema, ScenarioSchema } from '../../src/sim/config.js';
import { FadingProcess } from '../../src/sim/fading.js';
import { synthesizeIq } from '../../src/sim/iq-synth.js';
import { METRO_TDOA_10 } from '../../src/sim/networks.js';
import { drawExcessDelayS, EXCESS_DELAY_LG, excessDelayMoments, losProbability, NLOS_MODELS } from '../../src/sim/nlos.js';
import { PRESETS } from '../../src/sim/presets.js';
import { CRLB_SINGLE_PATH_ASSUMPTION, generateSample } from '../../src/sim/sample.js';
import { resolveScenario } from '../../src/sim/scenario.js';
import { isLosProfile, rmsDelaySpreadS, TDL_PROFILES, tdlTaps } from '../../src/sim/tdl.js';
import { makeWaveform } from '../../src/sim/waveforms.js';
import { buildWorld } from '../../src/sim/world.js';

describe('TR 38.901 tapped delay lines', () => {
  test('each profile has its table’s tap count, unit total power and the configured RMS delay spread', () => {
    // Tables 7.7.2-1…5: 23, 23, 24, 13 and 14 taps (the LOS tap of D/E merged with its Rayleigh part).
    const counts = { 'tdl-a': 23, 'tdl-b': 23, 'tdl-c': 24, 'tdl-d': 13, 'tdl-e': 14 };
    for (const p of TDL_PROFILES) {
      for (const ds of [30e-9, 363e-9, 1e-6]) {
        const taps = tdlTaps(p, ds);
        assert.equal(taps.length, counts[p], `${p} tap count`);
        const total = taps.reduce((a, t) => a + t.power, 0);
        assert.ok(Math.abs(total - 1) < 1e-12, `${p}: powers sum to ${total}`);
        // The tables are normalized to a unit delay spread (TDL-D to 0.994 of it).
        const rel = rmsDelaySpreadS(taps) / ds;
        assert.ok(Math.abs(rel - 1) < 0.01, `${p} at ${ds * 1e9} ns: RMS delay spread ${rel.toFixed(4)}× the configured one`);
        assert.ok(
          taps.every((t) => t.delayS >= 0),
          `${p}: no tap before the first`,
        );
      }
    }
  });

  test('LOS profiles carry the tables’ K factor on their first tap only; NLOS profiles are all Rayleigh', () => {
    const kDb = (p: 'tdl-d' | 'tdl-e') => 10 * Math.log10((tdlTaps(p, 1e-7)[0] as { kFactor: number }).kFactor);
    assert.ok(Math.abs(kDb('tdl-d') - 13.3) < 0.05, `TDL-D K ${kDb('tdl-d')} dB, table 13.3 dB`);
    assert.ok(Math.abs(kDb('tdl-e') - 22) < 0.05, `TDL-E K ${kDb('tdl-e')} dB, table 22 dB`);
    for (const p of TDL_PROFILES) {
      const taps = tdlTaps(p, 1e-7);
      assert.equal(isLosProfile(p), p === 'tdl-d' || p === 'tdl-e');
      assert.ok(
        taps.slice(isLosProfile(p) ? 1 : 0).every((t) => t.kFactor === 0),
        `${p}: scattered taps are Rayleigh`,
      );
    }
  });

  test('a negative delay spread is refused with the argument named', () => {
    assert.throws(() => tdlTaps('tdl-a', -1e-9), /tdlTaps: delaySpreadS must be a finite number >= 0, got -1e-9/);
  });
});

describe('LOS probability and NLOS excess delay (TR 38.901 Table 7.4.2-1, §7.6.9)', () => {
  test('LOS probability matches the table’s formulas and falls with distance', () => {
    const formula = {
      'umi-street-canyon': (d: number) => (d <= 18 ? 1 : 18 / d + Math.exp(-d / 36) * (1 - 18 / d)),
      uma: (d: number) => (d <= 18 ? 1 : 18 / d + Math.exp(-d / 63) * (1 - 18 / d)),
      rma: (d: number) => (d <= 10 ? 1 : Math.exp(-(d - 10) / 1000)),
    };
    for (const m of NLOS_MODELS) {
      let last = 1;
      for (const d of [5, 18, 50, 200, 1000, 3000]) {
        const p = losProbability(m, d);
        assert.ok(Math.abs(p - formula[m](d)) < 1e-15, `${m} at ${d} m`);
        assert.ok(p <= last && p > 0, `${m}: non-increasing and positive at ${d} m`);
        last = p;
      }
    }
    // Worked values: UMa at 200 m = 0.09 + 0.91·e^(−200/63) ≈ 0.1280, at 2 km ≈ 18/2000; RMa at 1010 m = e⁻¹.
    assert.ok(Math.abs(losProbability('uma', 200) - 0.128) < 1e-4);
    assert.ok(Math.abs(losProbability('uma', 2000) - 0.009) < 1e-6);
    assert.ok(Math.abs(losProbability('rma', 1010) - Math.exp(-1)) < 1e-12);
    assert.throws(() => losProbability('uma', -1), /distance2dM must be >= 0, got -1/);
  });

  test('excess delays are positive and lognormal with the table’s lg mean and σ', () => {
    for (const m of NLOS_MODELS) {
      const rng = new Rng(11, 'excess', m);
      const draws = Array.from({ length: 4000 }, () => drawExcessDelayS(m, rng));
      assert.ok(
        draws.every((d) => d > 0),
        `${m}: all positive`,
      );
      const lg = draws.map(Math.log10);
      const mean = lg.reduce((a, b) => a + b, 0) / lg.length;
      const sd = Math.sqrt(lg.reduce((a, b) => a + (b - mean) ** 2, 0) / (lg.length - 1));
      const { mu, sigma } = EXCESS_DELAY_LG[m];
      // Standard error of the mean is σ/√4000 ≤ 0.008; of the σ, σ/√8000.
      assert.ok(Math.abs(mean - mu) < 0.03, `${m}: lg mean ${mean.toFixed(3)} vs ${mu}`);
      assert.ok(Math.abs(sd / sigma - 1) < 0.05, `${m}: lg σ ${sd.toFixed(3)} vs ${sigma}`);
      const sorted = [...draws].sort((a, b) => a - b);
      const median = sorted[sorted.length >> 1] as number;
      const arith = draws.reduce((a, b) => a + b, 0) / draws.length;
      const moments = excessDelayMoments(m);
      assert.ok(Math.abs(median / moments.medianS - 1) < 0.1, `${m}: median ${median} vs ${moments.medianS}`);
      assert.ok(Math.abs(arith / moments.meanS - 1) < 0.1, `${m}: mean ${arith} vs ${moments.meanS}`);
    }
  });

  test('a link drawn NLOS gets the NLOS profile and a positive excess delay; LOS links none', () => {
    const cfg = ChannelSchema.parse({ multipath: 'tdl-d', nlos: { model: 'uma' } });
    const rng = new Rng(3, 'links');
    let nlos = 0;
    for (let i = 0; i < 400; i++) {
      const ch = drawLinkChannel(cfg, 150, rng);
      if (ch.los) {
        assert.equal(ch.excessDelayS, 0);
        assert.equal(ch.profile, 'tdl-d');
      } else {
        nlos++;
        assert.ok(ch.excessDelayS > 0);
        assert.equal(ch.profile, 'tdl-c');
        assert.equal(ch.delaySpreadS, 363e-9);
      }
    }
    // P(NLOS) at 150 m in UMa = 1 − 0.162…: 400 draws within ±4σ of 0.838·400.
    const p = 1 - losProbability('uma', 150);
    assert.ok(Math.abs(nlos - 400 * p) < 4 * Math.sqrt(400 * p * (1 - p)), `${nlos} NLOS of 400, expected ${400 * p}`);
  });
});

describe('multipath synthesis', () => {
  const fs = 1e6;
  const n = 8192;
  const wave = () => makeWaveform('fsk', new Rng(5, 'wave'), { fmDeviationHz: 2500, fskBaud: 50e3, fskShiftHz: 50e3 }, n / fs);
  const base = (w: ReturnType<typeof wave>) => ({
    waveform: w,
    startS: 0,
    sampleRateHz: fs,
    samples: n,
    delayS: 3.3e-6,
    amplitude: 0.5,
    carrierOffsetHz: 120,
    phase0: 0.3,
    noiseVariance: 0,
    rng: new Rng(1, 'noise'),
  });

  test('one path given as a list is bit-identical to the flat channel', () => {
    const w = wave();
    const flat = synthesizeIq({ ...base(w), fading: new FadingProcess(new Rng(2, 'f'), 'rician', 6, 3) });
    const listed = synthesizeIq({
      ...base(w),
      fading: new FadingProcess(new Rng(9, 'unused'), 'none', 0, 0),
      paths: [{ delayS: 3.3e-6, amplitude: 0.5, fading: new FadingProcess(new Rng(2, 'f'), 'rician', 6, 3) }],
    });
    assert.deepEqual(Buffer.from(listed.buffer), Buffer.from(flat.buffer));
  });

  test('the channel section off leaves samples exactly as with no channel section', () => {
    const p = PRESETS['dense-urban-uhf'];
    const implicit = buildWorld(resolveScenario({ scenario: { ...p, durationS: 0.05 } }), 4);
    const explicit = buildWorld(
      resolveScenario({ scenario: { ...p, durationS: 0.05, channel: { multipath: 'none', nlos: { model: 'none' } } } }),
      4,
    );
    const a = generateSample(implicit, 2);
    const b = generateSample(explicit, 2);
    assert.deepEqual(b, a);
    assert.ok(a.recordings.every((r) => r.los && r.excessDelayS === 0 && r.channelProfile === 'none' && r.delaySpreadS === 0));
    assert.ok(!('reason' in a.crlb) && a.crlb.assumes === undefined, 'a single-path CRLB carries no caveat');
  });

  test('the arrival-time error of GCC-PHAT grows with the delay spread', () => {
    // A clean reference against one TDL-C link (noise-free); the error is the measured lag minus the true
    // first-path delay, over 16 seeded channel draws per delay spread.
    const w = wave();
    const ref = synthesizeIq({ ...base(w), delayS: 0, fading: new FadingProcess(new Rng(0, 'r'), 'none', 0, 0) });
    const rmsErrorS = (ds: number) => {
      let sum = 0;
      for (let k = 0; k < 16; k++) {
        const rng = new Rng(21, 'tdl', ds, k);
        const ch = {
          los: false,
          excessDelayS: 0,
          profile: 'tdl-c' as const,
          delaySpreadS: ds,
          extraLossDb: 0,
          taps: tdlTaps('tdl-c', ds),
        };
        const paths = linkPaths(ch, 3.3e-6, 0.5, 3, rng, 0);
        assert.ok(paths !== null);
        const iq = synthesizeIq({ ...base(w), fading: new FadingProcess(rng, 'none', 0, 0), paths });
        const g = gccPhat(ref, iq, n);
        sum += (g.lagSamples / fs - 3.3e-6) ** 2;
      }
      return Math.sqrt(sum / 16);
    };
    const e30 = rmsErrorS(30e-9);
    const e300 = rmsErrorS(300e-9);
    const e1000 = rmsErrorS(1000e-9);
    assert.ok(e30 < 60e-9, `30 ns spread: RMS error ${(e30 * 1e9).toFixed(1)} ns`);
    assert.ok(e300 > 2 * e30, `300 ns: ${(e300 * 1e9).toFixed(1)} ns vs 30 ns: ${(e30 * 1e9).toFixed(1)} ns`);
    assert.ok(e1000 > 2 * e300, `1000 ns: ${(e1000 * 1e9).toFixed(1)} ns vs 300 ns: ${(e300 * 1e9).toFixed(1)} ns`);
  });

  test('grouped taps keep each tap’s fading; the grouping tolerance follows the bandwidth', () => {
    assert.ok(Math.abs(mergeToleranceS(25e3) - 0.01 / (2 * Math.PI * 25e3)) < 1e-20);
    assert.equal(mergeToleranceS(0), Number.POSITIVE_INFINITY);
    const ch = {
      los: false,
      excessDelayS: 4e-8,
      profile: 'tdl-c' as const,
      delaySpreadS: 363e-9,
      extraLossDb: 0,
      taps: tdlTaps('tdl-c', 363e-9),
    };
    const exact = linkPaths(ch, 1e-5, 1, 3, new Rng(1, 'g'), 0);
    const grouped = linkPaths(ch, 1e-5, 1, 3, new Rng(1, 'g'), mergeToleranceS(25e3));
    assert.ok(exact !== null && grouped !== null);
    assert.equal(exact.length, 24);
    assert.ok(grouped.length < exact.length, `${grouped.length} grouped paths`);
    // The first path arrives at direct + excess delay in both.
    assert.ok(Math.abs(Math.min(...exact.map((p) => p.delayS)) - (1e-5 + 4e-8)) < 1e-15);
    assert.ok(Math.abs(Math.min(...grouped.map((p) => p.delayS)) - (1e-5 + 4e-8)) < 1e-15);
  });
});

describe('metro-tdoa preset', () => {
  test('its network is 8–12 GPS-disciplined wideband receivers 1–3 km from their nearest neighbour', () => {
    const rx = METRO_TDOA_10.receivers;
    assert.ok(rx.length >= 8 && rx.length <= 12);
    const m = (a: (typeof rx)[number], b: (typeof rx)[number]) =>
      Math.hypot((a.lat - b.lat) * 111_132, (a.lon - b.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180));
    for (const r of rx) {
      assert.equal(r.gpsDisciplined, true);
      assert.ok((r.sampleRateHz ?? 0) >= 1e6, `${r.id}: ${r.sampleRateHz} S/s`);
      const nearest = Math.min(...rx.filter((o) => o !== r).map((o) => m(r, o)));
      assert.ok(nearest >= 1000 && nearest <= 3000, `${r.id}: nearest neighbour ${nearest.toFixed(0)} m`);
    }
  });

  test('it validates and generates a sample whose links record LOS state, excess delay and TDL', () => {
    const sc = resolveScenario({ preset: 'metro-tdoa' });
    assert.equal(sc.timing.gpsJitterS, 20e-9);
    assert.equal(sc.channel.nlos.model, 'uma');
    const s = generateSample(buildWorld(sc, 1), 0);
    assert.equal(s.recordings.length, 10);
    for (const r of s.recordings) {
      // A 10 ms capture at 1 MS/s.
      assert.equal(r.iq?.length ?? 2 * 10_000, 2 * Math.round(sc.durationS * 1e6));
      assert.equal(sc.durationS, 0.01);
      assert.equal(r.excessDelayS > 0, !r.los, `${r.receiverId}: excess delay ${r.excessDelayS} with los ${r.los}`);
      assert.equal(r.channelProfile, r.los ? 'tdl-d' : 'tdl-c');
      assert.ok(r.iq === null || r.iq.every(Number.isFinite));
    }
    if (!('reason' in s.crlb)) assert.equal(s.crlb.assumes, CRLB_SINGLE_PATH_ASSUMPTION);
  });

  test('a bad channel section is refused with the field named', () => {
    const r = ScenarioSchema.safeParse({ ...PRESETS['metro-tdoa'], channel: { multipath: 'tdl-z', delaySpreadS: 1 } });
    assert.equal(r.success, false);
    const paths = r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    assert.deepEqual(paths.sort(), ['channel.delaySpreadS', 'channel.multipath']);
  });
});
