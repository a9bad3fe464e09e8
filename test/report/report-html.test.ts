// The report without a browser: hostile names are escaped, the numbers are in the table, every
// figure is an inline SVG, the JSON is the document, and no temporary file is left behind.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { renderFigures, writeEvaluationReport } from '../../src/report/index.js';
import { prefixSvgIds } from '../../src/report/render-svg.js';
import { fixtureDocument } from './fixture.js';

const HOSTILE = '<script>alert(1)</script>';
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'heimdall-report-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The figure elements of the page, by data-figure id. */
function figures(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<figure id="fig-[^"]*" data-figure="([^"]+)">([\s\S]*?)<\/figure>/g))
    out.set(m[1] as string, m[2] as string);
  return out;
}

describe('writeEvaluationReport (no browser)', () => {
  const doc = fixtureDocument({ samples: 200, modelName: HOSTILE });
  const refs = doc.references;
  if (refs.tdoa) refs.tdoa.label = `TDOA ${HOSTILE} & "quotes"`;
  doc.notes.push(`A note with ${HOSTILE}`);
  doc.title = `Report ${HOSTILE}`;

  test('escapes every document string and holds the numbers', async () => {
    const dir = tempDir();
    const { htmlPath, jsonPath } = await writeEvaluationReport(doc, dir);
    const html = readFileSync(htmlPath, 'utf8');
    assert.ok(!/<script/i.test(html), 'no <script> element may reach the page');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the hostile name is shown, escaped');
    assert.ok(html.includes('TDOA &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;'));
    // The model's median (≥ 100 m: shown to the metre) with its interval, p90 and coverages.
    const m = doc.metrics;
    assert.ok(m.medianErrorM >= 100, 'fixture: the model median is over 100 m');
    const modelRow = /<tr class="model">([\s\S]*?)<\/tr>/.exec(html)?.[1] ?? '';
    assert.ok(modelRow.includes(`${Math.round(m.medianErrorM)} m`), `model row shows the median: ${modelRow}`);
    assert.ok(
      modelRow.includes(`[${Math.round(m.intervals.medianErrorM.low)} m, ${Math.round(m.intervals.medianErrorM.high)} m]`),
    );
    assert.ok(modelRow.includes(`${Math.round(m.p90ErrorM)} m`));
    assert.ok(modelRow.includes(`${(100 * (m.coverage1Sigma as number)).toFixed(1)} %`));
    assert.ok(modelRow.includes(`${(100 * (m.coverage2Sigma as number)).toFixed(1)} %`));
    assert.ok(html.includes(`${(m.meanNll as number).toFixed(2)}`));
    // Coverage by distance band: one row per band, a dash where an estimator had no sample.
    const bands = /<table class="metrics" id="by-distance">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    const bandRows = [...bands.matchAll(/<tr><td>([\s\S]*?)<\/tr>/g)].map((r) => r[1] as string);
    assert.equal(bandRows.length, doc.byDistance.length);
    assert.ok(bandRows[1]?.includes('71.0 %') && bandRows[1]?.includes('85.0 %'), bandRows[1]);
    assert.match(bandRows[0] ?? '', /<td>—<\/td><td>—<\/td><td>—<\/td>$/);
    // The CRLB row: its median and how many samples had no bound.
    const crlb = refs.crlb;
    assert.ok(crlb && html.includes(`${Math.round(crlb.medianErrorM)} m`));
    assert.ok(html.includes(`(${refs.crlb?.notApplicable} not applicable)`));
    // Self-contained: no external resource of any kind.
    assert.ok(!/\b(src|href)\s*=\s*["']?(https?:|\/\/)/i.test(html), 'no external src/href');
    assert.ok(!/@import|url\((?!#)/i.test(html), 'no CSS imports or non-fragment urls');
    // Every figure is an inline SVG with marks.
    const figs = figures(html);
    assert.deepEqual([...figs.keys()], ['learning-curve', 'error-cdf', 'calibration', 'by-gdop', 'by-snr', 'map']);
    for (const [id, body] of figs) {
      assert.ok(/<svg[^>]*width="\d+"/.test(body), `figure ${id} has an <svg>`);
      assert.ok((body.match(/<path/g) ?? []).length > 5, `figure ${id} has marks`);
    }
    // evaluation.json is the document.
    assert.deepEqual(JSON.parse(readFileSync(jsonPath, 'utf8')), JSON.parse(JSON.stringify(doc)));
    assert.deepEqual(readdirSync(dir).sort(), ['evaluation.json', 'report.html']);
  });

  test('no vega warnings; ids are unique across the inlined figures', async () => {
    const warnings: string[] = [];
    const rendered = await renderFigures(doc, warnings);
    assert.deepEqual(warnings, []);
    const ids = rendered.flatMap((f) => [...(f.svg ?? '').matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]));
    assert.equal(new Set(ids).size, ids.length, 'duplicate element ids across figures');
  });

  test('an empty learning curve is replaced by a sentence', async () => {
    const dir = tempDir();
    const { htmlPath } = await writeEvaluationReport(fixtureDocument({ samples: 60, noLearningCurve: true }), dir);
    const lc = figures(readFileSync(htmlPath, 'utf8')).get('learning-curve') ?? '';
    assert.ok(!lc.includes('<svg'));
    assert.match(lc, /No learning curve/);
  });
});

describe('prefixSvgIds', () => {
  test('prefixes ids and the url(#…) references to them', () => {
    const svg = '<clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"></g>';
    assert.equal(prefixSvgIds(svg, 'map'), '<clipPath id="map-clip1"><rect/></clipPath><g clip-path="url(#map-clip1)"></g>');
  });
});
