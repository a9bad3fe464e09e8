// API bodies and uploads under fuzzing, through the real app (inject): every request gets a 2xx or a 4xx
// with a message that is not a runtime error; never a 5xx.
import { fuzzEach } from './property.js';

fuzzEach(['api-jobs', 'api-uploads'], {
  runs: 200,
  seedBase: 1830,
  what: 'seeds are accepted; 200 mutated and 50 random requests get a 2xx or a clear 4xx',
  // The over-limit seed is refused by design (413): only the others must be accepted.
  validSeeds: (t) => ({ ...t, seeds: t.seeds.filter((s) => s.byteLength < 4096) }),
});
