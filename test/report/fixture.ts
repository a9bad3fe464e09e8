// A realistic evaluation document for report tests: a few hundred synthetic transmissions in a
// region with eight receivers, the model's errors drawn from its (calibrated) covariances, five
// references of differing quality, a CRLB, a learning curve and GDOP/SNR breakdowns.

import { binnedMedians, boundMetrics, estimatorMetrics } from '../../src/eval/estimator-metrics.js';
import type { EstimatorSample, EvaluationDocument, MapEstimate, ReferenceBlock } from '../../src/eval/evaluation-document.js';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { type Cov2, ellipseOf } from '../../src/math/gaussian2d.js';
import { Rng } from '../../src/math/rng.js';

export interface FixtureOptions {
  samples?: number;
  seed?: number;
  modelName?: string;
  /** Leave the learning curve empty (the page must say so instead of drawing). */
  noLearningCurve?: boolean;
}

const REGION = { south: 47.3, west: 8.4, north: 47.45, east: 8.65 };

/** An error drawn from N(0, Σ) with Σ = scale² · R diag(σ₁², σ₂²) Rᵀ and its covariance. */
function drawError(rng: Rng, sigmaM: number, scale = 1): EstimatorSample {
  const s1 = sigmaM * rng.between(1, 2.5);
  const s2 = sigmaM * rng.between(0.5, 1);
  const th = rng.between(0, Math.PI);
  const c = Math.cos(th);
  const s = Math.sin(th);
  const a = c * c * s1 * s1 + s * s * s2 * s2;
  const d = s * s * s1 * s1 + c * c * s2 * s2;
  const b = c * s * (s1 * s1 - s2 * s2);
  const z1 = rng.normal();
  const z2 = rng.normal();
  const cov: Cov2 = [
    [a * scale * scale, b * scale * scale],
    [b * scale * scale, d * scale * scale],
  ];
  return { errorE: s1 * z1 * c - s2 * z2 * s, errorN: s1 * z1 * s + s2 * z2 * c, cov };
}

