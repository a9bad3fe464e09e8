// Crash consistency under SIGKILL (docs/RELIABILITY.md): the real CLI killed at seeded random
// points during import, dataset creation, training (checkpoints, tracker writes), export and
// registration, and a queue worker killed mid-job; after each kill the home is checked, then the
// command is re-run to completion and checked again.
//   npm run bench:crash -- [--rounds N] [--seed S] [--only import|dataset|train|publish|jobs[,…]] [--chain K]
// --rounds: rounds per phase (default 10); --chain: kills in a row per round before the re-run
// to completion (default 2; each re-run killed again, at a new point).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jobsRound, jobsWorld, randomJobKill } from '../../test/crash/harness/jobs.js';
import { crashRound, PHASES, type Phase, type RoundResult, reference } from '../../test/crash/harness/phases.js';
import { makeWorld } from '../../test/crash/harness/world.js';
import { prng as rng } from '../../test/prng.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    chain: { type: 'string', default: '2' },
    only: { type: 'string', default: '' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    'npm run bench:crash -- [--rounds N] [--seed S] [--only import|dataset|train|publish|jobs[,…]] [--chain K] [--verbose]\n' +
      '  --rounds   rounds per phase (default 10)\n' +
      '  --seed     seed of the kill points (default 1)\n' +
      '  --only     phases to run (default all; jobs needs DATABASE_URL)\n' +
      '  --chain    kills in a row per round before the re-run to completion (default 2)\n' +
      "  --verbose  print the jobs phase's reference log",
  );
  process.exit(0);
}
const positive = (name: string, v: string): number => {
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`--${name} ${v}: expected a whole number ≥ 1`);
  return n;
};
const rounds = positive('rounds', values.rounds);
const seed = Number(values.seed);
const chain = positive('chain', values.chain);
const only = values.only;
const phases = (only === '' ? [...PHASES, 'jobs'] : only.split(',')) as Array<Phase | 'jobs'>;
for (const p of phases) {
  if (p !== 'jobs' && !PHASES.includes(p))
    throw new Error(`--only ${only}: unknown phase '${p}' (${[...PHASES, 'jobs'].join(', ')})`);
}
const root = join(tmpdir(), `heimdall-bench-crash-${process.pid}`);

const t0 = Date.now();
const world = await makeWorld(root, { samples: 40, epochs: 4 });
console.log(
  `world: ${world.samples} transmissions × ${world.receivers} receivers, ${world.epochs} epochs; seed ${seed}, ${rounds} rounds per phase, ${chain} kill(s) per round`,
);
const results: RoundResult[] = [];
for (const phase of phases) {
  const random = rng(seed * 1000 + phases.indexOf(phase));
  if (phase === 'jobs') {
    const jw = await jobsWorld(world);
    if (jw === undefined) {
      console.log('jobs: skipped (no PostgreSQL: set DATABASE_URL)');
      continue;
    }
    console.log(
      `jobs: reference job ${jw.spanMs} ms from its claim to the worker's exit; kills drawn in [0, ${jw.spanMs}] ms after the claim line`,
    );
    if (values.verbose) for (const l of jw.referenceLines) console.log(`    ${l}`);
    try {
      for (let i = 0; i < rounds; i++) {
        const r = await jobsRound(jw, i, randomJobKill(jw, random, i));
        results.push(r);
        console.log(
          `  jobs #${i + 1}: ${r.kills.map((k) => `${k.delayMs} ms → ${k.landed}${k.killed ? '' : ' (had exited)'}`).join('; ')}; ${r.problems.length} problem(s)${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`,
        );
        for (const p of r.problems) console.log(`    ${p}`);
      }
    } finally {
      await jw.close();
    }
    continue;
  }
  const ref = await reference(phase, world);
  console.log(
    `${phase}: reference run ${ref.run.elapsedMs} ms; kills drawn in [${ref.window[0]}, ${ref.window[1]}] ms after ${ref.anchor ? `the line ${ref.anchor}` : 'the start'}`,
  );
  for (let i = 0; i < rounds; i++) {
    const r = await crashRound(phase, world, ref, random, join(root, `home-${phase}`), chain);
    results.push(r);
    console.log(
      `  ${phase} #${i + 1}: ${r.kills.map((k) => `${k.delayMs} ms → ${k.landed}${k.killed ? '' : ' (had exited)'}`).join('; ')}; ${r.problems.length} problem(s)${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`,
    );
    for (const p of r.problems) console.log(`    ${p}`);
  }
}

console.log('\nphase      kills  landed (where the child was)                         inconsistencies  re-runs completed');
for (const phase of phases) {
  const rs = results.filter((r) => r.phase === phase);
  if (rs.length === 0) continue;
  const kills = rs.flatMap((r) => r.kills).filter((k) => k.killed);
  const landed = new Map<string, number>();
  for (const k of kills) landed.set(k.landed, (landed.get(k.landed) ?? 0) + 1);
  const where = [...landed].map(([k, n]) => `${k} ${n}`).join(', ');
  const problems = rs.reduce((s, r) => s + r.problems.length, 0);
  console.log(
    `${phase.padEnd(10)} ${String(kills.length).padStart(5)}  ${where.padEnd(52)} ${String(problems).padStart(15)}  ${rs.filter((r) => r.rerunCompleted).length}/${rs.length}`,
  );
}
const all = results.flatMap((r) => r.kills).filter((k) => k.killed).length;
console.log(
  `total: ${all} kills, ${results.reduce((s, r) => s + r.problems.length, 0)} inconsistencies, ${((Date.now() - t0) / 60000).toFixed(1)} min`,
);
