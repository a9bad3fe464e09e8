// The metrics table: the model and every reference on the same samples, with bootstrap 95 %
// intervals, labels and descriptions. Bound references (the CRLB) have a median only.
import type { BoundMetrics, EstimatorMetrics, EvaluationDocument } from '../eval/evaluation-document.js';
import { isEstimatorMetrics, REFERENCE_ORDER } from './estimators.js';
import { escapeHtml, formatArea, formatMetres, formatNumber, formatPercent, withInterval } from './html-text.js';

interface Row {
  label: string;
  description: string;
  notApplicable: number | null;
  metrics: EstimatorMetrics | BoundMetrics;
  isModel: boolean;
}

function cells(m: EstimatorMetrics | BoundMetrics): string[] {
  if (!isEstimatorMetrics(m)) {
    return [
      `${escapeHtml(formatMetres(m.medianErrorM))} <span class="ci">(median CEP50 of the bound)</span>`,
      '—',
      '—',
      '—',
      '—',
      '—',
    ];
  }
  return [
    withInterval(formatMetres(m.medianErrorM), m.intervals.medianErrorM, formatMetres),
    escapeHtml(formatMetres(m.p90ErrorM)),
    withInterval(formatPercent(m.coverage1Sigma), m.intervals.coverage1Sigma, formatPercent),
    withInterval(formatPercent(m.coverage2Sigma), m.intervals.coverage2Sigma, formatPercent),
    escapeHtml(formatNumber(m.meanNll)),
    escapeHtml(formatArea(m.sharpnessM2)),
  ];
}

function countCell(r: Row): string {
  const left = isEstimatorMetrics(r.metrics) ? r.notApplicable : r.metrics.leftOut;
  return `${r.metrics.count}${left ? ` <span class="ci">(${left} not applicable)</span>` : ''}`;
}

export function metricsTableHtml(doc: EvaluationDocument): string {
  const model = doc.model;
  const modelDescription = [
    `source: ${model.source}`,
    model.runId ? `run ${model.runId}` : '',
    model.sigmaScale !== undefined ? `σ scaled by ${model.sigmaScale} (fitted on the validation split)` : '',
  ]
    .filter((s) => s !== '')
    .join('; ');
  const rows: Row[] = [
    { label: `Model: ${model.name}`, description: modelDescription, notApplicable: null, metrics: doc.metrics, isModel: true },
  ];
  for (const key of REFERENCE_ORDER) {
    const block = doc.references[key];
    if (block)
      rows.push({
        label: block.label,
        description: block.description,
        notApplicable: block.notApplicable,
        metrics: block,
        isModel: false,
      });
  }
  const head = [
    'Estimator',
    'Median error [95 % CI]',
    'p90 error',
    '1σ coverage (39.35 %) [95 % CI]',
    '2σ coverage (86.47 %) [95 % CI]',
    'Mean NLL (nats)',
    'Sharpness (1σ area)',
    'Samples',
  ];
  const body = rows
    .map((r) => {
      const name = `<div class="label">${escapeHtml(r.label)}</div><div class="desc">${escapeHtml(r.description)}</div>`;
      const tds = [name, ...cells(r.metrics), countCell(r)].map((c) => `<td>${c}</td>`).join('');
      return `<tr${r.isModel ? ' class="model"' : ''}>${tds}</tr>`;
    })
    .join('\n');
  return `<table class="metrics">\n<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** Median error and coverage per distance-from-network band: where the ellipses stop holding. */
export function distanceTableHtml(doc: EvaluationDocument): string {
  if (doc.byDistance.length === 0) return '';
  const names = [
    ['model', 'model'],
    ['posteriorMean', 'posterior mean'],
  ] as const;
  const head = names.map(([, label]) => `<th>${label}: median</th><th>1σ</th><th>2σ</th>`).join('');
  const rows = doc.byDistance
    .map((b) => {
      const cols = names
        .map(([name]) => {
          const e = b.estimators[name];
          if (!e) return '<td>—</td><td>—</td><td>—</td>';
          return `<td>${escapeHtml(formatMetres(e.medianErrorM))}</td><td>${escapeHtml(formatPercent(e.coverage1Sigma))}</td><td>${escapeHtml(formatPercent(e.coverage2Sigma))}</td>`;
        })
        .join('');
      return `<tr><td>${escapeHtml(formatMetres(b.from))} – ${escapeHtml(formatMetres(b.to))}</td><td>${b.count}</td>${cols}</tr>`;
    })
    .join('\n');
  return `<table class="metrics" id="by-distance">
<thead><tr><th>distance from the receivers' centroid</th><th>n</th>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}
