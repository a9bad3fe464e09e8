// OpenBLAS (pthread build, the one scripts/blas.json pins) starts its own pool of one thread per
// core beside libtorch's OpenMP pool, and the two pools fight over the cores: measured on 2 cores,
// a 64-wide MLP trained 1.7–2.2× slower and a batch-1 ResNet-18 forward (3×3 convs through BLAS)
// 1.4–1.9× slower than with single-threaded BLAS, with identical results (see docs/ENGINE.md).
// libtorch's pool (setNumThreads) is therefore the engine's only thread pool. OpenBLAS reads this
// variable once, when libblas.so.3 loads, so it must be set before the addon is required; a value
// the user set is kept.
process.env.OPENBLAS_NUM_THREADS ??= '1';
