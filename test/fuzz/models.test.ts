// Model files under fuzzing: exported ONNX models (as `predict` and the API open them, before onnxruntime)
// and safetensors checkpoints give a valid result or a clear error naming the file, within the bounds.
import { fuzzEach } from './property.js';

fuzzEach(['onnx', 'safetensors'], {
  runs: 1000,
  seedBase: 1820,
  what: 'seeds are valid; 1,000 mutated and 250 random inputs give valid results or clear errors',
});
