// Transmission features: shapes and order, the mask, scalars against known truth, time
// differences, and clear errors for unusable recordings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../src/math/rng.js';
import { defaultFeatureConfig, FeatureConfigSchema } from '../../../src/signal/features/config.js';
import { extractFeatures, recordingFeatures } from '../../../src/signal/features/extract.js';
import { gccPhat } from '../../../src/signal/features/gcc-phat.js';
import { SCALAR_COUNT, SCALAR_NAMES, scalarIndex } from '../../../src/signal/features/scalars.js';
import type { Recording } from '../../../src/signal/recording.js';
import { FadingProcess } from '../../../src/sim/fading.js';
import { synthesizeIq } from '../../../src/sim/iq-synth.js';
import { makeWaveform } from '../../../src/sim/waveforms.js';

const FS = 12_500;

function fmRecording(o: {
  id: string;
  delayS?: number;
  snrDb?: number;
  offsetHz?: number;
  seed?: number;
  startNs?: bigint;
  sigma?: number | null;
  amplitude?: number;
}): Recording {
  const rng = new Rng(o.seed ?? 1, o.id);
  const wave = makeWaveform('fm', new Rng(42, 'shared waveform'), { fmDeviationHz: 2500, fskBaud: 1200, fskShiftHz: 1000 }, 1);
  const amplitude = o.amplitude ?? 0.1;
  const iq = synthesizeIq({
    waveform: wave,
    startS: 0,
    sampleRateHz: FS,
    samples: FS,
    delayS: o.delayS ?? 0,
    amplitude,
    carrierOffsetHz: o.offsetHz ?? 0,
    phase0: 0,
    fading: new FadingProcess(rng, 'none', 0, 0),
    noiseVariance: amplitude ** 2 / 10 ** ((o.snrDb ?? 30) / 10),
    rng,
  });
  return {
    iq,
    sampleRateHz: FS,
    centerFreqHz: 145e6,
    startUnixNs: o.startNs ?? 1_700_000_000_000_000_000n,
    timestampSigmaS: o.sigma === undefined ? 1e-6 : o.sigma,
    receiver: { id: o.id },
    source: `${o.id}.sigmf-meta`,
    meta: { 'heimdall:full_scale_dbm': -30, 'heimdall:calibration_offset_db': 2 },
  };
}

/**
 * A strictly band-limited random signal (64 complex tones within ±4 kHz) delayed by `delay`
 * samples plus complex noise at `snrDb`: its samples are exactly those of the delayed
 * continuous signal, so the true lag is known to any precision.
 */
function bandLimited(delay: number, snrDb: number, noiseSeed: number, samples = FS): Float32Array {
  const rng = new Rng(99, 'tones');
  const tones = Array.from({ length: 64 }, () => ({ f: rng.between(-4000, 4000) / FS, phase: rng.uniform() * 2 * Math.PI }));
  const iq = new Float32Array(2 * samples);
  const amp = 1 / Math.sqrt(tones.length);
  for (let n = 0; n < samples; n++) {
    for (const t of tones) {
      const ph = 2 * Math.PI * t.f * (n - delay) + t.phase;
      iq[2 * n] = (iq[2 * n] as number) + amp * Math.cos(ph);
      iq[2 * n + 1] = (iq[2 * n + 1] as number) + amp * Math.sin(ph);
    }
  }
  new Rng(noiseSeed).addComplexNoise(iq, 10 ** (-snrDb / 10));
  return iq;
}

test('GCC-PHAT recovers a known fractional delay to within 0.1 sample at 20 dB SNR', () => {
  for (const delaySamples of [3.37, -12.81, 0.5, 40.02]) {
    const g = gccPhat(bandLimited(0, 20, 1), bandLimited(delaySamples, 20, 2), FS, 200);
    assert.ok(Math.abs(g.lagSamples - delaySamples) < 0.1, `delay ${delaySamples}: estimated ${g.lagSamples.toFixed(3)}`);
    assert.ok(g.quality > 6, `clear peak (quality ${g.quality.toFixed(1)})`);
  }
  // Unrelated noise gives no clear peak.
  const noise = (seed: number) => {
    const iq = new Float32Array(2 * 4096);
    new Rng(seed).addComplexNoise(iq, 1);
    return iq;
  };
  assert.ok(gccPhat(noise(1), noise(2), 4096).quality < 6);
});

test('features come in network order with a mask; absent receivers are zeros', () => {
  const receivers = ['r0', 'r1', 'r2', 'r3'];
  const f = extractFeatures(
    [fmRecording({ id: 'r2' }), fmRecording({ id: 'r0', amplitude: 0.01 })],
    receivers,
    defaultFeatureConfig,
  );
  const block = 128 * 32;
  assert.equal(f.mel.length, 4 * block);
  assert.deepEqual(Array.from(f.mask), [1, 0, 1, 0]);
  assert.ok(f.mel.subarray(block, 2 * block).every((v) => v === 0));
  assert.ok(f.scalars.subarray(SCALAR_COUNT, 2 * SCALAR_COUNT).every((v) => v === 0));
  // Relative power survives: r0 is 20 dB weaker than r2.
  const rssi = (i: number) => f.scalars[i * SCALAR_COUNT + SCALAR_NAMES.indexOf('rssi_dbfs')] as number;
  assert.ok(Math.abs(rssi(2) - rssi(0) - 20) < 0.3, `rssi ${rssi(2)} vs ${rssi(0)}`);
});

