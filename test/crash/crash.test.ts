// Crash consistency (docs/RELIABILITY.md): the real CLI SIGKILLed at a fixed set of points — while
// importing, creating a dataset, training (checkpoints and metric writes), calibrating, exporting
// and registering, and a queue worker mid-job — and after each kill `heimdall check`'s checker
// finds the home consistent; re-run, import completes with every transmission once, training
// resumes from the epoch its last checkpoint holds, and a run ends with exactly one model version.
// bench/crash/run.ts draws hundreds of random points with the same harness.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jobsRound, jobsWorld } from './harness/jobs.js';
import { type KillPoint, killChain, type RoundResult } from './harness/phases.js';
import { makeWorld, type World } from './harness/world.js';

const root = join(tmpdir(), `heimdall-crash-test-${process.pid}`);
let world: World;

/** Every kill fired (the command had not finished) and nothing was found inconsistent. */
function assertClean(r: RoundResult, kills: number): void {
  assert.deepEqual(r.problems, [], r.problems.join('\n'));
  assert.equal(r.kills.filter((k) => k.killed).length, kills, JSON.stringify(r.kills));
  assert.ok(r.rerunCompleted, 'the re-run completed');
}

describe('SIGKILL at fixed points, then the home is checked and the command re-run', () => {
  before(async () => {
    world = await makeWorld(root, { samples: 24, epochs: 3 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('import killed twice while storing blobs and rows, then re-run: each transmission once', async () => {
    const at = (delayMs: number): KillPoint => ({ anchor: /^import: \d+\//, delayMs });
    const r = await killChain('import', world, join(root, 'import'), [at(0), at(0)]);
    assertClean(r, 2);
    assert.ok(
      r.kills.every((k) => k.landed.startsWith('importing')),
      JSON.stringify(r.kills),
    );
  });

  test('dataset creation killed, then re-run: the newest version holds every session', async () => {
    // The command prints one line, at its end: kill points are delays from its start, three of them so
    // that at least one lands before the end on a fast machine as on a loaded one.
    const r = await killChain('dataset', world, join(root, 'dataset'), [{ delayMs: 500 }, { delayMs: 900 }, { delayMs: 1200 }]);
    assert.deepEqual(r.problems, [], r.problems.join('\n'));
    assert.ok(r.rerunCompleted);
    assert.ok(
      r.kills.some((k) => k.killed),
      JSON.stringify(r.kills),
    );
  });

  test('training killed after epoch 1, in export and right after registration: resumed each time, one model version', async () => {
    const r = await killChain('train', world, join(root, 'train'), [
      { anchor: / epoch 1\/3 /, delayMs: 0 },
      { anchor: /exporting to ONNX/, delayMs: 300 },
      { anchor: /registered localization v/, delayMs: 0 },
    ]);
    assertClean(r, 3);
    assert.deepEqual(
      r.kills.map((k) => k.landed),
      ['epoch 1', 'export+registration', 'report'],
    );
  });

  test('a worker killed after the last epoch: the next worker finishes the job once, with one run and one model version', async (t) => {
    const jw = await jobsWorld(world, { reference: false });
    if (jw === undefined) return t.skip('DATABASE_URL is not set');
    try {
      // The worker alone: its training process outlives it and completes the run unrecorded.
      const alone = await jobsRound(jw, 0, { anchor: / epoch 3\/3/, delayMs: 0, group: false });
      assertClean(alone, 1);
    } finally {
      await jw.close();
    }
  });
});
