// The PyTorch parity test may skip on a developer's machine but must fail in CI when PyTorch is missing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeTorchReference, torchReferenceSkip, torchRequired } from './torch-reference.js';

const missing = { status: 1, stderr: "Traceback (most recent call last):\nModuleNotFoundError: No module named 'torch'\n" };

test('a missing PyTorch is a skip with the reason outside CI', () => {
  assert.equal(
    torchReferenceSkip(missing, {}),
    "PyTorch reference not importable by /usr/bin/python3 (ModuleNotFoundError: No module named 'torch'): apt-get install -y python3-torch",
  );
  assert.equal(torchReferenceSkip({ status: 0, stderr: '' }, { CI: 'true' }), false);
});

test('a missing PyTorch is an error when CI or HEIMDALL_REQUIRE_TORCH=1 is set', () => {
  const message =
    "PyTorch reference not importable by /usr/bin/python3 (ModuleNotFoundError: No module named 'torch'); " +
    'it is required here (CI or HEIMDALL_REQUIRE_TORCH=1): apt-get install -y python3-torch';
  assert.throws(() => torchReferenceSkip(missing, { CI: 'true' }), { message });
  assert.throws(() => torchReferenceSkip(missing, { CI: '1' }), { message });
  assert.throws(() => torchReferenceSkip(missing, { HEIMDALL_REQUIRE_TORCH: '1' }), { message });
});

test('CI counts as set unless empty, 0 or false', () => {
  assert.deepEqual(
    ['', '0', 'false', 'FALSE', 'true', 'yes', '1'].map((CI) => torchRequired({ CI })),
    [false, false, false, false, true, true, true],
  );
  assert.equal(torchRequired({}), false);
  assert.equal(torchRequired({ HEIMDALL_REQUIRE_TORCH: '0' }), false);
});

test('the real probe of an absent module fails under CI instead of skipping', () => {
  assert.throws(() => probeTorchReference('heimdall_no_such_module', { CI: 'true' }), {
    message:
      "PyTorch reference not importable by /usr/bin/python3 (ModuleNotFoundError: No module named 'heimdall_no_such_module'); " +
      'it is required here (CI or HEIMDALL_REQUIRE_TORCH=1): apt-get install -y python3-torch',
  });
  assert.match(String(probeTorchReference('heimdall_no_such_module', {})), /^PyTorch reference not importable/);
});
