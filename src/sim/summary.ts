// What a simulation run reports about each sample and about the whole run.
import type { SimSample } from './sample.js';

export interface SampleSummary {
  index: number;
  signal: string;
  heard: number;
  online: number;
  /** CRLB CEP50 (m), or null when the geometry cannot fix the position. */
  crlbCep50M: number | null;
}

export function summarizeSample(s: SimSample): SampleSummary {
  return {
    index: s.index,
    signal: s.truth.signal,
    heard: s.recordings.filter((r) => r.heard).length,
    online: s.recordings.filter((r) => !r.offline).length,
    crlbCep50M: 'reason' in s.crlb ? null : s.crlb.cep50M,
  };
}

export interface RunSummary {
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  meanHeard: number;
  /** Samples whose CRLB is undefined (fewer than 3 receivers heard, degenerate geometry). */
  unlocalizable: number;
  crlbCep50M: { median: number; p90: number } | null;
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export function summarizeRun(summaries: SampleSummary[], seconds: number): RunSummary {
  const ceps = summaries
    .map((s) => s.crlbCep50M)
    .filter((c): c is number => c !== null)
    .sort((a, b) => a - b);
  return {
    samples: summaries.length,
    seconds,
    samplesPerSecond: summaries.length / seconds,
    meanHeard: summaries.reduce((a, s) => a + s.heard, 0) / Math.max(1, summaries.length),
    unlocalizable: summaries.length - ceps.length,
    crlbCep50M: ceps.length > 0 ? { median: quantile(ceps, 0.5), p90: quantile(ceps, 0.9) } : null,
  };
}
