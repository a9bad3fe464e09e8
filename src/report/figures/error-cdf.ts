// Figure (b): the error CDF of the model and of every reference that has one, on a log error
// axis (errors span metres to kilometres).
import type { TopLevelSpec } from 'vega-lite';
import type { EvaluationDocument } from '../../eval/evaluation-document.js';
import { estimatorColor, estimatorSeries } from '../estimators.js';

export function errorCdfSpec(doc: EvaluationDocument): TopLevelSpec | null {
  const rows = estimatorSeries(doc).flatMap((s) =>
    s.metrics.cdf
      .filter((p) => p.errorM > 0 && Number.isFinite(p.errorM))
      .map((p) => ({ estimator: s.name, errorM: p.errorM, fraction: p.fraction })),
  );
  if (rows.length === 0) return null;
  return {
    width: 560,
    height: 300,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'errorM', type: 'quantitative', title: 'radial error (m, log scale)', scale: { type: 'log' } },
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of samples with error ≤ x', scale: { domain: [0, 1] } },
      color: estimatorColor(
        doc,
        estimatorSeries(doc).map((s) => s.key),
      ),
    },
  };
}
