// A job's child process (forked by the worker): work never runs on the worker's event loop, which
// must keep renewing the job's lease. SIGTERM (cancel, or the worker shutting down) and the
// worker's death (the IPC channel closes) stop training at the next batch with the last
// checkpoint saved; a job whose run already has one resumes it. Simulate and import jobs stop at
// the next transmission and are run again from the start (they are idempotent: data-jobs.ts).

import { isTransient } from '../../jobs/retry.js';
import { openStore } from '../../store/open.js';
import { TrainingInterrupted } from '../train.js';
import { hasLastCheckpoint, trainDataset } from '../train-dataset.js';
import { runImportJob, runSimulateJob } from './data-jobs.js';
import type { ChildEvent, ChildJob } from './messages.js';
import { finishedRun, waitForOwner } from './taken-over-run.js';

const controller = new AbortController();
process.on('SIGTERM', () => controller.abort());
process.on('disconnect', () => controller.abort()); // the worker died: stop, keep the checkpoint
// With the worker gone, its end of the stderr pipe is closed too: a warning written there (the
// AWS SDK prints some) must not kill this process before it has saved the checkpoint.
process.stderr.on('error', () => {});

function send(e: ChildEvent): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send?.(e, undefined, {}, () => resolve());
  });
}

async function run({ job, home }: ChildJob): Promise<ChildEvent> {
  const r = job.request;
  const log = (line: string) => void send({ type: 'log', line });
  if (r.kind === 'simulate' || r.kind === 'import') {
    const store = await openStore({ home });
    try {
      const c = { store, jobId: job.id, signal: controller.signal, log };
      const result = r.kind === 'simulate' ? await runSimulateJob(r, c) : await runImportJob(r, c);
      if (controller.signal.aborted) return { type: 'interrupted', runId: null };
      return { type: 'succeeded', model: null, result };
    } catch (err) {
      if (controller.signal.aborted) return { type: 'interrupted', runId: null };
      throw err;
    } finally {
      await store.close();
    }
  }
  if (job.runId !== null) {
    // Taken over from a worker that died: its training process may have outlived it.
    if (!(await waitForOwner(home, job.runId, log)))
      throw new Error(`run ${job.runId}: its previous process is still running after 10 min; not resuming it twice`);
    const done = await finishedRun(home, job.runId);
    if (done !== undefined) {
      for (const m of done.history)
        await send({ type: 'epoch', epoch: m.epoch ?? 0, maxEpochs: done.maxEpochs, metrics: m, restored: true });
      log(`run ${job.runId} had finished before this worker took the job over: its result is the job's`);
      return { type: 'succeeded', model: done.model };
    }
  }
  const resume = job.runId !== null && hasLastCheckpoint(home, job.runId) ? job.runId : undefined;
  const t = await trainDataset({
    home,
    ...(resume !== undefined ? { resume } : { dataset: r.dataset, ...(r.config ? { config: r.config } : {}) }),
    stopWhenAborted: true,
    signal: controller.signal,
    onRun: (runId) => send({ type: 'run', runId }),
    onEpoch: (epoch, maxEpochs, metrics, restored) => send({ type: 'epoch', epoch, maxEpochs, metrics, restored }),
    log,
  });
  return { type: 'succeeded', model: t.model ? { name: t.model.name, version: t.model.version } : null };
}

process.once('message', async (m: ChildJob) => {
  try {
    await send(await run(m));
  } catch (err) {
    if (err instanceof TrainingInterrupted) await send({ type: 'interrupted', runId: err.runId });
    else await send({ type: 'failed', error: err instanceof Error ? err.message : String(err), transient: isTransient(err) });
  } finally {
    // Everything is awaited and closed: leave now rather than wait on idle thread pools.
    process.exit(0);
  }
});
