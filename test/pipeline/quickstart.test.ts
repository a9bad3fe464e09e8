// The quickstart pipeline end to end on a tiny budget: a report with consistent numbers, a best
// checkpoint, a tracked run in MLflow's file-store layout, an exported + registered ONNX model
// that `predict` (also through NAME@alias) can use, reuse of the simulation on rerun, and
// identical metrics for the same seed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setNumThreads } from '../../src/engine/runtime.js';
import { registryResolver } from '../../src/pipeline/model-resolver.js';
import { quickstart } from '../../src/pipeline/quickstart.js';
import { quickstartDefaults } from '../../src/pipeline/quickstart-defaults.js';
import { predictFromRecordings } from '../../src/predict/predict.js';
import { listRecordingSets } from '../../src/predict/sets.js';
import { openTracker } from '../../src/track/open.js';
import { promoteModel } from '../../src/track/run.js';

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
  const crlb = r.evaluation.crlb;
  assert.ok(crlb && crlb.boundMedianM > 10 && crlb.boundMedianM < 1000, `CRLB ${crlb?.boundMedianM} m`);
  // Like with like: the compared sessions plus those left out are the whole test split.
  assert.equal(crlb.compared + crlb.leftOut, r.evaluation.metrics.count);
  assert.equal(crlb.leftOut, r.evaluation.withoutCrlb);
  assert.equal(r.fit.epochs, 2);
  assert.ok(r.checkpoint !== undefined && existsSync(r.checkpoint));
  assert.ok(log.some((l) => l.startsWith('1/6 simulating 40 transmissions')));

  // The run, read back from MLflow's on-disk layout (not through the tracker's own reader).
  const runDir = readdirSync(join(home, 'mlruns'))
    .map((e) => join(home, 'mlruns', e, r.run.id))
    .find((d) => existsSync(d)) as string;
  assert.ok(runDir, 'the run folder exists under mlruns/<experiment>/<run id>');
  assert.match(readFileSync(join(runDir, 'meta.yaml'), 'utf8'), /^status: 3$/m, "FINISHED (3) in MLflow's RunStatus");
  assert.equal(readFileSync(join(runDir, 'params', 'data.samples'), 'utf8'), '40');
  const valLines = readFileSync(join(runDir, 'metrics', 'val_nll'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(valLines.length, 2, 'one val_nll line per epoch');
  assert.deepEqual(
    valLines.map((l) => l.split(' ')[2]),
    ['1', '2'],
  );
  const median = Number(readFileSync(join(runDir, 'metrics', 'test_median_error_m'), 'utf8').split(' ')[1]);
  assert.ok(Math.abs(median - r.evaluation.metrics.medianErrorM) < 1e-6 * median);
  for (const a of ['model/model.onnx', 'evaluation.json', 'config.json'])
    assert.ok(existsSync(join(runDir, 'artifacts', a)), `artifact ${a}`);

  // The model: verified, registered as v1, uploaded, and usable by predict.
  const model = r.model as NonNullable<typeof r.model>;
  assert.equal(model.version, '1');
  assert.ok(model.export.maxRelDiff <= 1e-4);
  assert.ok(existsSync(join(home, 'blobs', model.blobKey)), 'uploaded to the blob store');
  assert.equal(model.blobKey, 'heimdall-models/models/localization/v1.onnx');
  assert.match(
    readFileSync(join(home, 'mlruns', 'models', 'localization', 'version-1', 'meta.yaml'), 'utf8'),
    new RegExp(`run_id: '?${r.run.id}'?$`, 'm'),
  );
  const sets = listRecordingSets(r.exampleRecording as string).map((s) => s.load());
  const [p] = await predictFromRecordings(model.onnxPath, sets);
  assert.ok(p && Number.isFinite(p.lat) && p.ellipse.semiMajorM >= p.ellipse.semiMinorM && p.ellipse.semiMinorM > 0);
  // The int8 variant is kept only within its accuracy tolerance. Where validation kept none of the
  // network's correction (this 2-epoch run on 6 validation samples), the outputs are the posterior
  // mean's and do not depend on the quantized convolutions at all: int8 must then be kept, equal.
  assert.deepEqual(r.correction, { position: 0, uncertainty: 0 }, 'no learned correction survives 6 validation samples');
  const int8 = model.int8 as NonNullable<typeof model.int8>;
  assert.ok(int8, `int8 kept (${model.int8Error})`);
  assert.ok((int8.export.int8?.positionSigmas ?? 1) < 1e-3);
  assert.ok(existsSync(join(runDir, 'artifacts', 'model', 'model.int8.onnx')));
  assert.ok(existsSync(join(home, 'blobs', 'heimdall-models/models/localization/v1.int8.onnx')));
  await promoteModel(openTracker({ home, env }), 'localization', '1', { alias: 'champion' });
  const resolved = await registryResolver({ home, env })({ name: 'localization', alias: 'champion' });
  assert.deepEqual(readFileSync(resolved), readFileSync(model.onnxPath), 'NAME@alias resolves to the registered file');
  // Without the run's artifact (e.g. a tracker on another machine), the blob store copy is used.
  renameSync(resolved, `${resolved}.away`);
  const fromBlobs = await registryResolver({ home, env })({ name: 'localization', alias: 'champion' });
  assert.equal(fromBlobs, join(home, 'models', 'localization-v1.onnx'));
  assert.deepEqual(readFileSync(fromBlobs), readFileSync(`${resolved}.away`));
  renameSync(`${resolved}.away`, resolved);
  await assert.rejects(
    registryResolver({ home, env })({ name: 'localization', alias: 'nobody' }),
    /^Error: localization@nobody: /,
  );
  // The evaluation report: the exported model and the references on the same test sessions.
  const report = r.report as NonNullable<typeof r.report>;
  const doc = report.document;
  assert.ok(existsSync(report.htmlPath) && existsSync(report.jsonPath));
  for (const a of ['report/report.html', 'report/evaluation.json'])
    assert.ok(existsSync(join(runDir, 'artifacts', a)), `artifact ${a}`);
  assert.deepEqual(JSON.parse(readFileSync(report.jsonPath, 'utf8')).metrics, JSON.parse(JSON.stringify(doc.metrics)));
  assert.equal(doc.metrics.count, 6);
  // onnxruntime and the engine agree on the model's errors (export verified them to 1e-4 of scale).
  assert.ok(Math.abs(doc.metrics.medianErrorM - r.evaluation.metrics.medianErrorM) <= 1e-3 * r.evaluation.metrics.medianErrorM);
  const refs = doc.references;
  for (const name of ['posteriorMean', 'rssMl', 'centroid', 'strongest', 'crlb'] as const)
    assert.ok(refs[name], `reference ${name}`);
  assert.equal(refs.tdoa, undefined, 'no timed receivers in dense-urban-uhf: TDOA applies to no session');
  assert.equal(refs.crlb?.medianErrorM, crlb.boundMedianM, 'the CRLB block is the bound of the same sessions');
  assert.equal((refs.posteriorMean?.count ?? 0) + (refs.posteriorMean?.notApplicable ?? 0), 6);
  assert.deepEqual(
    doc.learningCurve.map((c) => [c.epoch, c.valNll]),
    valLines.map((l) => [Number(l.split(' ')[2]), Number(l.split(' ')[1])]),
    'learning curve from the tracked run',
  );
  // `heimdall evaluate` on the registered model gives the same numbers from the command line.
  const cli = spawnSync(
    process.execPath,
    [
      join(import.meta.dirname, '../../src/cli/main.js'),
      'evaluate',
      '--model',
      'localization@champion',
      '--dataset',
      `${r.dataset.name}@${r.dataset.version}`,
      '--json',
      '--out',
      join(home, 'cli-report'),
    ],
    { encoding: 'utf8', env: { ...env, HEIMDALL_HOME: home, HEIMDALL_THREADS: '1' } },
  );
  assert.equal(cli.status, 0, cli.stderr);
  const printed = JSON.parse(cli.stdout) as typeof doc;
  assert.equal(printed.metrics.medianErrorM, doc.metrics.medianErrorM);
  assert.equal(printed.metrics.coverage2Sigma, doc.metrics.coverage2Sigma);
  assert.equal(printed.references.posteriorMean?.medianErrorM, refs.posteriorMean?.medianErrorM);
  assert.ok(existsSync(join(home, 'cli-report', 'report.html')));
  // A rerun reuses the simulation and the import, and the same seed gives the same metrics.
  const log2: string[] = [];
  const again = await quickstart(tiny(home, log2));
  assert.ok(log2.some((l) => l.startsWith('1/6 simulation found')));
  assert.equal(again.model?.version, '2', 'a second run registers version 2');
  assert.notEqual(again.run.id, r.run.id);
  assert.deepEqual(again.evaluation.metrics, r.evaluation.metrics);
  assert.equal(again.dataset.version, 2, 'each run records a new dataset version with the same split');
});
