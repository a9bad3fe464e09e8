// PriorPool: the same priors as physicsPrior, from worker threads or the calling thread; each
// transmission's computed once; a worker's error reaches the caller with its message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { physicsPrior } from '../../../src/signal/features/prior.js';
import { PriorPool } from '../../../src/signal/features/prior-pool.js';
import { SCALAR_COUNT, scalarIndex } from '../../../src/signal/features/scalars.js';
import { priorSpecFor } from '../../export/fixtures.js';

const spec = priorSpecFor();
const ids = spec.receivers.map((r) => r.id);

function features(k: number) {
  const scalars = new Float32Array(ids.length * SCALAR_COUNT);
  ids.forEach((_, i) => {
    scalars[i * SCALAR_COUNT + scalarIndex('rssi_dbm')] = -95 - 7 * ((i + k) % 4) + k;
    scalars[i * SCALAR_COUNT + scalarIndex('rssi_dbm_known')] = 1;
    scalars[i * SCALAR_COUNT + scalarIndex('snr_db')] = 20 - 7 * ((i + k) % 4) + k;
  });
  return { receivers: [...ids], scalars, mask: Uint8Array.from([1, 1, 1, k % 2]) };
}

test('worker threads and the calling thread give physicsPrior’s values; each transmission is computed once', async () => {
  const all = Array.from({ length: 6 }, (_, k) => features(k));
  for (const workers of [2, 0]) {
    const pool = new PriorPool(spec, { workers });
    try {
      const got = await Promise.all(all.map((f) => pool.compute(f)));
      for (const [k, p] of got.entries())
        assert.deepEqual([...p], [...physicsPrior(spec, all[k] as ReturnType<typeof features>)], `workers ${workers}, #${k}`);
      assert.ok(got.filter((p) => p[5] === 1).length >= 5, 'valid priors');
      // Again (and the same content under another object): remembered, not recomputed.
      const again = await pool.compute({ ...features(3) });
      assert.deepEqual([...again], [...(got[3] as Float32Array)]);
      again[0] = 12345; // callers get their own copy
      assert.notEqual((await pool.compute(features(3)))[0], 12345);
      assert.equal(pool.computed, 6);
    } finally {
      await pool.close();
    }
  }
});

test('an error in a worker reaches the caller, and is not remembered', async () => {
  const pool = new PriorPool(spec, { workers: 1 });
  try {
    const other = { ...features(1), receivers: ['alpha', 'bravo', 'delta', 'charlie'] };
    await assert.rejects(pool.compute(other), { message: /are not the prior's \(alpha, bravo, charlie, delta\)/ });
    await assert.rejects(pool.compute(other), { message: /are not the prior's/ });
    assert.equal(pool.computed, 2);
  } finally {
    await pool.close();
  }
});