export function fixtureDocument(o: FixtureOptions = {}): EvaluationDocument {
  const n = o.samples ?? 300;
  const rng = new Rng(o.seed ?? 2026, 'report fixture');
  const frame = new LocalFrame({ lat: (REGION.south + REGION.north) / 2, lon: (REGION.west + REGION.east) / 2 });
  const receivers = Array.from({ length: 8 }, (_, i) => ({
    id: `rx-${i + 1}`,
    lat: rng.between(REGION.south + 0.01, REGION.north - 0.01),
    lon: rng.between(REGION.west + 0.01, REGION.east - 0.01),
  }));
  const model: EstimatorSample[] = [];
  const posterior: EstimatorSample[] = [];
  const rss: EstimatorSample[] = [];
  const tdoa: (EstimatorSample | null)[] = [];
  const centroid: EstimatorSample[] = [];
  const strongest: EstimatorSample[] = [];
  const crlb: (number | null)[] = [];
  const gdop: (number | null)[] = [];
  const snr: (number | null)[] = [];
  const truths: { lat: number; lon: number }[] = [];
  for (let i = 0; i < n; i++) {
    truths.push({ lat: rng.between(REGION.south, REGION.north), lon: rng.between(REGION.west, REGION.east) });
    const g = rng.between(1.2, 8);
    const snrDb = rng.between(0, 35);
    gdop.push(g);
    snr.push(snrDb);
    const quality = g * (1.5 - snrDb / 40); // worse geometry and weaker signal: larger errors
    model.push(drawError(rng, 60 * quality));
    posterior.push(drawError(rng, 80 * quality));
    rss.push(drawError(rng, 110 * quality, 0.6)); // over-confident: reports σ × 0.6
    tdoa.push(rng.uniform() < 0.15 ? null : { ...drawError(rng, 90 * quality), cov: null });
    centroid.push({ ...drawError(rng, 400), cov: null });
    strongest.push({ ...drawError(rng, 600), cov: null });
    crlb.push(rng.uniform() < 0.05 ? null : 40 * quality);
  }
  const radial = (s: EstimatorSample | null) => (s ? Math.hypot(s.errorE, s.errorN) : null);
  const est = (samples: EstimatorSample[]) => estimatorMetrics(samples, { bootstrap: 300, seed: 1 });
  const tdoaApplied = tdoa.filter((s): s is EstimatorSample => s !== null);
  const references: Partial<Record<string, ReferenceBlock>> = {
    posteriorMean: {
      label: 'Posterior mean (grid Bayes, known propagation model)',
      description:
        'Posterior mean of position on a 50 m grid given the received powers and the simulator’s path-loss model with shadowing.',
      notApplicable: 0,
      ...est(posterior),
    },
    rssMl: {
      label: 'RSS maximum likelihood',
      description: 'Least squares on received power with a log-distance model; covariance from the Gauss–Newton Hessian.',
      notApplicable: 0,
      ...est(rss),
    },
    tdoa: {
      label: 'TDOA (Chan + Gauss–Newton)',
      description: 'Time differences of arrival between GPS-timed receivers; needs at least 3 timed receivers.',
      notApplicable: n - tdoaApplied.length,
      ...est(tdoaApplied),
    },
    centroid: {
      label: 'Weighted centroid',
      description: 'Receiver positions weighted by linear received power.',
      notApplicable: 0,
      ...est(centroid),
    },
    strongest: {
      label: 'Strongest receiver',
      description: 'The position of the receiver with the highest power.',
      notApplicable: 0,
      ...est(strongest),
    },
    crlb: {
      label: 'CRLB (bound for unbiased estimators with independent shadowing)',
      description: 'CEP50 of the Cramér–Rao bound per sample; not the physical limit.',
      notApplicable: crlb.filter((b) => b === null).length,
      ...boundMetrics(crlb),
    },
  };
  const errors = {
    model: model.map(radial),
    posteriorMean: posterior.map(radial),
    rssMl: rss.map(radial),
    tdoa: tdoa.map(radial),
    centroid: centroid.map(radial),
  };
  const transmissions = truths.slice(0, 30).map((truth, i) => {
    const s = model[i] as EstimatorSample;
    const t = frame.toLocal(truth);
    const p = frame.toGeodetic({ east: t.east + s.errorE, north: t.north + s.errorN });
    const estimates: Record<string, MapEstimate> = {
      model: { lat: p.lat, lon: p.lon, ellipse: s.cov ? ellipseOf(s.cov) : null },
    };
    return { sessionId: 1000 + i, truth, estimates };
  });
  const epochs = o.noLearningCurve ? 0 : 30;
  return {
    title: 'Heimdall evaluation: synthetic test fixture',
    createdAt: '2026-12-02T10:00:00Z',
    model: { name: o.modelName ?? 'resnet-small', source: 'runs/fixture/model.safetensors', runId: 'run-42', sigmaScale: 1.1 },
    dataset: { name: 'fixture-city', version: 3, split: 'test', sessions: n, scenario: 'urban-8rx' },
    metrics: est(model),
    references,
    learningCurve: Array.from({ length: epochs }, (_, e) => ({
      epoch: e + 1,
      trainLoss: 14 * Math.exp(-e / 6) + 9,
      valNll: 14.5 * Math.exp(-e / 7) + 9.4,
      valErrorM: 900 * Math.exp(-e / 5) + 120,
    })),
    byGdop: binnedMedians(gdop, errors, [1, 2, 3, 4, 6, 8]),
    bySnr: binnedMedians(snr, errors, [0, 10, 20, 30, 40]),
    byDistance: [
      {
        from: 0,
        to: 20_000,
        count: 40,
        estimators: { model: { medianErrorM: 150, coverage1Sigma: 0.41, coverage2Sigma: 0.88 }, posteriorMean: null },
      },
      {
        from: 20_000,
        to: 60_000,
        count: 40,
        estimators: {
          model: { medianErrorM: 900, coverage1Sigma: 0.3, coverage2Sigma: 0.71 },
          posteriorMean: { medianErrorM: 850, coverage1Sigma: 0.38, coverage2Sigma: 0.85 },
        },
      },
    ],
    map: { receivers, region: REGION, transmissions },
    perSample: truths.map((_, i) => ({
      sessionId: 1000 + i,
      gdop: gdop[i] as number,
      bestSnrDb: snr[i] as number,
      errorM: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, v[i] ?? null])),
    })),
    notes: [
      'The model beats the posterior mean: it has learned the fixed terrain.',
      'RSS ML is over-confident: its 2σ ellipses hold far fewer than 86.47 % of the errors.',
    ],
  };
}
