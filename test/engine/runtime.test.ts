import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { randn } from '../../src/engine/creation.js';
import {
  defaultThreadCount,
  getNumThreads,
  getRngState,
  libtorchVersion,
  manualSeed,
  setNumThreads,
  setRngState,
} from '../../src/engine/runtime.js';
import { tidy } from '../../src/engine/scope.js';
import { values } from '../helpers.js';

test('the engine uses every core by default; HEIMDALL_THREADS overrides it', () => {
  assert.equal(getNumThreads(), defaultThreadCount());
  assert.equal(defaultThreadCount({}), availableParallelism());
  assert.equal(defaultThreadCount({ HEIMDALL_THREADS: '1' }), 1);
  assert.throws(() => defaultThreadCount({ HEIMDALL_THREADS: 'two' }), /HEIMDALL_THREADS must be a positive integer, got 'two'/);
  setNumThreads(1);
  assert.equal(getNumThreads(), 1);
  assert.throws(() => setNumThreads(0), /expected a positive integer, got 0/);
  setNumThreads(defaultThreadCount());
});

test('manualSeed makes random draws reproducible and the RNG state restores exactly', () =>
  tidy(() => {
    manualSeed(123);
    const a = values(randn([5]));
    manualSeed(123);
    assert.deepEqual(values(randn([5])), a);
    manualSeed(124);
    assert.notDeepEqual(values(randn([5])), a);
    const state = getRngState();
    const next = values(randn([4]));
    setRngState(state);
    assert.deepEqual(values(randn([4])), next);
    assert.throws(() => manualSeed(-1), /expected a non-negative integer/);
  }));

test('reports the libtorch version', () => {
  assert.match(libtorchVersion(), /^\d+\.\d+\.\d+/);
});
