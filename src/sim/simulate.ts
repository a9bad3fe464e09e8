// Runs a simulation: N samples of a scenario, written as SigMF, in worker threads. Sample i
// depends only on (seed, i), so the output is identical for any worker count.

import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { clearCompletion, simulationStamp, writeCompletion } from './completion.js';
import type { Scenario } from './config.js';
import { generateSample, type SimSample } from './sample.js';
import { type RunSummary, type SampleSummary, summarizeRun, summarizeSample } from './summary.js';
import { buildWorld } from './world.js';
import { writeSampleSigmf } from './write-sample.js';

export interface SimulateOptions {
  scenario: Scenario;
  seed: number;
  samples: number;
  /** Output folder for SigMF; omit to generate without writing (benchmarks, in-memory use). */
  outDir?: string;
  /** Worker threads (default: all cores; 0 runs in this thread). */
  workers?: number;
  /** Called after each sample, in completion order. */
  onProgress?: (done: number, total: number) => void;
  /** In-thread runs only (workers 0): receives each sample, e.g. to hand it to the data store. */
  onSample?: (s: SimSample) => void;
  signal?: AbortSignal;
}

export interface WorkerTask {
  scenario: Scenario;
  seed: number;
  indices: number[];
  outDir?: string;
}

function abortError(): Error {
  const err = new Error('simulate: aborted');
  err.name = 'AbortError';
  return err;
}

/** Generates (and writes) one sample index at a time over one world. */
function sampleStep(task: Omit<WorkerTask, 'indices'>): (i: number) => [SimSample, SampleSummary] {
  const world = buildWorld(task.scenario, task.seed);
  return (i) => {
    const s = generateSample(world, i);
    if (task.outDir !== undefined) writeSampleSigmf(task.outDir, world, s);
    return [s, summarizeSample(s)];
  };
}

/** Generates (and writes) the given sample indices in this thread. */
export function runIndices(task: WorkerTask, each: (s: SimSample, summary: SampleSummary) => void, signal?: AbortSignal): void {
  const step = sampleStep(task);
  for (const i of task.indices) {
    if (signal?.aborted) throw abortError();
    each(...step(i));
  }
}

const SAMPLE_FOLDER = /^tx-(\d{6,})$/;
const TEMP_FOLDER = /^\.tx-\d{6,}\.tmp-\d+$/;

/**
 * Prepares outDir: the completion marker goes first (the folder is unfinished from now on), then
 * what an earlier run left that this one would not overwrite: transmission folders beyond
 * `samples` and the temporaries of a crashed writer. Then scenario.json describes the run.
 */
function prepareOutDir(outDir: string, o: SimulateOptions): void {
  mkdirSync(outDir, { recursive: true });
  clearCompletion(outDir);
  for (const name of readdirSync(outDir)) {
    const index = SAMPLE_FOLDER.exec(name)?.[1];
    if ((index !== undefined && Number(index) >= o.samples) || TEMP_FOLDER.test(name))
      rmSync(join(outDir, name), { recursive: true, force: true });
  }
  const path = join(outDir, 'scenario.json');
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ seed: o.seed, samples: o.samples, scenario: o.scenario }, null, 2)}\n`);
  renameSync(tmp, path);
}

/**
 * Runs the indices in `workers` threads (strided: worker w takes i ≡ w mod workers, so progress is
 * even). On abort or on any worker's failure every worker is terminated, and this settles only
 * once all have exited: nothing writes into outDir after it rejects.
 */
async function runInWorkers(o: SimulateOptions, workers: number, record: (s: SampleSummary) => void): Promise<void> {
  const pool: Worker[] = [];
  let failure: Error | undefined;
  const stopAll = (err: Error) => {
    if (failure !== undefined) return;
    failure = err;
    for (const w of pool) void w.terminate();
  };
  const onAbort = () => stopAll(abortError());
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(
      Array.from({ length: workers }, (_, w) => {
        const task: WorkerTask = {
          scenario: o.scenario,
          seed: o.seed,
          indices: Array.from({ length: o.samples }, (_, i) => i).filter((i) => i % workers === w),
          outDir: o.outDir,
        };
        return new Promise<void>((resolve) => {
          const worker = new Worker(new URL('./simulate-worker.js', import.meta.url), { workerData: task });
          pool.push(worker);
          worker.on('message', (m: SampleSummary) => {
            if (failure === undefined) record(m);
          });
          worker.on('error', (err) => stopAll(err));
          worker.on('exit', (code) => {
            if (code !== 0) stopAll(new Error(`simulate: worker ${w} exited with code ${code}`));
            resolve();
          });
        });
      }),
    );
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw failure;
}

/**
 * Generates o.samples transmissions. With outDir, the folder is complete only once
 * simulation-complete.json is written, last (see completion.ts); an abort (o.signal) or a failure
 * rejects and leaves it without that marker.
 */
export async function simulate(o: SimulateOptions): Promise<RunSummary & { summaries: SampleSummary[] }> {
  if (!Number.isInteger(o.samples) || o.samples < 1)
    throw new RangeError(`simulate: samples must be a positive integer, got ${o.samples}`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0)
    throw new RangeError(`simulate: seed must be a non-negative integer, got ${o.seed}`);
  const workers = Math.min(o.workers ?? availableParallelism(), o.samples);
  if (o.onSample && workers > 0) throw new RangeError('simulate: onSample needs workers: 0 (samples stay in this thread)');
  if (o.signal?.aborted) throw abortError();
  if (o.outDir !== undefined) prepareOutDir(o.outDir, o);
  const started = performance.now();
  const summaries: SampleSummary[] = [];
  const record = (summary: SampleSummary) => {
    summaries.push(summary);
    o.onProgress?.(summaries.length, o.samples);
  };
  if (workers <= 0) {
    const step = sampleStep({ scenario: o.scenario, seed: o.seed, outDir: o.outDir });
    for (let i = 0; i < o.samples; i++) {
      // Let an abort (a signal handler, a timer) run between samples: this loop is otherwise synchronous.
      if (o.signal) await new Promise((r) => setImmediate(r));
      if (o.signal?.aborted) throw abortError();
      const [s, summary] = step(i);
      o.onSample?.(s);
      record(summary);
    }
  } else await runInWorkers(o, workers, record);
  if (o.outDir !== undefined) writeCompletion(o.outDir, simulationStamp(o.scenario, o.seed, o.samples));
  summaries.sort((a, b) => a.index - b.index);
  return { ...summarizeRun(summaries, (performance.now() - started) / 1000), summaries };
}
