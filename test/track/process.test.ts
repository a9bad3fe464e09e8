// Several processes on one file store: parallel runs never corrupt each other's files, and a
// run whose process died is marked KILLED by its exit handler or FAILED by the next start.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FileTracker } from '../../src/track/file-store/tracker.js';
import { startRun } from '../../src/track/run.js';
import { parseMetricLine, readStore } from './mlflow-reader.js';

const child = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'run-child.js');
const tempRoot = () => join(mkdtempSync(join(tmpdir(), 'heimdall-mlruns-proc-')), 'mlruns');

function start(args: string[]): { proc: ChildProcess; firstLine: Promise<string>; done: Promise<number | null> } {
  const proc = spawn(process.execPath, [child, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const firstLine = new Promise<string>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    proc.once('exit', (code) => reject(new Error(`child exited (${code}) before printing: ${out}`)));
  });
  const done = new Promise<number | null>((resolve) => proc.once('exit', (code, signal) => resolve(signal === null ? code : -1)));
  return { proc, firstLine, done };
}

function runMeta(root: string, runId: string) {
  for (const e of Object.values(readStore(root).experiments)) if (e.runs[runId] !== undefined) return e.runs[runId];
  throw new Error(`run ${runId} not in the store`);
}

test('two processes logging in parallel: every file intact, no metric line interleaved, one experiment per name', async () => {
  const root = tempRoot();
  const tracker = new FileTracker(root);
  const shared = await startRun(tracker, { experiment: 'shared', guardExit: false });
  const n = 300;
  const kids = [start([root, 'log', String(n), shared.runId]), start([root, 'log', String(n), shared.runId])];
  let ids: string[];
  try {
    // Both children are up (their runs exist) before either writes: then release them together.
    // The store is read while they create their runs: a reader must never trip on a write in flight.
    const deadline = Date.now() + 60_000;
    while (Object.values(readStore(root).experiments).flatMap((e) => Object.keys(e.runs)).length < 3) {
      assert.ok(Date.now() < deadline, 'children did not start their runs');
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const k of kids) k.proc.stdin?.write('go\n');
    ids = await Promise.all(kids.map((k) => k.firstLine));
    assert.deepEqual(await Promise.all(kids.map((k) => k.done)), [0, 0]);
  } finally {
    for (const k of kids) if (k.proc.exitCode === null) k.proc.kill('SIGKILL');
  }
  await shared.end();

  const store = readStore(root);
  const byName = Object.values(store.experiments).map((e) => e.meta.name);
  assert.equal(byName.filter((x) => x === 'raced').length, 1, `experiments: ${byName.join(', ')}`);
  assert.equal(byName.filter((x) => x === 'children').length, 1);
  for (const id of ids) {
    const r = runMeta(root, id);
    assert.equal(r.meta.status, 3, 'FINISHED');
    assert.equal(r.metrics.loss?.length, n);
    assert.deepEqual(
      r.metrics.loss?.map((m) => m.step),
      Array.from({ length: n }, (_, i) => i),
    );
    const pid = r.metrics.tag_pid?.[0]?.value;
    assert.ok(
      r.metrics.tag_pid?.every((m) => m.value === pid),
      "a run holds only its own process's values",
    );
    assert.equal(Object.keys(r.params).length, 50);
  }
  // The shared metric file got 2n whole lines, n from each process.
  const sharedFile = readFileSync(join(root, String(shared.info.experimentId), shared.runId, 'metrics', 'shared'), 'utf8');
  const lines = sharedFile.trimEnd().split('\n').map(parseMetricLine);
  assert.equal(lines.length, 2 * n);
  const counts = new Map<number, number>();
  for (const l of lines) counts.set(l.value, (counts.get(l.value) ?? 0) + 1);
  assert.deepEqual([...counts.values()], [n, n]);
});

test('a run of a SIGKILLed process is marked FAILED when the next run starts', async () => {
  const root = tempRoot();
  const k = start([root, 'hang']);
  const runId = await k.firstLine;
  assert.equal(runMeta(root, runId).meta.status, 1, 'RUNNING while the process lives');
  const tracker = new FileTracker(root);
  assert.deepEqual(await tracker.recoverCrashedRuns(), [], 'a live owner keeps its run');
  k.proc.kill('SIGKILL');
  await k.done;
  assert.equal(runMeta(root, runId).meta.status, 1, 'no handler ran');
  const next = await startRun(tracker, { experiment: 'children', guardExit: false });
  const crashed = runMeta(root, runId);
  assert.equal(crashed.meta.status, 4, 'FAILED');
  assert.equal(typeof crashed.meta.end_time, 'number');
  assert.match(crashed.tags['heimdall.recovered'] ?? '', /process \d+ ended without ending the run/);
  await next.end();
  assert.deepEqual(await tracker.recoverCrashedRuns(), [], 'nothing left to recover');
});

test('the exit handler marks a run KILLED on SIGTERM, on exit without end, and on an uncaught error', async () => {
  const root = tempRoot();
  for (const mode of ['hang', 'exit', 'throw'] as const) {
    const k = start([root, mode]);
    const runId = await k.firstLine;
    if (mode === 'hang') k.proc.kill('SIGTERM');
    const code = await k.done;
    assert.equal(code, mode === 'exit' ? 0 : mode === 'throw' ? 1 : -1, `${mode}: exit status`);
    const r = runMeta(root, runId);
    assert.equal(r.meta.status, 5, `${mode}: KILLED`);
    assert.equal(typeof r.meta.end_time, 'number');
  }
});
