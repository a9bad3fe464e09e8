// The parser fuzz run: mutated seed inputs for every format, ≥ 1,000,000 cases by default, and per format the
// cases, valid results, clear errors, finds (crash, unclear error, invalid result, timeout, over-allocation),
// the slowest case and the largest memory growth. Finds are printed with the input that caused them (base64,
// cut at 2 kB) so a regression test can name it. Exit code 1 when there is any find.
//   npm run bench:fuzz -- [--cases N] [--seed S] [--only format[,format…]]
import { parseArgs } from 'node:util';
import { seededDraw } from './mutate.js';
import { mutateFor, runCase } from './target.js';
import { openTargets, TARGET_NAMES } from './targets/index.js';
import { CASE_TIME_LIMIT_MS } from './verdict.js';

/** Relative share of the cases per format: slow ones (files on disk, HTTP inject, native tensors) get fewer. */
const WEIGHT: Record<string, number> = { 'api-jobs': 0.25, 'api-uploads': 0.25, scenario: 0.5, onnx: 0.5 };

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'npm run bench:fuzz -- [--cases N] [--seed S] [--only format[,format…]]\n' +
      '  --cases  cases over all formats (default 1000000)\n' +
      '  --seed   seed of the mutations (default 1; a find replays with the same seed)\n' +
      `  --only   formats to fuzz (default all: ${TARGET_NAMES.join(', ')})\n` +
      '  exit code 1 when there is any find',
  );
  process.exit(0);
}
const total = Number(values.cases);
const seed = Number(values.seed);
if (!(Number.isSafeInteger(total) && total > 0)) throw new Error(`--cases must be a positive integer, got ${values.cases}`);
if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
const only = values.only?.split(',') ?? [...TARGET_NAMES];

// Mutated YAML often has unknown tags, and the yaml package warns on the process for each: thousands of lines
// that are not finds (the config is then refused by its schema, which the verdict checks).
process.removeAllListeners('warning');
const { targets, close } = await openTargets(only);
const weights = targets.map((t) => WEIGHT[t.name] ?? 1);
const weightSum = weights.reduce((a, b) => a + b, 0);
console.log(`fuzz: ${total} cases over ${targets.length} formats, seed ${seed}, node ${process.version}`);
const header = ['format', 'cases', 'valid', 'clear errors', 'finds', 'max ms', 'max MiB', 'cases/s'];
console.log(header.join('\t'));
let finds = 0;
let done = 0;
const started = performance.now();
for (const [k, t] of targets.entries()) {
  const cases = Math.max(1, Math.round((total * (weights[k] as number)) / weightSum));
  // Seeded by the format's place in TARGET_NAMES, not in this run: `--only fmt --cases N` with N the format's
  // share of a full run replays exactly that format's cases.
  const draw = seededDraw(seed * 1_000_003 + (TARGET_NAMES as readonly string[]).indexOf(t.name));
  const count = { valid: 0, clear: 0, find: 0 };
  const kinds = new Map<string, number>();
  let maxMs = 0;
  let maxGrowth = 0;
  const t0 = performance.now();
  for (let i = 0; i < cases; i++) {
    const input = mutateFor(t, draw);
    const r = await runCase(t, input);
    maxMs = Math.max(maxMs, r.ms);
    maxGrowth = Math.max(maxGrowth, r.memoryGrowth);
    if (r.outcome.kind === 'valid') count.valid++;
    else if (r.outcome.kind === 'clear-error') count.clear++;
    else {
      count.find++;
      const key = `${r.outcome.find}: ${r.outcome.detail.slice(0, 160)}`;
      const seen = kinds.get(key) ?? 0;
      kinds.set(key, seen + 1);
      // Only the first input of each kind of find, so the log stays readable.
      if (seen === 0)
        console.log(
          `  find in ${t.name} case ${i}: ${key}\n    input (base64): ${Buffer.from(input.subarray(0, 2048)).toString('base64')}`,
        );
    }
  }
  const s = (performance.now() - t0) / 1000;
  finds += count.find;
  done += cases;
  console.log(
    [
      t.name,
      cases,
      count.valid,
      count.clear,
      count.find,
      maxMs.toFixed(1),
      (maxGrowth / 2 ** 20).toFixed(1),
      (cases / s).toFixed(0),
    ].join('\t'),
  );
  for (const [key, n] of kinds) console.log(`  ${n}× ${key}`);
}
await close();
const elapsed = (performance.now() - started) / 1000;
console.log(
  `fuzz: ${done} cases in ${elapsed.toFixed(0)} s, ${finds} finds (bounds: ${CASE_TIME_LIMIT_MS} ms per case, 64 MiB + 16 B per input byte)`,
);
process.exitCode = finds > 0 ? 1 : 0;
