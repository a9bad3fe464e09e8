// A job taken over from a dead worker may find its run in either of two states the worker never
// recorded: finished (the training process outlived its worker and completed — the model is
// registered) or still owned by that orphaned process (it stops at the next batch, but export and
// registration do not look). Resuming in the first case fails ("finished already") and in the
// second runs the same run twice at once — two model versions. So: take a finished run's result
// as the job's, and wait for a live owner to end before resuming.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { openTracker } from '../../track/open.js';
import { isProcessAlive } from '../../track/tags.js';
import { findLastCheckpoint } from '../train-dataset.js';

export interface FinishedRun {
  model: { name: string; version: string } | null;
  /** The epochs the run trained, from its last checkpoint (for the job's metric history). */
  history: Array<Record<string, number>>;
  maxEpochs: number;
}

/** The registered result of a FINISHED run, or undefined when the run is not finished. */
export async function finishedRun(home: string, runId: string): Promise<FinishedRun | undefined> {
  const tracker = openTracker({ home });
  try {
    const run = await tracker.getRun(runId);
    if (run.info.status !== 'FINISHED') return undefined;
    let model: FinishedRun['model'] = null;
    for (const m of await tracker.listRegisteredModels()) {
      const v = (await tracker.listModelVersions(m.name)).find((x) => x.runId === runId);
      if (v !== undefined) model = { name: v.name, version: v.version };
    }
    const last = findLastCheckpoint(home, runId);
    const trainer = last === undefined ? undefined : checkpointTrainerState(last);
    return { model, history: trainer?.history ?? [], maxEpochs: trainer?.options?.maxEpochs ?? 0 };
  } finally {
    await tracker.close();
  }
}

/** The trainer state a checkpoint's metadata holds (read from the header: no engine needed). */
function checkpointTrainerState(path: string): { history?: Array<Record<string, number>>; options?: { maxEpochs?: number } } {
  const file = readFileSync(path);
  const n = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + n).toString('utf8')) as { __metadata__?: { trainer?: string } };
  return JSON.parse(header.__metadata__?.trainer ?? '{}');
}

/**
 * Waits while the process that owns the run (its heimdall.host/pid tags) is alive on this machine:
 * an orphaned training process finishing its checkpoint, export or registration. Returns whether
 * the owner is gone (false after `timeoutMs`).
 */
export async function waitForOwner(
  home: string,
  runId: string,
  log: (line: string) => void,
  timeoutMs = 600_000,
): Promise<boolean> {
  const tracker = openTracker({ home });
  try {
    const tags = (await tracker.getRun(runId)).tags;
    const pid = Number(tags['heimdall.pid']);
    if (tags['heimdall.host'] !== hostname() || !Number.isInteger(pid) || pid === process.pid) return true;
    const end = Date.now() + timeoutMs;
    if (isProcessAlive(pid)) log(`run ${runId}: waiting for its previous process (pid ${pid}) to stop`);
    while (isProcessAlive(pid)) {
      if (Date.now() > end) return false;
      await sleep(200);
    }
    return true;
  } finally {
    await tracker.close();
  }
}
