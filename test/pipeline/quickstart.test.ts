// The quickstart pipeline end to end on a tiny budget: a report with consistent numbers, a best
// checkpoint, reuse of the simulation on rerun, and identical metrics for the same seed.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setNumThreads } from '../../src/engine/runtime.js';
import { quickstart, quickstartDefaults } from '../../src/pipeline/quickstart.js';

setNumThreads(2);

// The embedded store whatever the caller's environment says (CI sets DATABASE_URL for the
// PostgreSQL suites; this test must not write into that database).
const { DATABASE_URL: _ignored, ...env } = process.env;

const tiny = (home: string, log: string[]) => ({
  env,
  ...quickstartDefaults,
  preset: 'dense-urban-uhf',
  samples: 40,
  maxEpochs: 2,
  batchSize: 8,
  widths: [4, 8, 8, 16] as [number, number, number, number],
  home,
  log: (l: string) => log.push(l),
});

test('quickstart runs simulate → import → dataset → train → evaluate and reports against the CRLB', async () => {
  const home = mkdtempSync(join(tmpdir(), 'heimdall-qs-'));
  const log: string[] = [];
  const r = await quickstart(tiny(home, log));
  assert.deepEqual([r.dataset.train, r.dataset.val, r.dataset.test], [28, 6, 6]);
  assert.equal(r.evaluation.metrics.count, 6);
  assert.ok(r.evaluation.metrics.medianErrorM > 0 && Number.isFinite(r.evaluation.metrics.meanNll));
  assert.ok(
    r.evaluation.metrics.coverage1Sigma >= 0 && r.evaluation.metrics.coverage1Sigma <= r.evaluation.metrics.coverage2Sigma,
  );
  assert.ok(
    (r.evaluation.crlbMedianCep50M as number) > 10 && (r.evaluation.crlbMedianCep50M as number) < 1000,
    `CRLB ${r.evaluation.crlbMedianCep50M} m`,
  );
  assert.equal(r.fit.epochs, 2);
  assert.ok(r.checkpoint !== undefined && existsSync(r.checkpoint));
  assert.ok(log.some((l) => l.startsWith('1/5 simulating 40 transmissions')));
  // A rerun reuses the simulation and the import, and the same seed gives the same metrics.
  const log2: string[] = [];
  const again = await quickstart(tiny(home, log2));
  assert.ok(log2.some((l) => l.startsWith('1/5 simulation found')));
  assert.deepEqual(again.evaluation.metrics, r.evaluation.metrics);
  assert.equal(again.dataset.version, 2, 'each run records a new dataset version with the same split');
});
