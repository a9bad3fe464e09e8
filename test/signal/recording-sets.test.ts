// One discovery and grouping of recordings into transmissions (import, predict and inspect all use it): what makes
// one set, what is skipped with which reason, and which groupings are reported as ambiguous.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { discoverRecordingSets } from '../../src/signal/formats/recording-sets.js';
import { collectionAt, KIWI_START_OFFSET_NS, kiwiMoment, MS, npyAt, STATIONS, sigmfAt, T0_NS } from './recording-sets-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'heimdall-sets-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = join(root, `case-${n++}`);
  mkdirSync(d);
  return d;
};
const S = 1_000_000_000n;
const THREE_YEARS_NS = 3n * 365n * 86_400n * S;

describe('discoverRecordingSets', () => {
  test('a malformed collection is skipped by name; the good collection and loose recordings beside it are kept', () => {
    const dir = fresh();
    const good = collectionAt(join(dir, 'tx-1'), 'tx-1', ['rx-a', 'rx-b'], T0_NS);
    const bad = join(dir, 'tx-2', 'tx-2.sigmf-collection');
    mkdirSync(join(dir, 'tx-2'));
    writeFileSync(bad, '{"collection": {"core:streams": [}');
    const loose = sigmfAt(join(dir, 'loose'), 'rx-c', T0_NS + 10n * S);
    const found = discoverRecordingSets([dir]);
    assert.deepEqual(
      found.sets.map((s) => [s.label, s.files]),
      [
        [loose, [loose]],
        [good, [good]],
      ],
    );
    assert.equal(found.skipped.length, 1);
    assert.equal(found.skipped[0]?.path, bad);
    assert.match(found.skipped[0]?.reason as string, /^not valid JSON: /);
    assert.deepEqual(found.warnings, []);
    assert.deepEqual(
      found.sets[1]?.load().recordings.map((r) => r.receiver.id),
      ['rx-a', 'rx-b'],
    );
  });

  test('three KiwiSDR WAVs of one moment given as arguments are one set of three receivers', () => {
    const dir = fresh();
    const files = kiwiMoment(dir, T0_NS);
    const found = discoverRecordingSets([files[2] as string, files[0] as string, files[1] as string]);
    assert.deepEqual(found.skipped, []);
    assert.deepEqual(found.warnings, []);
    assert.equal(found.sets.length, 1);
    const set = found.sets[0] as (typeof found.sets)[number];
    assert.deepEqual(set.files, [...files].sort());
    assert.equal(set.label, dir, 'all the loose recordings of one folder: labelled by the folder');
    const loaded = set.load();
    assert.deepEqual(loaded.recordings.map((r) => r.receiver.id).sort(), [...STATIONS].sort());
    for (const r of loaded.recordings) {
      const err = (r.startUnixNs as bigint) - T0_NS - KIWI_START_OFFSET_NS;
      assert.ok(err > -10_000n && err < 10_000n, `${r.receiver.id} starts ${err} ns from the moment`);
    }
  });

  test('a folder with KiwiSDR WAVs of two moments three years apart gives two sets of three', () => {
    const dir = fresh();
    const early = kiwiMoment(dir, T0_NS - THREE_YEARS_NS);
    const late = kiwiMoment(dir, T0_NS);
    const found = discoverRecordingSets([dir]);
    assert.deepEqual(found.skipped, []);
    assert.deepEqual(found.warnings, []);
    assert.deepEqual(
      found.sets.map((s) => [s.label, s.files]),
      [
        [join(dir, '20201114T221320Z_7850000_*'), [...early].sort()],
        [join(dir, '20231114T221320Z_7850000_*'), [...late].sort()],
      ],
    );
  });

  test('loose SigMF recordings: overlapping captures are one set, non-overlapping ones two', () => {
    const dir = fresh();
    // rx-a 0–100 ms, rx-b 40–140 ms: overlap. rx-c and rx-d at +60 s: another transmission.
    const a = sigmfAt(dir, 'rx-a', T0_NS);
    const b = sigmfAt(dir, 'rx-b', T0_NS + 40n * MS);
    const c = sigmfAt(dir, 'rx-c', T0_NS + 60n * S);
    const d = sigmfAt(dir, 'rx-d', T0_NS + 60n * S + 5n * MS);
    const found = discoverRecordingSets([dir]);
    assert.deepEqual(found.skipped, []);
    assert.deepEqual(found.warnings, []);
    assert.deepEqual(
      found.sets.map((s) => s.files),
      [
        [a, b],
        [c, d],
      ],
    );
    assert.deepEqual(
      found.sets.map((s) => s.label),
      [`${a} (+1 more)`, `${c} (+1 more)`],
    );
    // Touching but not overlapping (rx-f starts as rx-e ends): two transmissions.
    const dir2 = fresh();
    const e = sigmfAt(dir2, 'rx-e', T0_NS);
    const f = sigmfAt(dir2, 'rx-f', T0_NS + 100n * MS);
    assert.deepEqual(
      discoverRecordingSets([dir2]).sets.map((s) => s.files),
      [[e], [f]],
    );
  });

  test('.npy recordings whose sidecars give overlapping times are one set, wherever they are', () => {
    const dir = fresh();
    const a = npyAt(join(dir, 'site-a'), 'a', 'rx-a', T0_NS);
    const b = npyAt(join(dir, 'site-b'), 'b', 'rx-b', T0_NS + 10n * MS);
    const found = discoverRecordingSets([join(dir, 'site-b'), a]);
    assert.deepEqual(
      found.sets.map((s) => [s.label, s.files]),
      [[`${a} (+1 more)`, [a, b]]],
    );
    assert.deepEqual(
      found.sets[0]?.load().recordings.map((r) => r.receiver.id),
      ['rx-a', 'rx-b'],
    );
  });

  test('ambiguous groupings are reported with the files: name times that differ but overlap, one receiver twice, no time', () => {
    const dir = fresh();
    // G8JNJ's file is named one second later but its 8.5 s overlap the others': kept apart, with a warning.
    const [f1, d3] = kiwiMoment(dir, T0_NS, ['F1JEK', 'DF0KL']);
    const [g2] = kiwiMoment(dir, T0_NS + S, ['G8JNJ']);
    const found = discoverRecordingSets([dir]);
    assert.deepEqual(
      found.sets.map((s) => s.files),
      [[d3, f1], [g2]],
    );
    assert.deepEqual(found.warnings, [
      `${d3}, ${f1} and ${g2} overlap in time but are kept as separate transmissions: their KiwiSDR file names give different start times (20231114T221320Z, 20231114T221321Z)`,
    ]);

    // One receiver twice among overlapping recordings: the group is skipped, naming both files.
    const dup = fresh();
    const x1 = sigmfAt(join(dup, 'one'), 'rx-a', T0_NS);
    const x2 = sigmfAt(join(dup, 'two'), 'rx-a', T0_NS + 20n * MS);
    const other = sigmfAt(join(dup, 'two'), 'rx-b', T0_NS + 30n * MS);
    const d = discoverRecordingSets([dup]);
    assert.deepEqual(d.sets, []);
    assert.deepEqual(d.skipped, [
      {
        path: `${x1} (+2 more)`,
        reason: `one receiver appears more than once among recordings of one time ('rx-a' in ${x1}, ${x2}); which belongs to the transmission cannot be told, so its 3 files (${x1}, ${x2}, ${other}) are skipped`,
      },
    ]);

    // A recording without a start time cannot be matched: a set of its own, and a warning naming it.
    const untimed = fresh();
    const t1 = npyAt(untimed, 'a', 'rx-a', T0_NS);
    const t2 = npyAt(untimed, 'b', 'rx-b', T0_NS + MS);
    const t3 = npyAt(untimed, 'c', 'rx-c', null);
    const u = discoverRecordingSets([untimed]);
    assert.deepEqual(
      u.sets.map((s) => s.files),
      [[t1, t2], [t3]],
    );
    assert.deepEqual(u.warnings, [
      `${t3}: its metadata gives no start time, so it cannot be matched to other recordings; taken as a transmission of its own`,
    ]);

    // A chain: a overlaps b, b overlaps c, but nothing is common to all three.
    const chain = fresh();
    const c1 = sigmfAt(chain, 'rx-a', T0_NS);
    const c2 = sigmfAt(chain, 'rx-b', T0_NS + 80n * MS);
    const c3 = sigmfAt(chain, 'rx-c', T0_NS + 160n * MS);
    const ch = discoverRecordingSets([chain]);
    assert.deepEqual(
      ch.sets.map((s) => s.files),
      [[c1, c2, c3]],
    );
    assert.deepEqual(ch.warnings, [
      `${c1}, ${c2}, ${c3}: their time spans overlap only one after another, with no instant common to all; taken as one transmission`,
    ]);
  });

  test('paths that cannot be used are skipped with the reason; the rest is still found', () => {
    const dir = fresh();
    const good = sigmfAt(dir, 'rx-a', T0_NS);
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'x');
    const badNpy = join(dir, 'broken.npy');
    writeFileSync(badNpy, 'not numpy');
    const empty = fresh();
    const found = discoverRecordingSets([good, join(dir, 'missing.npy'), notes, empty, badNpy, `${good.slice(0, -4)}data`]);
    assert.deepEqual(
      found.sets.map((s) => s.files),
      [[good]],
    );
    assert.deepEqual(found.skipped, [
      { path: join(dir, 'missing.npy'), reason: 'not found (ENOENT)' },
      {
        path: notes,
        reason: "unsupported file type '.txt'; supported: .sigmf-collection, .sigmf-meta, .sigmf-data, .npy, .wav",
      },
      {
        path: empty,
        reason: 'no recordings found (expected .sigmf-collection, .sigmf-meta, .sigmf-data, .npy, .wav files)',
      },
      { path: badNpy, reason: `metadata sidecar not found: expected ${join(dir, 'broken_metadata.json')}` },
    ]);
  });
});
