// Plugs a tracked run into the Trainer: every epoch's metrics go to the run with step = epoch
// (train_loss, lr and the val_* metrics, named as the trainer names them), a failed fit marks the
// run FAILED, and optionally the end of the fit ends the run and records the best epoch.
import type { Trainer } from '../train/trainer.js';
import type { Callback } from '../train/types.js';
import type { ActiveRun } from './run.js';
import { MAX_TAG_VALUE_LENGTH } from './types.js';

export interface TrackingCallbackOptions {
  /** End the run when fit returns (FINISHED, or KILLED when the fit was aborted). Default false:
   * the caller usually still logs the evaluation and artifacts before ending it. */
  endOnFitEnd?: boolean;
}

/** Metrics the trainer reports that are positions, not measurements: they become the step. */
const NOT_METRICS = new Set(['epoch', 'step']);

export function trackingCallback(run: ActiveRun, o: TrackingCallbackOptions = {}): Callback {
  return {
    async onTrainEpochEnd(_trainer: Trainer, metrics: Record<string, number>) {
      const epoch = metrics.epoch ?? _trainer.epoch;
      const values = Object.fromEntries(Object.entries(metrics).filter(([k]) => !NOT_METRICS.has(k)));
      await run.logMetrics(values, epoch);
    },
    async onFitEnd(_trainer, result) {
      await run.setTags({
        'heimdall.stopped_because': result.stoppedBecause,
        'heimdall.best_epoch': String(result.bestEpoch),
        'heimdall.monitor': result.monitor,
      });
      if (o.endOnFitEnd) await run.end(result.stoppedBecause === 'aborted' ? 'KILLED' : 'FINISHED');
    },
    async onException(_trainer, error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      try {
        await run.setTags({ 'heimdall.error': message.slice(0, MAX_TAG_VALUE_LENGTH) });
      } finally {
        await run.end('FAILED');
      }
    },
  };
}
