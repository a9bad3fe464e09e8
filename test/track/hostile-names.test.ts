// Hostile names against the file-store tracker (the MLflow layout on disk): registered model
// names that would leave models/ (traversal, absolute, backslash, '%'-encoded, NUL, 5000
// characters) are refused with MLflow's INVALID_PARAMETER_VALUE naming them; look-alikes of '.'
// and '/' are only characters, one folder inside models/; artifact paths cannot climb out of the
// run; run names are data, written to meta.yaml quoted, so a newline cannot add a YAML key.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FileTracker } from '../../src/track/file-store/tracker.js';
import { MlflowError } from '../../src/track/types.js';
import { LOOK_ALIKES, SQL_ISH, TOO_LONG, TRAVERSAL } from '../hostile-names.js';

const sandbox = mkdtempSync(join(tmpdir(), 'heimdall-track-hostile-'));
const root = join(sandbox, 'mlruns');
const tracker = new FileTracker(root);
after(() => rmSync(sandbox, { recursive: true, force: true }));

/** Every path under root, relative, sorted. */
const tree = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).sort();

test('model names that would leave models/ are refused, naming them; look-alikes stay one folder inside', async () => {
  const refused = [...TRAVERSAL, TOO_LONG];
  for (const name of refused) {
    await assert.rejects(
      tracker.createRegisteredModel(name),
      (err: Error) =>
        err instanceof MlflowError && err.errorCode === 'INVALID_PARAMETER_VALUE' && err.message.startsWith('Invalid name: '),
      JSON.stringify(name.slice(0, 40)),
    );
    await assert.rejects(tracker.getModelVersion(name, '1'), MlflowError);
  }
  for (const name of [...LOOK_ALIKES, ...SQL_ISH]) {
    assert.equal((await tracker.createRegisteredModel(name)).name, name);
    assert.equal((await tracker.getRegisteredModel(name))?.name, name);
  }
  assert.deepEqual(readdirSync(sandbox), ['mlruns']);
  assert.deepEqual(readdirSync(join(root, 'models')).sort(), [...LOOK_ALIKES, ...SQL_ISH].sort());
  assert.equal(existsSync('/tmp/heimdall-escape'), false);
});

test('artifact paths cannot climb out of the run; run names with quotes and newlines are data', async () => {
  const exp = await tracker.getOrCreateExperiment('hostile');
  const name = `${SQL_ISH[0]}\nstatus: FINISHED\nartifact_uri: file:///etc`;
  const run = await tracker.createRun({ experimentId: exp.experimentId, runName: name });
  const file = join(sandbox, 'artifact.txt');
  writeFileSync(file, 'x');
  const before = tree(sandbox);
  for (const path of ['..', '../../..', 'a/../../b', '/tmp/heimdall-escape', 'a//b']) {
    await assert.rejects(
      tracker.logArtifact(run.runId, file, path),
      (err: Error) => err instanceof MlflowError && err.message.includes(`'${path}'`),
      path,
    );
  }
  assert.deepEqual(tree(sandbox), before, 'nothing written anywhere');
  await tracker.logArtifact(run.runId, file, 'ok/dir');
  const got = await tracker.getRun(run.runId);
  assert.equal(got.info.runName, name);
  assert.equal(got.info.status, 'RUNNING');
  assert.ok(got.info.artifactUri.startsWith(`file://${root}`), got.info.artifactUri);
});
