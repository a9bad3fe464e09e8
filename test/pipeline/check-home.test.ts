// `heimdall check`'s checker finds each kind of damage a crash (or a careless copy) could leave: a
// measurement whose blob is gone or changed, a torn checkpoint, a torn metric line, a run folder
// without meta.yaml, a registered version whose model file is missing — and takes temporaries
// for leftovers, not problems. Without these, "0 inconsistencies" from the crash bench would
// mean nothing.
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkHome } from '../../src/pipeline/check/check-home.js';
import { simulate } from '../../src/sim/simulate.js';
import { importDirectory } from '../../src/store/import.js';
import { openStore, type Store } from '../../src/store/open.js';
import { openTracker } from '../../src/track/open.js';
import { registerModel, startRun } from '../../src/track/run.js';
import { smallScenario } from './job-fixtures.js';

const home = join(tmpdir(), `heimdall-check-${process.pid}`);
let store: Store;

before(async () => {
  rmSync(home, { recursive: true, force: true });
  store = await openStore({ home, env: {} });
  await simulate({ scenario: smallScenario('check'), seed: 3, samples: 3, outDir: join(home, 'sim'), workers: 0 });
  await importDirectory(join(home, 'sim'), { catalog: store.catalog, blobs: store.blobs, workers: 0 });
});
after(async () => {
  await store?.close();
  rmSync(home, { recursive: true, force: true });
});

const where = async () => {
  const tracker = openTracker({ home, env: {} });
  try {
    return await checkHome(store, tracker.location);
  } finally {
    await tracker.close();
  }
};

test('a fresh import is consistent; each kind of damage is then reported where it is', async () => {
  const clean = await where();
  assert.deepEqual(clean.problems, []);
  assert.equal(clean.checked.measurements, 12);

  // A blob removed, another changed in place.
  const rows = (await store.catalog.db.query<{ blob_key: string }>('SELECT blob_key FROM measurements ORDER BY id')).rows;
  const blobPath = (key: string) => join(home, 'blobs', ...key.split('/'));
  rmSync(blobPath(rows[0]?.blob_key as string));
  const changed = blobPath(rows[1]?.blob_key as string);
  chmodSync(changed, 0o644);
  appendFileSync(changed, Buffer.from([1, 2, 3, 4]));
  // A blob temporary left by a killed put: a leftover, not a blob.
  writeFileSync(`${blobPath(rows[2]?.blob_key as string)}~123-abcdef.tmp`, 'partial');

  // A torn checkpoint (its header promises 16 bytes of data; 8 follow) and a whole one's temporary.
  const runDir = join(home, 'runs', 'd-v1', 'run-x');
  mkdirSync(runDir, { recursive: true });
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.byteLength));
  writeFileSync(join(runDir, 'last.safetensors'), Buffer.concat([len, header, Buffer.alloc(8)]));
  writeFileSync(join(runDir, 'last.safetensors.tmp-99-0a1b2c3d'), 'partial');

  // Tracker: a torn metric line, a run folder without meta.yaml, a version without its model.
  const tracker = openTracker({ home, env: {} });
  const run = await startRun(tracker, { experiment: 'check' });
  await run.logMetrics({ loss: 1.5 }, 1);
  const expDir = join(home, 'mlruns', run.info.experimentId);
  appendFileSync(join(expDir, run.runId, 'metrics', 'loss'), '1700000000000 0.');
  mkdirSync(join(expDir, 'f'.repeat(32), 'metrics'), { recursive: true });
  await registerModel(tracker, 'localization', run.runId, 'model/model.onnx');
  await run.end('FINISHED');
  await tracker.close();

  const r = await where();
  const has = (area: string, whereRe: RegExp, whatRe: RegExp) =>
    assert.ok(
      r.problems.some((p) => p.area === area && whereRe.test(p.where) && whatRe.test(p.what)),
      `expected ${area} ${whereRe} ${whatRe} in:\n${r.problems.map((p) => `${p.area} ${p.where}: ${p.what}`).join('\n')}`,
    );
  has('catalog', /^measurement 1 /, /no blob/);
  has('catalog', /^measurement 2 /, /corrupt: SHA-256/);
  has('checkpoints', /last\.safetensors$/, /tensors end at byte 16 of the data but the file holds 8/);
  has('tracker', /metrics\/loss$/, /no newline \(torn append\)/);
  has('tracker', /metrics\/loss:2$/, /not "<timestamp> <value> <step>"/);
  has('tracker', /f{32}$/, /run: no meta.yaml/);
  has('registry', /^localization v1$/, /model\.onnx does not exist/);
  has('registry', /^localization v1$/, /no model blob heimdall-models\/models\/localization\/v1\.onnx/);
  assert.equal(r.problems.length, 8, r.problems.map((p) => p.what).join('\n'));
  assert.deepEqual(r.leftovers.map((l) => l.area).sort(), ['blobs', 'checkpoints']);
  assert.ok(readdirSync(runDir).includes('last.safetensors'));
});
