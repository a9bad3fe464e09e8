// Recording formats under fuzzing: .npy bytes and sidecars, KiwiSDR WAV, SigMF metadata and datasets yield a
// valid recording or a clear error naming the file, within the time and memory bounds (bench/fuzz/verdict.ts).
import { after, before, test } from 'node:test';
import { type FuzzTargets, openTargets } from '../../bench/fuzz/targets/index.js';
import { assertNoFinds, assertSeedsValid } from './property.js';

const NAMES = ['npy', 'npy-sidecar', 'kiwi-wav', 'sigmf-meta', 'sigmf-data'];
let fuzz: FuzzTargets;
before(async () => {
  fuzz = await openTargets(NAMES);
});
after(() => fuzz.close());

for (const [k, name] of NAMES.entries()) {
  test(`${name}: seeds are valid; 1,000 mutated and 250 random inputs give valid results or clear errors`, async () => {
    const t = fuzz.targets.find((x) => x.name === name);
    if (t === undefined) throw new Error(`no target ${name}`);
    await assertSeedsValid(t);
    await assertNoFinds(t, { runs: 1000, seed: 1800 + k });
  });
}
