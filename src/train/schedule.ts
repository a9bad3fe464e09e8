// Learning-rate schedules as pure functions of the global optimizer step (0 = the first step),
// so a resumed run recomputes exactly the rate an uninterrupted one would have used.

export interface Schedule {
  /** The learning rate for the optimizer step with this 0-based index. */
  lrAt(step: number): number;
}

/** A schedule as plain data (stored in checkpoints); the peak rate is the trainer's `lr`. */
export type ScheduleSpec =
  | { kind: 'constant' }
  | {
      kind: 'cosine';
      /** Steps of linear warm-up from lr/warmupSteps to lr (0 = none). */
      warmupSteps: number;
      /** Step at which the cosine reaches minLr (default: maxEpochs × batchesPerEpoch). */
      totalSteps?: number;
      /** Floor of the decay (default 0). */
      minLr?: number;
    };

function checkStep(step: number): void {
  if (!Number.isInteger(step) || step < 0) throw new RangeError(`lrAt: step must be a non-negative integer, got ${step}`);
}

export function constantSchedule(lr: number): Schedule {
  if (!(lr >= 0) || !Number.isFinite(lr)) throw new RangeError(`constantSchedule: lr must be a finite number >= 0, got ${lr}`);
  return {
    lrAt(step) {
      checkStep(step);
      return lr;
    },
  };
}

export interface CosineOptions {
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  minLr?: number;
}

/**
 * Linear warm-up then cosine decay: step s < W gives lr·(s+1)/W (the first step already moves);
 * W ≤ s ≤ T gives minLr + (lr − minLr)·(1 + cos(π·(s − W)/(T − W)))/2; after T, minLr.
 */
export function cosineSchedule(o: CosineOptions): Schedule {
  const { lr, warmupSteps: w, totalSteps: t } = o;
  const minLr = o.minLr ?? 0;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`cosineSchedule: lr must be a positive number, got ${lr}`);
  if (!Number.isInteger(w) || w < 0) throw new RangeError(`cosineSchedule: warmupSteps must be an integer >= 0, got ${w}`);
  if (!Number.isInteger(t) || t <= w)
    throw new RangeError(`cosineSchedule: totalSteps must be an integer > warmupSteps (${w}), got ${t}`);
  if (!(minLr >= 0 && minLr <= lr)) throw new RangeError(`cosineSchedule: minLr must lie in [0, lr=${lr}], got ${minLr}`);
  return {
    lrAt(step) {
      checkStep(step);
      if (step < w) return (lr * (step + 1)) / w;
      const progress = Math.min(1, (step - w) / (t - w));
      return minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
    },
  };
}

/** Builds the schedule a spec describes; `defaultTotalSteps` fills a cosine's missing totalSteps. */
export function scheduleFromSpec(spec: ScheduleSpec, lr: number, defaultTotalSteps?: number): Schedule {
  switch (spec.kind) {
    case 'constant':
      return constantSchedule(lr);
    case 'cosine': {
      const totalSteps = spec.totalSteps ?? defaultTotalSteps;
      if (totalSteps === undefined) {
        throw new RangeError(
          'cosine schedule: totalSteps is not set and the training DataSource does not declare batchesPerEpoch',
        );
      }
      return cosineSchedule({ lr, warmupSteps: spec.warmupSteps, totalSteps, minLr: spec.minLr ?? 0 });
    }
    default:
      throw new TypeError(`unknown schedule kind '${(spec as { kind: unknown }).kind}' (expected constant or cosine)`);
  }
}
