// Which estimators a report draws and how it names them: the model first, then every reference
// in a fixed order. Display names come from the document and are escaped wherever they end up.
import type { EstimatorMetrics, EvaluationDocument, ReferenceName } from '../eval/evaluation-document.js';

export const REFERENCE_ORDER: readonly ReferenceName[] = [
  'posteriorMean',
  'radioMap',
  'rssMl',
  'tdoa',
  'knn',
  'centroid',
  'strongest',
  'crlb',
];

const SHORT_NAMES: Record<string, string> = {
  posteriorMean: 'posterior mean',
  radioMap: 'radio map',
  rssMl: 'RSS ML',
  tdoa: 'TDOA',
  knn: 'kNN fingerprinting',
  centroid: 'centroid',
  strongest: 'strongest receiver',
  crlb: 'CRLB',
};

/** The legend name of an estimator key ('model', 'tdoa', …). */
export function displayName(doc: EvaluationDocument, key: string): string {
  if (key === 'model') return `model (${doc.model.name})`;
  return SHORT_NAMES[key] ?? key;
}

export function isEstimatorMetrics(m: unknown): m is EstimatorMetrics {
  return typeof m === 'object' && m !== null && 'cdf' in m;
}

export interface EstimatorSeries {
  key: string;
  name: string;
  metrics: EstimatorMetrics;
}

/** The model and every reference that is an estimator (not the CRLB bound), in report order. */
export function estimatorSeries(doc: EvaluationDocument): EstimatorSeries[] {
  const out: EstimatorSeries[] = [{ key: 'model', name: displayName(doc, 'model'), metrics: doc.metrics }];
  for (const key of REFERENCE_ORDER) {
    const block = doc.references[key];
    if (block && isEstimatorMetrics(block)) out.push({ key, name: displayName(doc, key), metrics: block });
  }
  return out;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** The colour scale of the estimators `keys` draws: each key keeps its colour in every figure. */
export function colorScale(doc: EvaluationDocument, keys: string[]): { domain: string[]; range: string[] } {
  const order = ['model', ...REFERENCE_ORDER];
  const present = order.filter((k) => keys.includes(k));
  const unknown = keys.filter((k) => !order.includes(k));
  return {
    domain: [...present, ...unknown].map((k) => displayName(doc, k)),
    range: [...present.map((k) => order.indexOf(k)), ...unknown.map((_, i) => order.length + i)].map(
      (i) => PALETTE[i % PALETTE.length] as string,
    ),
  };
}

/** Legend settings shared by the estimator figures: long names stay readable. */
const ESTIMATOR_LEGEND = { labelLimit: 320 };

/** The colour channel of a figure with one series per estimator (field `estimator`, the display name). */
export function estimatorColor(doc: EvaluationDocument, keys: string[]) {
  return {
    field: 'estimator',
    type: 'nominal' as const,
    title: 'estimator',
    scale: colorScale(doc, keys),
    legend: ESTIMATOR_LEGEND,
  };
}
