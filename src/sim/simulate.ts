// Runs a simulation: N samples of a scenario, written as SigMF, in worker threads. Sample i
// depends only on (seed, i), so the output is identical for any worker count.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
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

/** Generates (and writes) the given sample indices in this thread. */
export function runIndices(task: WorkerTask, each: (s: SimSample, summary: SampleSummary) => void, signal?: AbortSignal): void {
  const world = buildWorld(task.scenario, task.seed);
  for (const i of task.indices) {
    if (signal?.aborted) throw new Error('simulate: aborted');
    const s = generateSample(world, i);
    if (task.outDir !== undefined) writeSampleSigmf(task.outDir, world, s);
    each(s, summarizeSample(s));
  }
}

function writeScenarioFile(outDir: string, o: SimulateOptions): void {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, 'scenario.json');
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ seed: o.seed, samples: o.samples, scenario: o.scenario }, null, 2)}\n`);
  renameSync(tmp, path);
}

export async function simulate(o: SimulateOptions): Promise<RunSummary & { summaries: SampleSummary[] }> {
  if (!Number.isInteger(o.samples) || o.samples < 1)
    throw new RangeError(`simulate: samples must be a positive integer, got ${o.samples}`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0)
    throw new RangeError(`simulate: seed must be a non-negative integer, got ${o.seed}`);
  const workers = Math.min(o.workers ?? availableParallelism(), o.samples);
  if (o.onSample && workers > 0) throw new RangeError('simulate: onSample needs workers: 0 (samples stay in this thread)');
  if (o.outDir !== undefined) writeScenarioFile(o.outDir, o);
  const started = performance.now();
  const summaries: SampleSummary[] = [];
  const record = (summary: SampleSummary) => {
    summaries.push(summary);
    o.onProgress?.(summaries.length, o.samples);
  };
  const all = Array.from({ length: o.samples }, (_, i) => i);
  if (workers <= 0) {
    runIndices(
      { scenario: o.scenario, seed: o.seed, indices: all, outDir: o.outDir },
      (s, summary) => {
        o.onSample?.(s);
        record(summary);
      },
      o.signal,
    );
  } else {
    // Strided split: worker w takes i ≡ w (mod workers), so progress is even across workers.
    await Promise.all(
      Array.from({ length: workers }, (_, w) => {
        const task: WorkerTask = {
          scenario: o.scenario,
          seed: o.seed,
          indices: all.filter((i) => i % workers === w),
          outDir: o.outDir,
        };
        return new Promise<void>((resolve, reject) => {
          const worker = new Worker(new URL('./simulate-worker.js', import.meta.url), { workerData: task });
          const abort = () => void worker.terminate().then(() => reject(new Error('simulate: aborted')));
          o.signal?.addEventListener('abort', abort, { once: true });
          worker.on('message', (m: SampleSummary) => record(m));
          worker.on('error', reject);
          worker.on('exit', (code) => {
            o.signal?.removeEventListener('abort', abort);
            if (code === 0) resolve();
            else reject(new Error(`simulate: worker ${w} exited with code ${code}`));
          });
        });
      }),
    );
  }
  summaries.sort((a, b) => a.index - b.index);
  return { ...summarizeRun(summaries, (performance.now() - started) / 1000), summaries };
}
