// Assembles the EvaluationDocument of a model and its references on the same sessions: per
// estimator samples → metrics with bootstrap intervals, error vs GDOP and SNR, a map sample, and
// plain sentences comparing the model with the best non-learning estimator.
import { binnedMedians, boundMetrics, estimatorMetrics } from '../../eval/estimator-metrics.js';
import type {
  DistanceBand,
  EstimatorMetrics,
  EstimatorSample,
  EvaluationDocument,
  MapEstimate,
  ReferenceBlock,
  ReferenceName,
} from '../../eval/evaluation-document.js';
import { quantile } from '../../eval/metrics.js';
import type { LocalFrame } from '../../geo/local-frame.js';
import type { LocationEstimate } from '../../locate/types.js';
import { type Cov2, ellipseOf } from '../../math/gaussian2d.js';
import type { Scenario } from '../../sim/config.js';
import { regionBounds } from '../../sim/region.js';
import { formatDistanceM as km } from '../../util/format.js';
import { ESTIMATOR_REFERENCES, type EstimatorReference, type SessionReferences } from './compute.js';

export interface EstimatorRun {
  sessionId: number;
  truth: { east: number; north: number };
  model: { east: number; north: number; cov: Cov2 };
}

export const REFERENCE_LABELS: Record<ReferenceName, { label: string; description: string }> = {
  posteriorMean: {
    label: "Posterior mean under the simulator's model",
    description:
      'Bayesian estimate with no learning: uniform prior over the region and the transmit-power range, the scenario’s own path-loss model, shadowing ⊕ calibration ⊕ fading residual as one independent Gaussian per receiver, and receivers that recorded but did not hear as censored evidence. The best a non-learning estimator that does not know the terrain can do.',
  },
  radioMap: {
    label: 'Radio map (learned from the training logs)',
    description:
      'The posterior mean and covariance under the log-distance law with fitted device offsets plus per-receiver shadowing maps learned from the training split (kernel-smoothed residuals), with not-heard receivers as censored evidence; bandwidth and σ chosen on validation. The prior the network corrects.',
  },
  rssMl: {
    label: 'RSS maximum likelihood',
    description:
      'Received-power multilateration: the position maximizing the likelihood of the heard receivers’ powers under the stated path-loss model, transmit power unknown (profiled out); grid search plus local refinement.',
  },
  tdoa: {
    label: 'TDOA (time differences of arrival)',
    description:
      'Delays between precisely timed receivers by maximum-likelihood weighted cross-correlation (σ per pair from the measured per-frequency SNRs), aligned on a common time grid, then a likelihood over the region; only where at least three timed receivers hold the signal. The model is trained on the same time differences.',
  },
  knn: {
    label: 'kNN fingerprinting',
    description:
      'The mean position of the k training transmissions whose power fingerprints over the fixed receivers are closest (RMS dB over receivers running in both; not heard enters at the receiver’s floor); k chosen on validation. Its ellipse is the neighbours’ spread (not calibrated).',
  },
  centroid: {
    label: 'Power-weighted centroid',
    description:
      'The heard receivers’ positions weighted by received amplitude; its ellipse is their weighted spread (not calibrated).',
  },
  strongest: {
    label: 'Strongest receiver',
    description:
      'The position of the receiver with the highest received power; its ellipse is the heard receivers’ spread (not calibrated).',
  },
  crlb: {
    label: 'CRLB (bound for unbiased estimators with independent shadowing)',
    description:
      'The Cramér–Rao bound’s CEP50 for each sample’s geometry: a reference for unbiased estimators under independent per-sample shadowing, not the physical limit — a Bayesian estimator on a bounded region, or a model that has learned the fixed terrain, can do better.',
  },
};

/** Quantile edges of the finite values (equal-count bins), deduplicated. */
function quantileEdges(values: (number | null)[], bins: number): number[] {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length < 2) return [];
  const edges = Array.from(
    { length: bins + 1 },
    (_, i) => v[Math.min(v.length - 1, Math.round((i * (v.length - 1)) / bins))] as number,
  );
  edges[edges.length - 1] = (edges[edges.length - 1] as number) + 1e-9;
  return [...new Set(edges)];
}

