// The generated IQ obeys the link budget, the geometry and the oscillators.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groundDistanceM } from '../../src/geo/ground-distance.js';
import { Rng } from '../../src/math/rng.js';
import { FadingProcess } from '../../src/sim/fading.js';
import { synthesizeIq } from '../../src/sim/iq-synth.js';
import { meanPower } from '../../src/sim/link-budget.js';
import { generateSample } from '../../src/sim/sample.js';
import { makeWaveform } from '../../src/sim/waveforms.js';
import { buildWorld } from '../../src/sim/world.js';
import { testScenario } from './fixtures.js';

const C = 299_792_458;

test('SNR measured from the generated IQ matches the link budget within 0.5 dB', () => {
  for (const kind of ['cw', 'fm'] as const) {
    const sc = testScenario({ signals: { kinds: [kind] }, txPowerDbm: [0, 20] });
    const world = buildWorld(sc, 5);
    let checked = 0;
    for (let i = 0; i < 6; i++) {
      const s = generateSample(world, i);
      for (const r of s.recordings) {
        if (r.snrDb < -3 || r.snrDb > 40) continue; // keep the subtraction below well conditioned
        // No calibration error here, so rssiDbm is the true total power; remove the noise power.
        const signalDbm = 10 * Math.log10(10 ** (r.rssiDbm / 10) - 10 ** (r.noiseDbm / 10));
        const measured = signalDbm - r.noiseDbm;
        assert.ok(
          Math.abs(measured - r.snrDb) < 0.5,
          `${kind} ${r.receiverId}: measured SNR ${measured.toFixed(2)} dB vs budget ${r.snrDb.toFixed(2)} dB`,
        );
        checked++;
      }
    }
    assert.ok(checked >= 10, `only ${checked} recordings in the SNR range`);
  }
});

test('the link budget is transmit power minus path loss and shadowing; noise is kTBF', () => {
  const sc = testScenario({ shadowing: { sigmaDb: 6, decorrelationM: 300 } });
  const s = generateSample(buildWorld(sc, 9), 0);
  for (const r of s.recordings) {
    assert.ok(Math.abs(r.rxPowerDbm - (30 - r.pathLossDb - r.shadowingDb)) < 1e-9);
    // −174 dBm/Hz + 10·log10(12.5 kHz) + 6 dB noise figure
    assert.ok(Math.abs(r.noiseDbm - (-173.975 + 10 * Math.log10(12_500) + 6)) < 0.01);
    const d = groundDistanceM(s.truth, sc.network.receivers.find((x) => x.id === r.receiverId)!);
    const expectedLoss = 20 * Math.log10((4 * Math.PI * 100 * 433e6) / C) + 30 * Math.log10(Math.hypot(d, 10 - 1.5) / 100);
    assert.ok(Math.abs(r.pathLossDb - expectedLoss) < 1e-6, `path loss ${r.pathLossDb} vs ${expectedLoss}`);
  }
});

test('each recording is delayed by distance/c: a later window start reproduces the same samples', () => {
  const rng = new Rng(3);
  const wave = makeWaveform('fm', rng, { fmDeviationHz: 2500, fskBaud: 1200, fskShiftHz: 1000 }, 1);
  const still = new FadingProcess(rng, 'none', 0, 0);
  const fs = 12_500;
  const base = {
    waveform: wave,
    sampleRateHz: fs,
    samples: 4000,
    amplitude: 1,
    carrierOffsetHz: 0,
    phase0: 0,
    fading: still,
    noiseVariance: 0,
    rng,
  };
  const tauA = 37e3 / C;
  const tauB = 81.5e3 / C; // 44.5 km further: 148.4 µs, 1.86 samples — a fractional delay
  const a = synthesizeIq({ ...base, startS: 0.1, delayS: tauA });
  const b = synthesizeIq({ ...base, startS: 0.1 + (tauB - tauA), delayS: tauB });
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
  assert.ok(maxDiff < 1e-5, `max |a − b| = ${maxDiff}`);
  // And the same window start shows the signal shifted by exactly the delay difference:
  // cross-correlate at 1 MHz sampling and refine the peak with a parabola.
  const fast = { ...base, sampleRateHz: 1e6, samples: 20_000, startS: 0.1 };
  const x = synthesizeIq({ ...fast, delayS: tauA });
  const y = synthesizeIq({ ...fast, delayS: tauB });
  const corr = (lag: number) => {
    let re = 0;
    for (let n = 200; n < 19_000; n++)
      re += (x[2 * n] as number) * (y[2 * (n + lag)] as number) + (x[2 * n + 1] as number) * (y[2 * (n + lag) + 1] as number);
    return re;
  };
  let best = 0;
  for (let lag = 0; lag < 400; lag++) if (corr(lag) > corr(best)) best = lag;
  const [c0, c1, c2] = [corr(best - 1), corr(best), corr(best + 1)];
  const lagS = (best + (0.5 * (c0 - c2)) / (c0 - 2 * c1 + c2)) / 1e6;
  assert.ok(Math.abs(lagS - (tauB - tauA)) < 0.05e-6, `lag ${lagS * 1e6} µs vs ${(tauB - tauA) * 1e6} µs`);
});

