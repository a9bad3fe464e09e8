// The power-log path end to end, with real child processes: a realistic campaign (16 fixed
// receivers with uncalibrated offsets of ±6 dB, a quarter of them off each day, four mobile
// receivers on routes, eight measurement days a week apart) is written as a long CSV (days 1–3),
// a wide CSV (days 4–6) and JSON (days 7–8), imported with `heimdall import`, split by time, and
// trained with `heimdall train` (the radio map, and LocalizationNet correcting it). On the test split (the last days) the served model must beat every
// baseline by at least 15 % in median error, with 1σ/2σ coverage within 5 points of the targets.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { EstimatorMetrics } from '../../src/eval/evaluation-document.js';
import { LocalFrame } from '../../src/geo/local-frame.js';
import { radioMapFromJson } from '../../src/locate/power/radio-map-json.js';
import type { RssLog } from '../../src/signal/formats/rss-log.js';
import { formatRssCsvLong, formatRssCsvWide, formatRssJson } from '../../src/signal/formats/rss-log-write.js';
import { simulatePowerCampaign } from '../../src/sim/power-campaign.js';

const root = join(import.meta.dirname, '..', '..', '..');
const main = join(root, 'dist/src/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'heimdall-power-train-'));
const { DATABASE_URL: _pg, ...baseEnv } = process.env;
const env = { ...baseEnv, HEIMDALL_HOME: join(work, 'home'), HEIMDALL_THREADS: '1' };
const heimdall = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { cwd: work, encoding: 'utf8', env });
after(() => rmSync(work, { recursive: true, force: true }));

const campaign = simulatePowerCampaign({ seed: 1 });
const days = (from: number, to: number): RssLog => {
  const first = campaign.log.transmissions[0]?.time.getTime() ?? 0;
  const week = 7 * 86_400_000;
  return {
    ...campaign.log,
    transmissions: campaign.log.transmissions.filter((t) => {
      const day = Math.round((t.time.getTime() - first) / week) + 1;
      return day >= from && day <= to;
    }),
  };
};