const errorOf = (
  e: { east: number; north: number; cov: Cov2 | null },
  truth: { east: number; north: number },
): EstimatorSample => ({
  errorE: e.east - truth.east,
  errorN: e.north - truth.north,
  cov: e.cov,
});

export interface DocumentInputs {
  title: string;
  model: EvaluationDocument['model'];
  dataset: EvaluationDocument['dataset'];
  frame: LocalFrame;
  receivers: EvaluationDocument['map']['receivers'];
  scenario?: Scenario;
  runs: EstimatorRun[];
  references: SessionReferences[];
  rssModelDescription: string | null;
  learningCurve: EvaluationDocument['learningCurve'];
  /** Transmissions drawn on the map (default 12: more 2σ ellipses hide each other). */
  mapSamples?: number;
  seed?: number;
}

export function buildEvaluationDocument(i: DocumentInputs): EvaluationDocument {
  if (i.runs.length !== i.references.length)
    throw new RangeError('buildEvaluationDocument: one reference entry per run is needed');
  if (i.runs.length === 0) throw new RangeError('buildEvaluationDocument: no evaluated sessions');
  const seed = i.seed ?? 1;
  const modelSamples = i.runs.map((r) => errorOf(r.model, r.truth));
  const metrics = estimatorMetrics(modelSamples, { seed });
  const references: Partial<Record<ReferenceName, ReferenceBlock>> = {};
  const radial: Record<string, (number | null)[]> = { model: modelSamples.map((s) => Math.hypot(s.errorE, s.errorN)) };
  for (const name of ESTIMATOR_REFERENCES) {
    const samples: EstimatorSample[] = [];
    radial[name] = i.references.map((ref, k) => {
      const e = ref.estimates[name];
      if ('notApplicable' in e) return null;
      const s = errorOf(e, (i.runs[k] as EstimatorRun).truth);
      samples.push(s);
      return Math.hypot(s.errorE, s.errorN);
    });
    if (samples.length === 0) continue;
    references[name] = {
      ...REFERENCE_LABELS[name],
      ...(name === 'posteriorMean' || name === 'rssMl'
        ? { description: `${REFERENCE_LABELS[name].description} Model: ${i.rssModelDescription}.` }
        : {}),
      notApplicable: i.runs.length - samples.length,
      ...estimatorMetrics(samples, { seed }),
    };
  }
  const bounds = i.references.map((r) => r.crlbCep50M);
  if (bounds.some((b) => b !== null)) {
    const b = boundMetrics(bounds);
    references.crlb = { ...REFERENCE_LABELS.crlb, notApplicable: b.leftOut, ...b };
  }
  const byDistance = distanceBands(i, modelSamples);
  const gdops = i.references.map((r) => r.gdop);
  const snrs = i.references.map((r) => r.bestSnrDb);
  const toLatLon = (p: { east: number; north: number }) => i.frame.toGeodetic(p);
  const mapCount = Math.min(i.mapSamples ?? 12, i.runs.length);
  const transmissions = i.runs.slice(0, mapCount).map((r, k) => {
    const estimates: Record<string, MapEstimate> = {
      model: { ...toLatLon(r.model), ellipse: ellipseOf(r.model.cov) },
    };
    const ref = i.references[k] as SessionReferences;
    for (const name of ['posteriorMean', 'rssMl', 'tdoa'] as EstimatorReference[]) {
      const e = ref.estimates[name];
      if (!('notApplicable' in e)) estimates[name] = { ...toLatLon(e), ellipse: ellipseOf((e as LocationEstimate).cov) };
    }
    return { sessionId: r.sessionId, truth: toLatLon(r.truth), estimates };
  });
  return {
    title: i.title,
    createdAt: new Date().toISOString(),
    model: i.model,
    dataset: i.dataset,
    metrics,
    references,
    learningCurve: i.learningCurve,
    byGdop: binnedMedians(gdops, radial, quantileEdges(gdops, 5)),
    bySnr: binnedMedians(snrs, radial, quantileEdges(snrs, 5)),
    byDistance,
    map: {
      receivers: i.receivers,
      ...(i.scenario ? { region: regionBounds(i.scenario.region) } : {}),
      transmissions,
    },
    perSample: i.runs.map((r, k) => ({
      sessionId: r.sessionId,
      gdop: gdops[k] ?? null,
      bestSnrDb: snrs[k] ?? null,
      errorM: Object.fromEntries(Object.entries(radial).map(([name, v]) => [name, v[k] ?? null])),
    })),
    notes: [...comparisonNotes(metrics, references), ...subsetNotes(radial), ...timingMarginNotes(i, radial)],
  };
}