test('recorded delays equal ground distance / c, and GPS timestamps are accurate to microseconds', () => {
  const sc = testScenario({
    network: { name: 'gps', receivers: testScenario().network.receivers.map((r) => ({ ...r, gpsDisciplined: true })) },
  });
  const s = generateSample(buildWorld(sc, 4), 2);
  for (const r of s.recordings) {
    const rx = sc.network.receivers.find((x) => x.id === r.receiverId)!;
    const d = Math.hypot(groundDistanceM(s.truth, rx), rx.altitudeM + rx.antennaHeightM - sc.txHeightM);
    assert.ok(Math.abs(r.delayS - d / C) < 1e-12);
    assert.ok(Math.abs(Number(r.reportedStartUnixNs - r.trueStartUnixNs)) < 6_000, 'GPS timestamp within 6σ of 1 µs');
  }
  const coarse = generateSample(buildWorld(testScenario(), 4), 2).recordings.map((r) =>
    Math.abs(Number(r.reportedStartUnixNs - r.trueStartUnixNs)),
  );
  assert.ok(Math.max(...coarse) > 1e6, 'NTP-timed receivers are off by milliseconds');
});

test('the carrier offset is (tx − rx oscillator error) × frequency and shows in the IQ', () => {
  const sc = testScenario({ oscillatorPpm: { tx: 2, rx: 0.5 }, txPowerDbm: [60, 60] });
  const s = generateSample(buildWorld(sc, 6), 1);
  const r = s.recordings[0]!;
  assert.ok(Math.abs(r.carrierOffsetHz) > 1 && Math.abs(r.carrierOffsetHz) < 433 * 12, `offset ${r.carrierOffsetHz} Hz`);
  // Mean phase increment of the CW tone (lag-1 autocorrelation) gives its frequency.
  const iq = r.iq!;
  let re = 0;
  let im = 0;
  for (let k = 0; k + 1 < iq.length / 2; k++) {
    const [a, b, c, d] = [iq[2 * k]!, iq[2 * k + 1]!, iq[2 * k + 2]!, iq[2 * k + 3]!];
    re += a * c + b * d;
    im += a * d - b * c;
  }
  const measuredHz = (Math.atan2(im, re) * r.sampleRateHz) / (2 * Math.PI);
  assert.ok(Math.abs(measuredHz - r.carrierOffsetHz) < 0.5, `measured ${measuredHz} Hz vs ${r.carrierOffsetHz} Hz`);
});

test('fading has unit mean power, and the K factor sets the power variance', () => {
  for (const [model, k] of [
    ['rayleigh', 0],
    ['rician', 10],
  ] as const) {
    let power = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const f = new FadingProcess(new Rng(11, model, t), model, k, 0);
      const [re, im] = f.gainAt(0);
      power += re * re + im * im;
    }
    assert.ok(Math.abs(power / trials - 1) < 0.15, `${model}: mean |h|² = ${power / trials}`);
  }
  const rician = Array.from({ length: 2000 }, (_, t) => {
    const [re, im] = new FadingProcess(new Rng(12, t), 'rician', 10, 0).gainAt(0);
    return re * re + im * im;
  });
  const mean = rician.reduce((a, b) => a + b, 0) / rician.length;
  const variance = rician.reduce((a, b) => a + (b - mean) ** 2, 0) / rician.length;
  // For Rician power with K = 10: Var(|h|²) = (2K + 1)/(K + 1)² = 21/121 = 0.1736.
  assert.ok(Math.abs(variance - 21 / 121) < 0.03, `Var |h|² = ${variance}`);
});

test('an IQ recording has the expected length and no NaN; offline receivers record nothing', () => {
  const sc = testScenario({ offlineProbability: 0.5, signals: { kinds: ['fsk'] } });
  const world = buildWorld(sc, 8);
  let offline = 0;
  for (let i = 0; i < 10; i++) {
    for (const r of generateSample(world, i).recordings) {
      if (r.offline) {
        offline++;
        assert.equal(r.iq, null);
        assert.equal(r.heard, false);
        continue;
      }
      assert.equal(r.iq?.length, 2 * 0.5 * 12_500);
      assert.ok(r.iq?.every(Number.isFinite));
      assert.ok(meanPower(r.iq as Float32Array) > 0);
    }
  }
  assert.ok(offline > 15 && offline < 45, `offline ${offline} of 60 at p = 0.5`);
});
