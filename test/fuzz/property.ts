// The fuzz targets under fast-check, with a fixed seed and number of runs so `npm test` is repeatable:
// mutated seeds (the mutator driven by a shrinkable tape of integers) and wholly random inputs (bytes, or
// JSON values for JSON formats). A failure names the target, the find and the input (base64).
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { tapeDraw } from '../../bench/fuzz/mutate.js';
import { type FuzzTarget, mutateFor, runCase } from '../../bench/fuzz/target.js';
import { type FuzzTargets, openTargets } from '../../bench/fuzz/targets/index.js';

/** Runs one input; throws describing the find, if it is one. */
async function expectNoFind(t: FuzzTarget, input: Uint8Array): Promise<void> {
  const r = await runCase(t, input);
  if (r.outcome.kind === 'find') {
    const shown = Buffer.from(input.subarray(0, 1024)).toString('base64');
    throw new Error(`${t.name}: ${r.outcome.find}: ${r.outcome.detail}\n  input (base64): ${shown}`);
  }
}

const tape = fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 32 });

/** `runs` mutated seeds and `runs / 4` random inputs through `t`, seeded. */
export async function assertNoFinds(t: FuzzTarget, o: { runs: number; seed: number }): Promise<void> {
  await fc.assert(
    fc.asyncProperty(tape, (draws) => expectNoFind(t, mutateFor(t, tapeDraw(draws)))),
    { numRuns: o.runs, seed: o.seed },
  );
  const random =
    t.kind === 'json'
      ? fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8') as Uint8Array)
      : fc.uint8Array({ maxLength: 600 });
  await fc.assert(
    fc.asyncProperty(random, (input) => expectNoFind(t, input)),
    { numRuns: Math.ceil(o.runs / 4), seed: o.seed + 1 },
  );
}

/** Every seed of `t` parses to a valid result: mutations start from inputs that really are valid. */
export async function assertSeedsValid(t: FuzzTarget): Promise<void> {
  for (const [i, seed] of t.seeds.entries()) {
    const r = await runCase(t, seed);
    if (r.outcome.kind !== 'valid')
      throw new Error(`${t.name}: seed ${i} is not valid: ${JSON.stringify(r.outcome).slice(0, 500)}`);
  }
}

/**
 * One test per named target, titled `<name>: <what>`: its seeds are valid (or those `validSeeds` keeps),
 * then `runs` mutated and runs/4 random inputs give no find, with seed `seedBase` + the target's index.
 * The targets are opened once for the file (`beforeOpen` runs first) and closed after.
 */
export function fuzzEach(
  names: readonly string[],
  o: { runs: number; seedBase: number; what: string; validSeeds?: (t: FuzzTarget) => FuzzTarget; beforeOpen?: () => void },
): void {
  let fuzz: FuzzTargets;
  before(async () => {
    o.beforeOpen?.();
    fuzz = await openTargets([...names]);
  });
  after(() => fuzz.close());
  for (const [k, name] of names.entries()) {
    test(`${name}: ${o.what}`, async () => {
      const t = fuzz.targets.find((x) => x.name === name);
      if (t === undefined) throw new Error(`no target ${name}`);
      await assertSeedsValid(o.validSeeds ? o.validSeeds(t) : t);
      await assertNoFinds(t, { runs: o.runs, seed: o.seedBase + k });
    });
  }
}
