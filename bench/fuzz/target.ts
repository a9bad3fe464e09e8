// A fuzz target: one input format, its valid seed inputs, how to mutate them, how to feed bytes to the parser
// and how to tell a valid result. runCase turns one input into an Outcome with its time and memory growth.
import { type Draw, mutateBytes, mutateJsonText } from './mutate.js';
import { CASE_TIME_LIMIT_MS, judgeError, memoryLimitBytes, memoryNow, type Outcome } from './verdict.js';

export interface FuzzTarget {
  /** Format name (the bench's --only value). */
  name: string;
  /** 'bytes' inputs get byte mutations; 'json' inputs mostly structural ones on the parsed document. */
  kind: 'bytes' | 'json' | 'text';
  /** Valid inputs, made by the project's own writers or real-layout fixtures. */
  seeds: Uint8Array[];
  /** What a clear error must name (the file name or request field the target hands the parser). */
  source: string;
  /** Parses one input; returns the result (or throws). */
  run(input: Uint8Array): unknown;
  /** Undefined when a result is valid, else what is wrong with it. */
  check(result: unknown): string | undefined;
  /** Frees a result's native memory (tensors, sessions). */
  dispose?(result: unknown): void;
}

/** One mutated input from a seed chosen by `draw`. */
export function mutateFor(t: FuzzTarget, draw: Draw): Uint8Array {
  const seed = t.seeds[draw() % t.seeds.length] as Uint8Array;
  return t.kind === 'json' ? mutateJsonText(seed, draw) : mutateBytes(seed, draw);
}

export interface CaseResult {
  outcome: Outcome;
  ms: number;
  memoryGrowth: number;
}

/** Runs one case: the parser's outcome, elapsed time and heap+external growth while its result is alive. */
export async function runCase(t: FuzzTarget, input: Uint8Array): Promise<CaseResult> {
  const before = memoryNow();
  const start = performance.now();
  let outcome: Outcome;
  let result: unknown;
  let threw = false;
  try {
    result = await t.run(input);
  } catch (err) {
    threw = true;
    outcome = judgeError(err, t.source);
  }
  const ms = performance.now() - start;
  const memoryGrowth = memoryNow() - before;
  if (!threw) {
    const problem = t.check(result);
    outcome = problem === undefined ? { kind: 'valid' } : { kind: 'find', find: 'invalid-result', detail: problem };
    t.dispose?.(result);
  }
  // Over time and over memory are finds even when the outcome was otherwise fine.
  if (ms > CASE_TIME_LIMIT_MS)
    outcome = { kind: 'find', find: 'timeout', detail: `${ms.toFixed(0)} ms (limit ${CASE_TIME_LIMIT_MS} ms)` };
  else if (memoryGrowth > memoryLimitBytes(input.byteLength))
    outcome = {
      kind: 'find',
      find: 'over-allocation',
      detail: `${(memoryGrowth / 2 ** 20).toFixed(1)} MiB for a ${input.byteLength}-byte input`,
    };
  return { outcome: outcome!, ms, memoryGrowth };
}
