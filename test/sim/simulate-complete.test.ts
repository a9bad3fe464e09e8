// A simulation folder is finished only when simulation-complete.json, written last, says so; an
// abort stops simulate() promptly (worker threads terminated, nothing written afterwards) and
// leaves no marker, not even an earlier run's.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { COMPLETION_FILE, incompleteBecause, SIMULATOR_VERSION, simulationStamp } from '../../src/sim/completion.js';
import { simulate } from '../../src/sim/simulate.js';
import { testScenario } from './fixtures.js';

const txFolders = (dir: string) => readdirSync(dir).filter((n) => /^tx-\d{6}$/.test(n));

test('a finished simulation ends with its completion marker; a smaller rerun removes the surplus folders', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-sim-done-'));
  const scenario = testScenario();
  await simulate({ scenario, seed: 4, samples: 6, outDir: dir, workers: 0 });
  const stamp = JSON.parse(readFileSync(join(dir, COMPLETION_FILE), 'utf8'));
  assert.deepEqual(stamp, { ...simulationStamp(scenario, 4, 6), simulator: SIMULATOR_VERSION });
  assert.equal(stamp.scenarioSha256.length, 64);
  assert.equal(incompleteBecause(dir, simulationStamp(scenario, 4, 6)), undefined);
  assert.equal(incompleteBecause(dir, simulationStamp(scenario, 5, 6)), `${COMPLETION_FILE} has seed 4, not 5`);
  assert.match(
    incompleteBecause(dir, simulationStamp({ ...scenario, txHeightM: 9 }, 4, 6)) ?? '',
    /^simulation-complete\.json has scenarioSha256 [0-9a-f]{64}, not [0-9a-f]{64}$/,
  );
  // Leftovers of a crashed writer and of a bigger run do not survive a rerun into the same folder.
  mkdirSync(join(dir, '.tx-000001.tmp-999'));
  await simulate({ scenario, seed: 4, samples: 4, outDir: dir, workers: 0 });
  assert.deepEqual(txFolders(dir), ['tx-000000', 'tx-000001', 'tx-000002', 'tx-000003']);
  assert.equal(existsSync(join(dir, '.tx-000001.tmp-999')), false);
  assert.equal(JSON.parse(readFileSync(join(dir, COMPLETION_FILE), 'utf8')).samples, 4);
});

test('an abort in worker threads rejects promptly, stops every worker and leaves no marker (not even the old one)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-sim-abort-'));
  const scenario = testScenario();
  await simulate({ scenario, seed: 2, samples: 2, outDir: dir, workers: 0 });
  assert.ok(existsSync(join(dir, COMPLETION_FILE)));
  const controller = new AbortController();
  let abortedAt = 0;
  let done = 0;
  const run = simulate({
    scenario,
    seed: 2,
    samples: 5000,
    outDir: dir,
    workers: 2,
    signal: controller.signal,
    onProgress: (d) => {
      done = d;
      if (d === 3) {
        abortedAt = performance.now();
        controller.abort();
      }
    },
  });
  await assert.rejects(run, { name: 'AbortError', message: 'simulate: aborted' });
  const latency = performance.now() - abortedAt;
  assert.ok(abortedAt > 0 && latency < 2000, `rejected ${latency.toFixed(0)} ms after the abort`);
  assert.ok(done < 5000, `stopped after ${done} samples`);
  assert.equal(existsSync(join(dir, COMPLETION_FILE)), false);
  assert.equal(
    incompleteBecause(dir, simulationStamp(scenario, 2, 5000)),
    `${COMPLETION_FILE} is missing (an earlier simulation was interrupted)`,
  );
  const written = txFolders(dir).length;
  await sleep(300);
  assert.equal(txFolders(dir).length, written, 'no worker writes after simulate() rejected');
});

test('an abort reaches an in-thread run between samples (a timer, as a signal handler would)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-sim-abort0-'));
  const signal = AbortSignal.timeout(150);
  const started = performance.now();
  let done = 0;
  await assert.rejects(
    simulate({
      scenario: testScenario(),
      seed: 1,
      samples: 5000,
      outDir: dir,
      workers: 0,
      signal,
      onProgress: (d) => {
        done = d;
      },
    }),
    { name: 'AbortError', message: 'simulate: aborted' },
  );
  const seconds = (performance.now() - started) / 1000;
  assert.ok(done < 5000 && seconds < 5, `stopped after ${done} samples, ${seconds.toFixed(1)} s`);
  assert.equal(existsSync(join(dir, COMPLETION_FILE)), false);
  assert.equal(txFolders(dir).length, done);
});