test('scalars: RSSI in dBFS and calibrated dBm, SNR and carrier offset estimates, heard flag', () => {
  const r = fmRecording({ id: 'x', snrDb: 15, offsetHz: 640 });
  const s = recordingFeatures(r, defaultFeatureConfig).scalars;
  const get = (name: (typeof SCALAR_NAMES)[number]) => s[SCALAR_NAMES.indexOf(name)] as number;
  const expectedDbfs = 10 * Math.log10(0.01 * (1 + 10 ** -1.5));
  assert.ok(Math.abs(get('rssi_dbfs') - expectedDbfs) < 0.2, `rssi ${get('rssi_dbfs')} vs ${expectedDbfs}`);
  assert.ok(Math.abs(get('rssi_dbm') - (get('rssi_dbfs') - 30 - 2)) < 1e-4, 'dBm = dBFS + full scale − known offset');
  assert.equal(get('rssi_dbm_known'), 1);
  // The median bin is noise: the estimate sees the signal over the full band, ~15 dB.
  assert.ok(Math.abs(get('snr_db') - 15) < 1.5, `snr ${get('snr_db')}`);
  assert.ok(Math.abs(get('freq_offset_hz') - 640) < 60, `offset ${get('freq_offset_hz')}`);
  assert.equal(get('heard'), 1);
  const quiet = recordingFeatures(fmRecording({ id: 'q', snrDb: -20 }), defaultFeatureConfig).scalars;
  assert.equal(quiet[SCALAR_NAMES.indexOf('heard')], 0);
});

test('time differences between GPS-timed receivers combine timestamps and the correlation lag', () => {
  const tau = 7.25 / FS;
  // b starts recording 1 ms later by its clock; the signal reaches b 7.25 samples later.
  const a = fmRecording({ id: 'a', seed: 1, snrDb: 20 });
  const b = fmRecording({ id: 'b', seed: 2, snrDb: 20, delayS: tau, startNs: 1_700_000_000_000_000_000n + 1_000_000n });
  const c = fmRecording({ id: 'c', seed: 4, snrDb: 20, delayS: 2 * tau });
  const ntp = fmRecording({ id: 'n', seed: 3, sigma: 0.02 });
  const f = extractFeatures([a, b, c, ntp], ['a', 'b', 'c', 'n'], defaultFeatureConfig);
  assert.equal(f.tdoa.length, 2, 'three timed receivers give two differences; the NTP-timed one takes part in none');
  const toA = new Map(f.tdoa.map((d) => [d.j, d]));
  // Every pair is against one reference (the best SNR); which one it is does not matter below.
  const ref = f.tdoa[0]!.i;
  assert.ok(f.tdoa.every((d) => d.i === ref));
  const expected = [0, 0.001 + tau, 2 * tau]; // arrival by each receiver's clock, relative to a
  for (const [j, d] of toA) {
    const want = (expected[j] as number) - (expected[ref] as number);
    assert.ok(Math.abs(d.seconds - want) < 0.1 / FS, `tdoa ${ref}→${j} ${d.seconds} vs ${want}`);
    // σ holds both clocks (1 µs each) and the delay estimate's own σ.
    assert.ok(d.sigmaS >= Math.SQRT2 * 1e-6 && d.sigmaS < 1e-5, `σ ${d.sigmaS}`);
  }
  // Per-receiver arrival times, centred on the timed receivers' mean.
  const at = (r: number, name: 'toa_centered_us' | 'timed' | 'toa_sigma_us') =>
    f.scalars[r * SCALAR_COUNT + scalarIndex(name)] as number;
  const mean = (expected[0]! + expected[1]! + expected[2]!) / 3;
  for (const r of [0, 1, 2]) {
    assert.ok(
      Math.abs(at(r, 'toa_centered_us') - ((expected[r] as number) - mean) * 1e6) < 0.2e6 / FS,
      `${r}: ${at(r, 'toa_centered_us')} µs`,
    );
    assert.ok(at(r, 'toa_sigma_us') > 1, `${r}: σ ${at(r, 'toa_sigma_us')} µs`);
  }
  assert.deepEqual([at(0, 'timed'), at(1, 'timed'), at(2, 'timed'), at(3, 'timed'), at(3, 'toa_centered_us')], [1, 1, 1, 0, 0]);
});

test('unusable recordings are refused with the file and the problem', () => {
  const c = defaultFeatureConfig;
  const bad = fmRecording({ id: 'r0' });
  assert.throws(() => extractFeatures([bad], ['other'], c), /r0\.sigmf-meta: receiver 'r0' is not in the network \(other\)/);
  assert.throws(() => extractFeatures([bad, fmRecording({ id: 'r0' })], ['r0'], c), /a second recording for receiver 'r0'/);
  assert.throws(
    () => recordingFeatures({ ...bad, sampleRateHz: 48_000 }, c),
    /sample rate 48000 Hz, but the features expect 12500 Hz/,
  );
  assert.throws(
    () => recordingFeatures({ ...bad, iq: bad.iq.subarray(0, 2000) }, c),
    /1000 samples, but the features need 12500 \(1\.000 s\)/,
  );
  const nan = Float32Array.from(bad.iq);
  nan[2 * 77 + 1] = Number.NaN;
  assert.throws(() => recordingFeatures({ ...bad, iq: nan }, c), /sample 77 \(Q\) is NaN; NaN\/Inf samples are not accepted/);
  const shortConfig = FeatureConfigSchema.parse({ samples: 4096, nFft: 256 });
  assert.equal(recordingFeatures(bad, shortConfig).mel.length, 128 * 32, 'longer recordings use their first `samples`');
});
