// API bodies and uploads under fuzzing, through the real app (inject): every request gets a 2xx or a 4xx
// with a message that is not a runtime error; never a 5xx.
import { after, before, test } from 'node:test';
import { type FuzzTargets, openTargets } from '../../bench/fuzz/targets/index.js';
import { assertNoFinds, assertSeedsValid } from './property.js';

const NAMES = ['api-jobs', 'api-uploads'];
let fuzz: FuzzTargets;
before(async () => {
  fuzz = await openTargets(NAMES);
});
after(() => fuzz.close());

for (const [k, name] of NAMES.entries()) {
  test(`${name}: seeds are accepted; 200 mutated and 50 random requests get a 2xx or a clear 4xx`, async () => {
    const t = fuzz.targets.find((x) => x.name === name);
    if (t === undefined) throw new Error(`no target ${name}`);
    // The over-limit seed is refused by design (413): only the others must be accepted.
    await assertSeedsValid({ ...t, seeds: t.seeds.filter((s) => s.byteLength < 4096) });
    await assertNoFinds(t, { runs: 200, seed: 1830 + k });
  });
}
