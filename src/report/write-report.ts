// Writes an evaluation's report folder: report.html (self-contained, opens offline) and
// evaluation.json (the document itself), both staged as temporaries and renamed together.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EvaluationDocument } from '../eval/evaluation-document.js';
import { commitTemps, writeTemp } from '../util/atomic-file.js';
import { figureSpecs } from './figures/index.js';
import { type RenderedFigure, reportHtml } from './page.js';
import { renderVegaLiteSvg } from './render-svg.js';

/** Renders every figure to inline SVG (null where the document has nothing to draw); warnings of vega go to `warnings`. */
export async function renderFigures(doc: EvaluationDocument, warnings: string[] = []): Promise<RenderedFigure[]> {
  const out: RenderedFigure[] = [];
  for (const f of figureSpecs(doc)) {
    let svg: string | null = null;
    if (f.spec) {
      try {
        svg = await renderVegaLiteSvg(f.spec, f.id, warnings);
      } catch (err) {
        throw new Error(`writeEvaluationReport: figure '${f.id}' failed to render: ${(err as Error).message}`, { cause: err });
      }
    }
    out.push({ id: f.id, title: f.title, caption: f.caption, svg, omitted: f.omitted });
  }
  return out;
}

export async function writeEvaluationReport(
  doc: EvaluationDocument,
  outDir: string,
): Promise<{ htmlPath: string; jsonPath: string }> {
  const html = reportHtml(doc, await renderFigures(doc));
  mkdirSync(outDir, { recursive: true });
  const htmlPath = join(outDir, 'report.html');
  const jsonPath = join(outDir, 'evaluation.json');
  const enc = new TextEncoder();
  const staged: { tmp: string; path: string }[] = [];
  try {
    staged.push({ tmp: writeTemp(jsonPath, enc.encode(`${JSON.stringify(doc, null, 2)}\n`)), path: jsonPath });
    staged.push({ tmp: writeTemp(htmlPath, enc.encode(html)), path: htmlPath });
  } catch (err) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    throw err;
  }
  commitTemps(staged);
  return { htmlPath, jsonPath };
}
