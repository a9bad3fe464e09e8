// Figure (c): calibration curves — the observed fraction of errors inside each nominal p-ellipse
// against p; a calibrated estimator lies on the dashed diagonal, an over-confident one below it.
import type { TopLevelSpec } from 'vega-lite';
import type { EvaluationDocument } from '../../eval/evaluation-document.js';
import { estimatorColor, estimatorSeries } from '../estimators.js';

export function calibrationSpec(doc: EvaluationDocument): TopLevelSpec | null {
  const rows = estimatorSeries(doc).flatMap((s) =>
    (s.metrics.calibration ?? []).map((c) => ({ estimator: s.name, level: c.level, observed: c.observed })),
  );
  if (rows.length === 0) return null;
  const unit = { type: 'quantitative' as const, scale: { domain: [0, 1] } };
  return {
    width: 340,
    height: 340,
    layer: [
      {
        data: { values: [{ a: 0 }, { a: 1 }] },
        mark: { type: 'line', strokeDash: [4, 4], color: '#888' },
        encoding: { x: { field: 'a', ...unit, title: 'nominal level p' }, y: { field: 'a', ...unit } },
      },
      {
        data: { values: rows },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'level', ...unit, title: 'nominal level p' },
          y: { field: 'observed', ...unit, title: 'observed fraction inside the p-ellipse' },
          color: estimatorColor(
            doc,
            estimatorSeries(doc)
              .filter((s) => s.metrics.calibration)
              .map((s) => s.key),
          ),
        },
      },
    ],
  };
}
