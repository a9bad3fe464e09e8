import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../src/math/rng.js';
import { ScenarioSchema } from '../../../src/sim/config.js';
import { rootRaisedCosine } from '../../../src/sim/waveforms/dv25.js';
import { makeWaveform } from '../../../src/sim/waveforms.js';
import { CASES, DEFAULTS, periodogram, powerBeyond, renderComplex, spectralRmsBandwidthHz, waveform } from './helpers.js';

/** Aliasing level each kind must stay below: its power beyond ±0.9 × fs/2 of its receiver rate (dB). */
const MAX_OUT_OF_BAND_DB: Record<string, number> = {
  fm: -40, // Carson's 11 kHz inside ±6 kHz; Bessel tails beyond measure ≈ −45 dB
  wbfm: -40, // Carson's 180 kHz inside ±112.5 kHz at 250 kS/s
  lora: -38, // frequency wraps (phase continuous) splatter as 1/f⁴: ≈ −42 dB at 250 kS/s
  fsk: -90, // Gaussian-filtered: ≈ −107 dB
  dv25: -60, // root-raised-cosine: ≈ −68 dB (the tabulated pulse's truncation)
};

test('every kind is band-limited: power beyond ±0.9 × fs/2 of its receiver rate is below its stated level', (t) => {
  const lines: string[] = [];
  for (const c of CASES) {
    const windowS = c.rateHz > 20_000 ? 0.02 : 0.5;
    const over = 8; // render 8× faster than the receiver samples: what lies beyond its band would alias
    const w = waveform(c, 1, windowS);
    const p = periodogram(renderComplex(w, 0, over * c.rateHz, Math.round(windowS * over * c.rateHz)), over * c.rateHz);
    const db = 10 * Math.log10(powerBeyond(p, 0.45 * c.rateHz));
    lines.push(`${c.label}: ${db.toFixed(1)} dB beyond ±${(0.45 * c.rateHz) / 1000} kHz`);
    assert.ok(db < (MAX_OUT_OF_BAND_DB[c.kind] as number), lines.at(-1));
    assert.ok(w.occupiedBandwidthHz <= c.rateHz, `${c.label}: occupied ${w.occupiedBandwidthHz} Hz`);
  }
  t.diagnostic(lines.join('; '));
});

test('rmsBandwidthHz matches the RMS bandwidth of a rendered realization’s spectrum within 6 %', (t) => {
  const lines: string[] = [];
  for (const c of CASES) {
    // Long enough for the lowest audio tone (50 Hz for wbfm) to average out; rendered at 2× the receiver rate.
    const windowS = c.kind === 'wbfm' ? 0.2 : c.rateHz > 20_000 ? 0.04 : 1;
    const fs = 2 * c.rateHz;
    for (const seed of [1, 2]) {
      const w = waveform(c, seed, windowS);
      const measured = spectralRmsBandwidthHz(periodogram(renderComplex(w, 0, fs, Math.round(windowS * fs)), fs));
      lines.push(`${c.label} #${seed}: stated ${w.rmsBandwidthHz.toFixed(1)} Hz, spectrum ${measured.toFixed(1)} Hz`);
      assert.ok(Math.abs(measured / w.rmsBandwidthHz - 1) < 0.06, lines.at(-1));
    }
  }
  t.diagnostic(lines.join('; '));
});

test('the envelope has mean square 1 while on (so the link budget sets the power), peaks above 1 for dv25', () => {
  for (const c of CASES) {
    const windowS = c.rateHz > 20_000 ? 0.04 : 1;
    const w = waveform(c, 3, windowS);
    const start = Number(w.params.burstStartS ?? 0);
    const duration = Number(w.params.burstDurationS ?? windowS);
    // The middle half of the burst: clear of the ramps.
    const n = Math.round((duration / 2) * c.rateHz);
    const phase = new Float64Array(n);
    const env = new Float32Array(n);
    w.render(start + duration / 4, c.rateHz, phase, env);
    const ms = env.reduce((acc, e) => acc + e * e, 0) / n;
    assert.ok(Math.abs(ms - 1) < 0.05, `${c.label}: envelope mean square ${ms}`);
    if (c.kind === 'dv25') assert.ok(Math.max(...env) > 1.2, 'a linear modulation’s envelope exceeds its RMS');
  }
});

test('bursts occupy part of the window with smooth ramps: zero before, full inside, zero after', () => {
  const rng = new Rng(4);
  for (const kind of ['fsk', 'lora', 'dv25'] as const) {
    const w = makeWaveform(kind, rng, DEFAULTS, 0.04);
    const start = Number(w.params.burstStartS);
    const duration = Number(w.params.burstDurationS);
    assert.ok(start >= 0.05 * 0.04 && start <= 0.3 * 0.04 && Math.abs(duration - 0.02) < 1e-12, `${kind}: ${start}, ${duration}`);
    const fs = 1e6;
    const n = Math.round(0.04 * fs);
    const phase = new Float64Array(n);
    const env = new Float32Array(n);
    w.render(0, fs, phase, env);
    const at = (s: number) => env[Math.round(s * fs)] as number;
    assert.equal(at(start - 1e-5), 0);
    assert.equal(at(start + duration + 1e-5), 0);
    assert.ok(at(start + 1e-5) < 0.01, `${kind}: the ramp starts from 0`);
    // Raised-cosine ramp: no step anywhere larger than the steepest ramp slope allows.
    let maxStep = 0;
    for (let k = 1; k < n; k++)
      if (kind !== 'dv25') maxStep = Math.max(maxStep, Math.abs((env[k] as number) - (env[k - 1] as number)));
    if (kind !== 'dv25') assert.ok(maxStep < 0.01, `${kind}: envelope step ${maxStep}`);
  }
});

test('LoRa draws its spreading factor from the configured range; the schema names the new kinds and defaults', () => {
  const sfs = new Set<number>();
  for (let i = 0; i < 40; i++) {
    const w = makeWaveform('lora', new Rng(i), { ...DEFAULTS, loraSpreadingFactors: [7, 9] }, 0.05);
    sfs.add(Number(w.params.spreadingFactor));
    assert.ok(Math.abs(w.rmsBandwidthHz - 125_000 / Math.sqrt(12)) < 1e-6);
  }
  assert.deepEqual([...sfs].sort(), [7, 8, 9]);
  assert.throws(() => makeWaveform('lora', new Rng(1), { ...DEFAULTS, loraSpreadingFactors: [9, 7] }, 0.05), /\[9, 7\]/);
  const signals = ScenarioSchema.innerType().shape.signals.parse({ kinds: ['lora', 'dv25', 'wbfm'] });
  assert.equal(signals.fskBt, 0.5);
  assert.equal(signals.loraBandwidthHz, 125_000);
  assert.deepEqual(signals.loraSpreadingFactors, [7, 9]);
  assert.equal(signals.wbfmDeviationHz, 75_000);
  assert.equal(ScenarioSchema.innerType().shape.signals.safeParse({ kinds: ['am'] }).success, false);
});

test('the root-raised-cosine pulse has unit energy per symbol and is finite at its singular points', () => {
  let energy = 0;
  for (let i = -16_000; i <= 16_000; i++) energy += rootRaisedCosine(i / 1000, 0.35) ** 2 / 1000;
  assert.ok(Math.abs(energy - 1) < 2e-3, `energy ${energy}`);
  const singular = 1 / (4 * 0.35);
  const near = rootRaisedCosine(singular + 1e-6, 0.35);
  assert.ok(Math.abs(rootRaisedCosine(singular, 0.35) - near) < 1e-4);
});