/** Distance bands (quartiles of the distance from the receivers' centroid): model and posterior mean per band. */
function distanceBands(i: DocumentInputs, modelSamples: EstimatorSample[]): DistanceBand[] {
  const local = i.receivers.map((r) => i.frame.toLocal(r));
  const centre = {
    east: local.reduce((a, p) => a + p.east, 0) / local.length,
    north: local.reduce((a, p) => a + p.north, 0) / local.length,
  };
  const distances = i.runs.map((r) => Math.hypot(r.truth.east - centre.east, r.truth.north - centre.north));
  const edges = quantileEdges(distances, 4);
  const posterior = i.references.map((ref, k) => {
    const e = ref.estimates.posteriorMean;
    return 'notApplicable' in e ? null : errorOf(e, (i.runs[k] as EstimatorRun).truth);
  });
  const bands: DistanceBand[] = [];
  for (let b = 0; b + 1 < edges.length; b++) {
    const from = edges[b] as number;
    const to = edges[b + 1] as number;
    const members = distances.flatMap((d, k) => (d >= from && d < to ? [k] : []));
    const summary = (samples: EstimatorSample[]) => {
      if (samples.length === 0) return null;
      const m = estimatorMetrics(samples, { bootstrap: 1 });
      return { medianErrorM: m.medianErrorM, coverage1Sigma: m.coverage1Sigma, coverage2Sigma: m.coverage2Sigma };
    };
    bands.push({
      from,
      to,
      count: members.length,
      estimators: {
        model: summary(members.map((k) => modelSamples[k] as EstimatorSample)),
        posteriorMean: summary(members.flatMap((k) => (posterior[k] ? [posterior[k]] : []))),
      },
    });
  }
  return bands;
}

/**
 * Like with like where a reference applies to only some sessions (TDOA needs timed receivers):
 * its median and the model's on exactly those sessions.
 */
function subsetNotes(radial: Record<string, (number | null)[]>): string[] {
  const notes: string[] = [];
  const model = radial.model ?? [];
  const median = (v: number[]) =>
    quantile(
      [...v].sort((a, b) => a - b),
      0.5,
    );
  for (const name of ['tdoa', 'posteriorMean', 'rssMl'] as const) {
    const ref = radial[name] ?? [];
    const both = ref.flatMap((r, k) =>
      r === null || model[k] === null || model[k] === undefined ? [] : [[r, model[k] as number]],
    );
    if (both.length === 0 || both.length === model.length) continue;
    notes.push(
      `On the ${both.length} of ${model.length} sessions ${IN_SENTENCE[name]} applies to, its median error is ${km(median(both.map((x) => x[0] as number)))} and the model's ${km(median(both.map((x) => x[1] as number)))} on the same sessions.`,
    );
  }
  return notes;
}

/**
 * Where the bound includes arrival times: how much tighter it is than the same links' power-only
 * bound (the margin timing should buy), beside how much better the model does than the power-only
 * posterior mean on the same sessions — the question "does the model use the timing?" in numbers.
 */
