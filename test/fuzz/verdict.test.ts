// The verdict the fuzz runs rely on: what is a clear error and what is a find, and a mutator that is
// deterministic for a seed (so a printed find can be reproduced) and does change its input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mutateBytes, mutateJsonText, seededDraw } from '../../bench/fuzz/mutate.js';
import { judgeError } from '../../bench/fuzz/verdict.js';
import { RecordingError } from '../../src/signal/recording.js';

test('a clear error names the input and the problem; runtime errors, empty messages and anonymous ones are finds', () => {
  assert.equal(judgeError(new RecordingError('a.npy', 'truncated: 8 bytes missing'), 'a.npy').kind, 'clear-error');
  const find = (err: unknown) => {
    const o = judgeError(err, 'a.npy');
    return o.kind === 'find' ? o.find : o.kind;
  };
  assert.equal(find(new TypeError("a.npy: Cannot read properties of null (reading 'x')")), 'unclear-error');
  assert.equal(find(new RangeError('Invalid typed array length: 1e12')), 'unclear-error');
  assert.equal(find(new SyntaxError('Unexpected token } in JSON at position 3')), 'unclear-error');
  assert.equal(find(new Error("a.npy: Cannot read properties of undefined (reading 'length')")), 'unclear-error');
  assert.equal(find(new Error('Array buffer allocation failed')), 'unclear-error');
  assert.equal(find(new Error('')), 'unclear-error');
  assert.equal(find(new Error('truncated header')), 'unclear-error'); // does not say which file
  assert.equal(find('a string'), 'crash');
  // A JSON parse message wrapped with the file name is a clear error: it says the file is not JSON.
  assert.equal(find(new Error('a.npy: not valid JSON: Unexpected token } in JSON at position 3')), 'clear-error');
});

test('mutations are deterministic for a seed and change the input', () => {
  const seed = Uint8Array.from({ length: 256 }, (_, i) => i);
  const a = Array.from({ length: 50 }, (_, i) => mutateBytes(seed, seededDraw(i)));
  const b = Array.from({ length: 50 }, (_, i) => mutateBytes(seed, seededDraw(i)));
  assert.deepEqual(a, b);
  assert.ok(a.filter((m) => Buffer.compare(Buffer.from(m), Buffer.from(seed)) !== 0).length >= 45);
  const json = Buffer.from(JSON.stringify({ a: 1, b: [1, 2, { c: 'x' }] }));
  const j = Array.from({ length: 50 }, (_, i) => Buffer.from(mutateJsonText(json, seededDraw(i))).toString());
  assert.ok(new Set(j).size >= 30, `only ${new Set(j).size} distinct mutations of 50`);
  assert.ok(j.filter((s) => s !== json.toString()).length >= 45);
});
