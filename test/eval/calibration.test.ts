import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareWithBound, fitCorrectionGain, fitSigmaScale, significantlyLower } from '../../src/eval/calibration.js';
import { localizationMetrics } from '../../src/eval/metrics.js';
import { prng } from '../helpers.js';

function gaussianPairs(
  n: number,
  trueSigma: number,
  seed: number,
): { errorE: number; errorN: number; cov: [[number, number], [number, number]] }[] {
  const r = prng(seed);
  return Array.from({ length: n }, () => {
    const u = Math.max(r(), 1e-12);
    const v = r();
    const rad = Math.sqrt(-2 * Math.log(u)) * trueSigma;
    return {
      errorE: rad * Math.cos(2 * Math.PI * v),
      errorN: rad * Math.sin(2 * Math.PI * v),
      cov: [
        [100, 0],
        [0, 100],
      ],
    };
  });
}

test('fitSigmaScale recovers the factor by which the predicted σ is off', () => {
  // Errors with σ = 20 m while the model predicts σ = 10 m: the ellipses must grow 2×.
  const k = fitSigmaScale(gaussianPairs(4000, 20, 1));
  assert.ok(Math.abs(k - 2) < 0.1, `k = ${k}`);
  // Already calibrated: k ≈ 1.
  assert.ok(Math.abs(fitSigmaScale(gaussianPairs(4000, 10, 2)) - 1) < 0.06);
  // Applying the factor fixes the coverage on fresh samples.
  const fresh = gaussianPairs(4000, 20, 3).map((s) => ({
    ...s,
    cov: [
      [100 * k * k, 0],
      [0, 100 * k * k],
    ] as [[number, number], [number, number]],
  }));
  const m = localizationMetrics(fresh);
  assert.ok(
    Math.abs(m.coverage1Sigma - 0.3935) < 0.03 && Math.abs(m.coverage2Sigma - 0.8647) < 0.03,
    `${m.coverage1Sigma}, ${m.coverage2Sigma}`,
  );
});

test('fitSigmaScale with onlyIfMiscalibrated leaves ellipses alone that are calibrated within sampling error', () => {
  // 450 samples of a calibrated Gaussian: the plain fit chases the noise, the guarded one keeps 1.
  const calibrated = gaussianPairs(450, 10, 3);
  assert.equal(fitSigmaScale(calibrated, { onlyIfMiscalibrated: true }), 1);
  // Really off by 1.5×: fitted either way.
  const off = gaussianPairs(450, 15, 4);
  const k = fitSigmaScale(off, { onlyIfMiscalibrated: true });
  assert.ok(Math.abs(k - 1.5) < 0.2, `k = ${k}`);
  assert.equal(k, fitSigmaScale(off));
});

test('compareWithBound takes both medians over the samples that have a bound, and counts the others', () => {
  // The two samples without a bound have the largest errors: leaving them in the error median
  // (as a comparison over different sets would) moves it from 2 to 3.
  const errors = [1, 2, 3, 100, 200];
  const bounds = [10, 20, 30, null, null];
  const c = compareWithBound(errors, bounds);
  assert.ok(c);
  assert.equal(c.medianErrorM, 2);
  assert.equal(c.boundMedianM, 20);
  assert.equal(c.compared, 3);
  assert.equal(c.leftOut, 2);
  assert.equal(compareWithBound([1, 2], [null, null]), null);
  assert.throws(() => compareWithBound([1], []), /1 errors but 0 bounds/);
});

test('fitCorrectionGain keeps a correction that helps, and drops one that does not', () => {
  const rnd = prng(17);
  const truth = Array.from({ length: 401 }, () => ({ east: 1000 * rnd(), north: 1000 * rnd() }));
  // A prior off by a fixed bias plus noise; a model that removes 80 % of the bias.
  const prior = truth.map((t) => ({ east: t.east + 300 + 50 * (rnd() - 0.5), north: t.north - 200 + 50 * (rnd() - 0.5) }));
  const good = prior.map((p) => ({ east: p.east - 240, north: p.north + 160 }));
  const g = fitCorrectionGain(prior, good, truth);
  assert.equal(g.gain, 1);
  assert.ok(g.correctedMedianM < 0.35 * g.priorMedianM, `${g.correctedMedianM} vs prior ${g.priorMedianM}`);
  assert.equal(g.fullMedianM, g.correctedMedianM);
  // Overshooting by twice the bias: half of it is the best the grid offers.
  const over = prior.map((p) => ({ east: p.east - 600, north: p.north + 400 }));
  assert.equal(fitCorrectionGain(prior, over, truth).gain, 0.5);
  // Pure noise on top of a perfect prior: the prior itself.
  const perfect = truth.map((t) => ({ ...t }));
  const noisy = perfect.map((p) => ({ east: p.east + 100 * (rnd() - 0.5), north: p.north + 100 * (rnd() - 0.5) }));
  const none = fitCorrectionGain(perfect, noisy, truth);
  assert.equal(none.gain, 0);
  assert.equal(none.correctedMedianM, 0);
  // A noisy prior and a "correction" that is more noise: whatever gain happens to look best on
  // these samples, it is not a significant improvement, so the prior is kept.
  const rough = truth.map((t) => ({ east: t.east + 200 * (rnd() - 0.5), north: t.north + 200 * (rnd() - 0.5) }));
  const jitter = rough.map((p) => ({ east: p.east + 60 * (rnd() - 0.5), north: p.north + 60 * (rnd() - 0.5) }));
  const chance = fitCorrectionGain(rough, jitter, truth);
  assert.equal(chance.gain, 0);
  assert.equal(chance.correctedMedianM, chance.priorMedianM);
  if (chance.bestGain > 0) assert.ok(chance.improvementUpperM >= 0, `upper bound ${chance.improvementUpperM}`);
  // The same inputs and seed give the same answer.
  assert.deepEqual(fitCorrectionGain(prior, over, truth, { seed: 3 }), fitCorrectionGain(prior, over, truth, { seed: 3 }));
  assert.throws(() => fitCorrectionGain(prior, good.slice(1), truth), {
    message: /as many priors, model positions and truths \(got 401, 400, 401\)/,
  });
});

test('significantlyLower: a paired mean improvement of more than two standard errors', () => {
  const rnd = prng(5);
  const base = Array.from({ length: 400 }, () => 10 + rnd());
  assert.equal(
    significantlyLower(
      base.map((v) => v - 0.2),
      base,
    ),
    true,
  );
  assert.equal(
    significantlyLower(
      base.map((v) => v + 0.5 * (rnd() - 0.5)),
      base,
    ),
    false,
  );
  assert.equal(
    significantlyLower(
      base.map((v) => v + 0.2),
      base,
    ),
    false,
  );
  assert.equal(significantlyLower([1], [2]), false, 'one sample proves nothing');
});