function timingMarginNotes(i: DocumentInputs, radial: Record<string, (number | null)[]>): string[] {
  const both = i.references.flatMap((r) =>
    r.crlbCep50M !== null && r.crlbRssOnlyCep50M !== null ? [[r.crlbCep50M, r.crlbRssOnlyCep50M] as const] : [],
  );
  if (both.length === 0) return [];
  const median = (v: number[]) =>
    quantile(
      [...v].sort((a, b) => a - b),
      0.5,
    );
  const timed = median(both.map((x) => x[0]));
  const power = median(both.map((x) => x[1]));
  let line = `Where timing applies (${both.length} sessions), the CRLB's median CEP50 is ${km(timed)} with arrival times and ${km(power)} from the same links' powers alone: timing should buy a factor ${(power / timed).toFixed(1)}.`;
  const model = radial.model ?? [];
  const pm = radial.posteriorMean ?? [];
  const timedAt = (k: number) => {
    const r = i.references[k];
    return r !== undefined && r.crlbCep50M !== null && r.crlbRssOnlyCep50M !== null;
  };
  const pairs = model.flatMap((m, k) =>
    m === null || pm[k] === null || pm[k] === undefined || !timedAt(k) ? [] : [[m, pm[k] as number] as const],
  );
  if (pairs.length > 0) {
    const ratio = median(pairs.map((x) => x[1])) / median(pairs.map((x) => x[0]));
    line += ` The model's median error is ${ratio.toFixed(1)}× below the power-only posterior mean's on the same sessions.`;
  }
  return [line];
}

const IN_SENTENCE = {
  posteriorMean: "posterior mean under the simulator's model",
  rssMl: 'RSS maximum likelihood',
  tdoa: 'TDOA',
};

/** Plain sentences: the model against the best non-learning estimator, with the bootstrap intervals. */
export function comparisonNotes(model: EstimatorMetrics, refs: Partial<Record<ReferenceName, ReferenceBlock>>): string[] {
  const notes: string[] = [];
  const candidates = (['posteriorMean', 'rssMl', 'tdoa'] as const)
    .map((n) => ({ n, b: refs[n] }))
    .filter((x): x is { n: (typeof x)['n']; b: ReferenceBlock } => x.b !== undefined && 'cdf' in x.b && x.b.notApplicable === 0);
  const best = candidates.sort((a, b) => a.b.medianErrorM - b.b.medianErrorM)[0];
  if (best) {
    const b = best.b as ReferenceBlock & EstimatorMetrics;
    const ratio = model.medianErrorM / b.medianErrorM;
    const m = model.intervals.medianErrorM;
    const r = b.intervals.medianErrorM;
    const line = `Median error: model ${km(model.medianErrorM)} [${km(m.low)}, ${km(m.high)}], ${IN_SENTENCE[best.n]} ${km(b.medianErrorM)} [${km(r.low)}, ${km(r.high)}] — ratio ${ratio.toFixed(2)}.`;
    const partialTdoa = refs.tdoa !== undefined && refs.tdoa.notApplicable > 0;
    if (m.high < r.low && partialTdoa)
      notes.push(
        `${line} The model is better than the best estimator that applies to every session, beyond the intervals — but TDOA applies to part of them, and where it does the model starts from it (its physics prior): the gain is the arrival times'. The comparison with TDOA on its sessions follows.`,
      );
    else if (m.high < r.low)
      notes.push(
        `${line} The model beats the best non-learning estimator on these samples, beyond the intervals: it has learned something the physics model treats as unknown (the fixed terrain, i.e. the shadowing that stays put between transmissions).`,
      );
    else if (m.low > r.high)
      notes.push(
        `${line} The model is worse than the best non-learning estimator, beyond the intervals, by ${((ratio - 1) * 100).toFixed(0)} %: more training data, physics-informed inputs or a receiver-set architecture would be the next steps.`,
      );
    else notes.push(`${line} The intervals overlap: on these samples the difference is not significant.`);
  }
  const crlb = refs.crlb;
  if (crlb)
    notes.push(
      `The CRLB's median CEP50 (${km(crlb.medianErrorM)}) bounds unbiased estimators under independent shadowing; it is not the physical limit, and a Bayesian estimator on a bounded region can be below it.`,
    );
  return notes;
}
