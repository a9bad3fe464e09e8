// Figure (d): median error per bin of geometry (GDOP) or of the best receiver's SNR, one line per
// estimator; each bin's label carries its sample count.
import type { TopLevelSpec } from 'vega-lite';
import type { BinnedErrors, EvaluationDocument } from '../../eval/evaluation-document.js';
import { displayName, estimatorColor } from '../estimators.js';

const fmtEdge = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(3))) : v > 0 ? '∞' : '−∞');

export function binnedSpec(doc: EvaluationDocument, bins: BinnedErrors[], xTitle: string): TopLevelSpec | null {
  const rows = bins.flatMap((b, order) =>
    Object.entries(b.medianErrorM)
      .filter((e): e is [string, number] => e[1] !== null && Number.isFinite(e[1]) && e[1] > 0)
      .map(([key, median]) => ({
        bin: `${fmtEdge(b.from)}–${fmtEdge(b.to)} (n=${b.count})`,
        order,
        key,
        estimator: displayName(doc, key),
        medianErrorM: median,
      })),
  );
  if (rows.length === 0) return null;
  const keys = [...new Set(rows.map((r) => r.key))];
  return {
    width: 480,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'bin', type: 'ordinal', title: xTitle, sort: { field: 'order' }, axis: { labelAngle: -30 } },
      y: { field: 'medianErrorM', type: 'quantitative', title: 'median error (m, log scale)', scale: { type: 'log' } },
      color: estimatorColor(doc, keys),
    },
  };
}
