// The report page: one self-contained HTML file (inline CSS and SVG, no scripts, no fonts, no
// network). Every document string is escaped; the SVGs come from vega, which escapes its text.
import type { EvaluationDocument } from '../eval/evaluation-document.js';
import { escapeHtml } from './html-text.js';
import { distanceTableHtml, metricsTableHtml } from './metrics-table.js';

export interface RenderedFigure {
  id: string;
  title: string;
  caption: string;
  svg: string | null;
  omitted: string;
}

const CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
.meta { color: #555; margin-top: 0; }
table.metrics { border-collapse: collapse; width: 100%; font-size: 0.9em; margin: 1em 0; }
table.metrics th, table.metrics td { border-bottom: 1px solid #ddd; padding: 0.45em 0.5em; text-align: left; vertical-align: top; }
table.metrics th { background: #f4f4f4; }
table.metrics tr.model td { background: #eef5fc; }
.label { font-weight: 600; }
.desc, .ci { color: #666; font-size: 0.88em; }
figure { margin: 1.5em 0; }
figure .svg { overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #444; font-size: 0.92em; max-width: 60em; }
.omitted { color: #666; font-style: italic; }
`;

export function reportHtml(doc: EvaluationDocument, figures: RenderedFigure[]): string {
  const d = doc.dataset;
  const meta = [
    `Dataset ${d.name} v${d.version}, split “${d.split}”, ${d.sessions} sessions${d.scenario ? `, scenario ${d.scenario}` : ''}`,
    `model ${doc.model.name}`,
    `created ${doc.createdAt}`,
  ];
  const notes = doc.notes.map((n) => `<p>${escapeHtml(n)}</p>`).join('\n');
  const figs = figures
    .map((f) => {
      const body = f.svg ? `<div class="svg">${f.svg}</div>` : `<p class="omitted">${escapeHtml(f.omitted)}</p>`;
      return `<figure id="fig-${escapeHtml(f.id)}" data-figure="${escapeHtml(f.id)}">\n<h3>${escapeHtml(f.title)}</h3>\n${body}\n<figcaption>${escapeHtml(f.caption)}</figcaption>\n</figure>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(doc.title)}</h1>
<p class="meta">${meta.map(escapeHtml).join(' · ')}</p>
<h2>Summary</h2>
${notes}
${metricsTableHtml(doc)}
<p class="desc">Intervals are bootstrap 95 % intervals (resampling the evaluated samples). Coverage targets: 39.35 % inside the 1σ ellipse and 86.47 % inside the 2σ ellipse when the predicted uncertainty is calibrated. Sharpness is the median area of the 1σ ellipse. See docs/EVALUATION.md.</p>
<h2>Calibration by distance from the network</h2>
${distanceTableHtml(doc)}
<p class="desc">Coverage per quarter of the test transmissions by distance from the receivers' centroid (targets 39.35 % and 86.47 %): an overall coverage can hide over-confidence far outside the network.</p>
<h2>Figures</h2>
${figs}
</body>
</html>
`;
}
