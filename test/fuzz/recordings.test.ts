// Recording formats under fuzzing: .npy bytes and sidecars, KiwiSDR WAV, SigMF metadata and datasets yield a
// valid recording or a clear error naming the file, within the time and memory bounds (bench/fuzz/verdict.ts).
import { fuzzEach } from './property.js';

fuzzEach(['npy', 'npy-sidecar', 'kiwi-wav', 'sigmf-meta', 'sigmf-data'], {
  runs: 1000,
  seedBase: 1800,
  what: 'seeds are valid; 1,000 mutated and 250 random inputs give valid results or clear errors',
});
