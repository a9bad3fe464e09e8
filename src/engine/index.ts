// The engine: a libtorch-backed tensor library with PyTorch's names, camelCased.
export * from './autograd.js';
export * from './blas.js';
export * from './creation.js';
export * as F from './functional.js';
export * from './nn/init.js';
export * from './nn/layers.js';
export * from './nn/module.js';
export * from './optim/adam.js';
export * from './optim/clip.js';
export * from './optim/optimizer.js';
export * from './runtime.js';
export * from './safetensors.js';
export * from './scope.js';
export { type DType, EngineError, Tensor, type TypedArray } from './tensor.js';
