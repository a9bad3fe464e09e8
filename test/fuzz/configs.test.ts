// Power logs, receiver networks, scenarios and training configs under fuzzing: each input yields a valid
// result or a clear error naming the file, within the time and memory bounds (bench/fuzz/verdict.ts).
import { fuzzEach } from './property.js';

fuzzEach(['rss-csv', 'rss-json', 'network', 'scenario', 'train-config-json', 'train-config-yaml'], {
  runs: 1000,
  seedBase: 1810,
  what: 'seeds are valid; 1,000 mutated and 250 random inputs give valid results or clear errors',
  // Mutated YAML often has unknown tags; the yaml package warns on the process for each (not a failure).
  beforeOpen: () => process.removeAllListeners('warning'),
});
