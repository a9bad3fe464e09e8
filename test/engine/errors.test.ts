import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromFloat32Array, ones, tensor, zeros } from '../../src/engine/creation.js';
import * as F from '../../src/engine/functional.js';
import { tidy } from '../../src/engine/scope.js';
import { EngineError } from '../../src/engine/tensor.js';

test('a matmul shape mismatch surfaces libtorch message as a JS error naming the op', () =>
  tidy(() => {
    const err = (() => {
      try {
        ones([2, 3]).matmul(ones([2, 3]));
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(err instanceof EngineError);
    assert.match((err as Error).message, /^matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
    assert.doesNotMatch((err as Error).message, /Exception raised from/, 'no C++ backtrace in the message');
  }));

test('a conv2d channel mismatch says which sizes disagree', () =>
  tidy(() => {
    assert.throws(
      () => F.conv2d(zeros([1, 3, 8, 8]), zeros([4, 2, 3, 3])),
      /conv2d: .*expected input\[1, 3, 8, 8\] to have 2 channels/,
    );
  }));

test('broadcasting failures, bad reshapes and out-of-range dims are errors, not crashes', () =>
  tidy(() => {
    assert.throws(() => ones([2, 3]).add(ones([4])), /add: The size of tensor a \(3\) must match the size of tensor b \(4\)/);
    assert.throws(() => ones([2, 3]).reshape(4, 2), /reshape: shape '\[4, 2\]' is invalid for input of size 6/);
    assert.throws(() => ones([2, 3]).sum(5), /sum: Dimension out of range/);
    assert.throws(() => ones([3]).item(), /item: a Tensor with 3 elements cannot be converted to Scalar/);
    assert.throws(() => ones([2]).select(0, 7), /select: .*index 7 out of range/);
  }));

test('boundary checks in TypeScript name the function and the bad argument', () => {
  assert.throws(() => fromFloat32Array(new Float32Array(5), [2, 3]), /shape holds 6 elements but the array has 5/);
  assert.throws(() => zeros([2, -1]), /zeros: shape must hold non-negative integers, got \[2, -1\]/);
  assert.throws(
    () => tensor([1, 2], [2], 'complex' as never),
    /tensor: unknown dtype 'complex' \(expected float32, float64, int32, int64, uint8 or bool\)/,
  );
  assert.throws(() => zeros([2], 'complex' as never), /unknown dtype 'complex'/);
});

test('backward on a tensor that does not require grad is an error', () =>
  tidy(() => {
    assert.throws(() => ones([1]).sum().backward(), /backward: element 0 of tensors does not require grad/);
  }));
