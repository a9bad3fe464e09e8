// simulate(): deterministic per seed whatever the worker count, written as valid SigMF.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveScenario } from '../../src/sim/scenario.js';
import { simulate } from '../../src/sim/simulate.js';
import { testScenario } from './fixtures.js';

function treeDigest(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(p.slice(dir.length), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

test('the same seed writes byte-identical files with 0 or 2 worker threads; another seed does not', async () => {
  const scenario = resolveScenario({ preset: 'nw-italy-2m' });
  const root = mkdtempSync(join(tmpdir(), 'heimdall-sim-'));
  const [a, b, c] = ['a', 'b', 'c'].map((x) => join(root, x)) as [string, string, string];
  const ra = await simulate({ scenario, seed: 7, samples: 6, outDir: a, workers: 0 });
  const rb = await simulate({ scenario, seed: 7, samples: 6, outDir: b, workers: 2 });
  await simulate({ scenario, seed: 8, samples: 6, outDir: c, workers: 0 });
  const [da, db, dc] = [treeDigest(a), treeDigest(b), treeDigest(c)];
  assert.ok(da.size >= 6 * 3, `files written: ${da.size}`);
  assert.deepEqual([...db], [...da]);
  assert.notDeepEqual([...dc.values()], [...da.values()]);
  assert.deepEqual(rb.summaries, ra.summaries);
});

test('each transmission folder is a SigMF collection with the truth, the CRLB and one recording per online receiver', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-sim-'));
  const sc = testScenario({ offlineProbability: 0.3, shadowing: { sigmaDb: 4, decorrelationM: 500 } });
  const progress: number[] = [];
  const r = await simulate({
    scenario: sc,
    seed: 3,
    samples: 4,
    outDir: dir,
    workers: 0,
    onProgress: (done) => progress.push(done),
  });
  assert.deepEqual(progress, [1, 2, 3, 4]);
  assert.equal(r.samples, 4);
  const saved = JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8'));
  assert.equal(saved.seed, 3);
  assert.equal(saved.scenario.shadowing.sigmaDb, 4);
  for (let i = 0; i < 4; i++) {
    const name = `tx-${String(i).padStart(6, '0')}`;
    const folder = join(dir, name);
    const collection = JSON.parse(readFileSync(join(folder, `${name}.sigmf-collection`), 'utf8')).collection;
    const truth = collection['heimdall:truth'];
    assert.ok(truth.lat > 44.97 && truth.lat < 45.03 && truth.lon > 7.96 && truth.lon < 8.04, 'truth inside the region');
    assert.equal(truth.powerDbm, 30);
    const links = collection['heimdall:links'] as { receiver_id: string; offline: boolean }[];
    const online = links.filter((l) => !l.offline).map((l) => l.receiver_id);
    const streams = collection['core:streams'] as { name: string; hash: string }[];
    assert.deepEqual(
      streams.map((s) => s.name),
      online,
    );
    for (const s of streams) {
      const meta = readFileSync(join(folder, `${s.name}.sigmf-meta`));
      assert.equal(s.hash, createHash('sha512').update(meta).digest('hex'));
      const global = JSON.parse(meta.toString()).global;
      assert.equal(global['core:datatype'], 'ci16_le'); // complex int16, as an SDR delivers it
      assert.equal(global['heimdall:receiver_id'], s.name);
      assert.equal(statSync(join(folder, `${s.name}.sigmf-data`)).size, 4 * 0.5 * 12_500); // 2 × int16 per sample
    }
    const crlb = collection['heimdall:crlb'];
    if (online.length >= 3) assert.equal(crlb.available, true);
    if (crlb.available) assert.ok(crlb.cep50M > 0 && crlb.covariance[0][1] === crlb.covariance[1][0]);
  }
});

test('bad arguments are refused', async () => {
  const scenario = testScenario();
  await assert.rejects(simulate({ scenario, seed: 1, samples: 0 }), /samples must be a positive integer, got 0/);
  await assert.rejects(simulate({ scenario, seed: -1, samples: 1 }), /seed must be a non-negative integer, got -1/);
  await assert.rejects(simulate({ scenario, seed: 1, samples: 2, workers: 2, onSample: () => {} }), /onSample needs workers: 0/);
});

test('onSample hands every generated sample to the caller (the data store’s entry point)', async () => {
  const seen: number[] = [];
  await simulate({ scenario: testScenario(), seed: 1, samples: 3, workers: 0, onSample: (s) => seen.push(s.index) });
  assert.deepEqual(seen, [0, 1, 2]);
});
