// Figure (a): the training run's curves per epoch — losses (train loss, validation NLL) on one
// panel, validation error (m) on another, since their units differ.
import type { TopLevelSpec } from 'vega-lite';
import type { EvaluationDocument } from '../../eval/evaluation-document.js';

type Row = { epoch: number; series: string; value: number };

function panel(rows: Row[], yTitle: string, title: string) {
  return {
    title,
    width: 380,
    height: 220,
    data: { values: rows },
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative' as const, title: yTitle, scale: { zero: false } },
      color: { field: 'series', type: 'nominal' as const, title: null, legend: { labelLimit: 240 } },
    },
  };
}

/** The spec, or null when the document has no curve (the page says so instead). */
export function learningCurveSpec(doc: EvaluationDocument): TopLevelSpec | null {
  const losses: Row[] = [];
  const errors: Row[] = [];
  for (const p of doc.learningCurve) {
    if (p.trainLoss !== undefined && Number.isFinite(p.trainLoss))
      losses.push({ epoch: p.epoch, series: 'train loss', value: p.trainLoss });
    if (p.valNll !== undefined && Number.isFinite(p.valNll))
      losses.push({ epoch: p.epoch, series: 'validation NLL', value: p.valNll });
    if (p.valErrorM !== undefined && Number.isFinite(p.valErrorM)) {
      errors.push({ epoch: p.epoch, series: 'validation median error', value: p.valErrorM });
    }
  }
  const panels = [];
  if (losses.length > 0) panels.push(panel(losses, 'loss (nats)', 'Losses'));
  if (errors.length > 0) panels.push(panel(errors, 'validation error (m)', 'Validation error'));
  if (panels.length === 0) return null;
  return { hconcat: panels, resolve: { scale: { color: 'independent' } } } as TopLevelSpec;
}