test('a realistic power campaign in three shapes: imported, split by time, trained (radio map + LocalizationNet scalar path), the served model beats every baseline by ≥ 15 %', () => {
  const { options } = campaign;
  assert.equal(options.fixedReceivers, 16);
  assert.equal(options.mobileReceivers, 4);
  assert.equal(options.offsetDb, 6);
  assert.equal(options.offShare, 0.25);
  writeFileSync(join(work, 'network.json'), JSON.stringify(campaign.network));
  writeFileSync(join(work, 'long.csv'), formatRssCsvLong(days(1, 3)));
  writeFileSync(join(work, 'wide.csv'), formatRssCsvWide(days(4, 6)));
  writeFileSync(join(work, 'log.json'), formatRssJson(days(7, 8)));
  for (const [file, format] of [
    ['long.csv', 'rss-csv'],
    ['wide.csv', 'rss-csv'],
    ['log.json', 'rss-json'],
  ] as const) {
    const r = heimdall('import', file, '--format', format, '--receivers', 'network.json', '--center-freq', '446e6');
    assert.equal(r.status, 0, r.stderr);
  }
  const split = heimdall('dataset', 'create', 'survey', '--split-by', 'time');
  assert.equal(split.status, 0, split.stderr);
  assert.match(split.stdout, /train 840, val 180, test 180 sessions \(split by time/);

  const t = heimdall('train', '--dataset', 'survey');
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /Power-log models on the test split of survey v1 \(180 transmissions\), beside the baselines/);
  const runId = /run ([0-9a-f]{32})/.exec(t.stdout)?.[1];
  assert.ok(runId, t.stdout);
  const modelPath = /\((\/[^)]+radio-map\.json)\)/.exec(t.stdout)?.[1] as string;
  const comparison = JSON.parse(readFileSync(join(modelPath, '..', '..', 'comparison.json'), 'utf8')) as {
    count: number;
    served: string;
    metrics: Record<string, EstimatorMetrics>;
  };
  assert.equal(comparison.count, 180);
  const m = comparison.metrics;
  // LocalizationNet's scalar path was trained and evaluated too; the served model (the network
  // when validation kept its correction, else the map) is what must beat the baselines.
  assert.ok(m['localization-net'] && m['radio-map']);
  assert.ok(['localization-net', 'radio-map'].includes(comparison.served));
  const model = m[comparison.served] as EstimatorMetrics;
  for (const baseline of ['strongest', 'centroid', 'knn', 'log-distance-ml']) {
    const b = m[baseline] as EstimatorMetrics;
    assert.ok(
      model.medianErrorM <= 0.85 * b.medianErrorM,
      `radio map ${model.medianErrorM.toFixed(0)} m vs ${baseline} ${b.medianErrorM.toFixed(0)} m: not 15 % lower`,
    );
  }
  assert.ok(Math.abs((model.coverage1Sigma as number) - 0.3935) <= 0.05, `1σ coverage ${model.coverage1Sigma}`);
  assert.ok(Math.abs((model.coverage2Sigma as number) - 0.8647) <= 0.05, `2σ coverage ${model.coverage2Sigma}`);
  // heimdall evaluate on the registered version: the same comparison, with its report.
  const ev = heimdall('evaluate', '--model', 'radio-map@v1', '--dataset', 'survey', '--split', 'test', '--out', 'eval');
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /radio-map@v1 on survey v1, test split \(180 power-only transmissions\)/);
  assert.match(ev.stdout, new RegExp(`${comparison.served} \\* +median +${model.medianErrorM.toFixed(0)} m`));
  const evaluation = JSON.parse(readFileSync(join(work, 'eval', 'evaluation.json'), 'utf8')) as {
    references: Record<string, EstimatorMetrics & { label: string }>;
    perSample: { sessionId: number; errorM: Record<string, number> }[];
  };
  assert.deepEqual(Object.keys(evaluation.references).sort(), ['centroid', 'knn', 'rssMl', 'strongest']);
  assert.equal(evaluation.references.knn?.medianErrorM, (m.knn as EstimatorMetrics).medianErrorM);
  assert.ok(readFileSync(join(work, 'eval', 'report.html'), 'utf8').includes('kNN fingerprinting'));
  // heimdall predict on the last day's log (wide CSV, no truth columns needed): the same estimates
  // as the evaluation's for those sessions — one code path from log to position.
  const lastDay = days(8, 8);
  writeFileSync(join(work, 'day8.csv'), formatRssCsvWide(lastDay));
  const out = join(work, 'day8.json');
  const p = heimdall('predict', '--model', 'radio-map@v1', '--input-format', 'rss-csv', 'day8.csv', '--out', out);
  assert.equal(p.status, 0, p.stderr);
  const predictions = (JSON.parse(readFileSync(out, 'utf8')) as { predictions: { lat: number; lon: number; cep50M: number }[] })
    .predictions;
  assert.equal(predictions.length, 150);
  const frame = new LocalFrame(campaign.network.receivers[0] as { lat: number; lon: number });
  const predicted = predictions
    .map((q, k) => {
      const a = frame.toLocal(q);
      const t = frame.toLocal(lastDay.transmissions[k]?.truth as { lat: number; lon: number });
      return Math.hypot(a.east - t.east, a.north - t.north);
    })
    .sort((a, b) => a - b);
  const evaluated = evaluation.perSample
    .sort((a, b) => a.sessionId - b.sessionId)
    .slice(-150)
    .map((x) => x.errorM.model as number)
    .sort((a, b) => a - b);
  for (const [k, e] of predicted.entries())
    assert.ok(Math.abs(e - (evaluated[k] as number)) < 0.5, `error ${k}: ${e} vs ${evaluated[k]}`);
  // A radio map takes power logs only; a receiver it does not know (and the log does not place) fails its transmission.
  const noFormat = heimdall('predict', '--model', 'radio-map@v1', 'day8.csv');
  assert.equal(noFormat.status, 1);
  assert.match(noFormat.stderr, /is a radio-map model: it localizes power logs; add --input-format rss-csv or rss-json/);
  writeFileSync(
    join(work, 'stranger.csv'),
    'time,receiver,rss_dbm\n2026-06-01T10:00:00Z,rx-01,-90\n2026-06-01T10:00:00Z,ghost,-80\n',
  );
  const stranger = heimdall('predict', '--model', 'radio-map@v1', '--input-format', 'rss-csv', 'stranger.csv');
  assert.equal(stranger.status, 1);
  assert.match(stranger.stderr, /stranger\.csv:2: receiver 'ghost' \(at 3\) is not one of the model's fixed receivers/);
  const ignored = heimdall('predict', '--model', 'radio-map@v1', '--input-format', 'rss-csv', 'stranger.csv', '--ignore-unknown');
  assert.equal(ignored.status, 0, ignored.stderr);
  assert.deepEqual(JSON.parse(ignored.stdout).predictions[0].receiversIgnored, ['ghost']);
  // Without the run's artifacts (a tracker on another machine), radio-map@v1 comes from the blob
  // store's copy, cached under <home>/models, and predicts the same.
  const meta = readFileSync(join(work, 'home', 'mlruns', 'models', 'radio-map', 'version-1', 'meta.yaml'), 'utf8');
  const source = /^source: file:\/\/(.*)\/radio-map\.json$/m.exec(meta)?.[1];
  assert.ok(source, 'the registered version points at the run artifacts');
  renameSync(source, `${source}.away`);
  const fromBlobs = heimdall(
    'predict',
    '--model',
    'radio-map@v1',
    '--input-format',
    'rss-csv',
    'day8.csv',
    '--out',
    'day8-blobs.json',
  );
  assert.equal(fromBlobs.status, 0, fromBlobs.stderr);
  const viaBlobs = JSON.parse(readFileSync(join(work, 'day8-blobs.json'), 'utf8'));
  assert.deepEqual(viaBlobs.predictions, JSON.parse(readFileSync(out, 'utf8')).predictions);
  assert.match(viaBlobs.model.path, /models\/radio-map-v1\/radio-map\.json$/);
  renameSync(`${source}.away`, source);
  // The stored model reads back: its offsets are what the devices' differences were.
  const { map } = radioMapFromJson(readFileSync(modelPath, 'utf8'), modelPath);
  const ids = Object.keys(campaign.offsetsDb).filter((id) => !id.startsWith('car-'));
  const meanTrue = ids.reduce((a, id) => a + (campaign.offsetsDb[id] as number), 0) / ids.length;
  const meanFit = ids.reduce((a, id) => a + (map.law.offsetsDb[id] as number), 0) / ids.length;
  for (const id of ids) {
    const e = (map.law.offsetsDb[id] as number) - meanFit - ((campaign.offsetsDb[id] as number) - meanTrue);
    assert.ok(Math.abs(e) < 2, `${id}: fitted offset off by ${e.toFixed(1)} dB`);
  }
});
