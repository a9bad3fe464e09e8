// A training job's child process (forked by the worker): training never runs on the worker's
// event loop, which must keep renewing the job's lease. SIGTERM (cancel, or the worker shutting
// down) and the worker's death (the IPC channel closes) stop training at the next batch with the
// last checkpoint saved; a job whose run already has one resumes it.

import { isTransient } from '../../jobs/retry.js';
import { TrainingInterrupted } from '../train.js';
import { hasLastCheckpoint, trainDataset } from '../train-dataset.js';
import type { ChildEvent, ChildJob } from './messages.js';

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

process.once('message', async ({ job, home }: ChildJob) => {
  try {
    const resume = job.runId !== null && hasLastCheckpoint(home, job.runId) ? job.runId : undefined;
    const r = await trainDataset({
      home,
      ...(resume !== undefined
        ? { resume }
        : { dataset: job.request.dataset, ...(job.request.config ? { config: job.request.config } : {}) }),
      stopWhenAborted: true,
      signal: controller.signal,
      onRun: (runId) => send({ type: 'run', runId }),
      onEpoch: (epoch, maxEpochs, metrics, restored) => send({ type: 'epoch', epoch, maxEpochs, metrics, restored }),
      log: (line) => void send({ type: 'log', line }),
    });
    await send({ type: 'succeeded', model: r.model ? { name: r.model.name, version: r.model.version } : null });
  } catch (err) {
    if (err instanceof TrainingInterrupted) await send({ type: 'interrupted', runId: err.runId });
    else await send({ type: 'failed', error: err instanceof Error ? err.message : String(err), transient: isTransient(err) });
  } finally {
    // Everything is awaited and closed: leave now rather than wait on idle thread pools.
    process.exit(0);
  }
});
