// `importDirectory` on folders a user would have: a malformed collection beside good sets, KiwiSDR WAVs of two
// moments in one folder, loose SigMF recordings; and the stored session hash is the catalog's sessionContentHash.
// Embedded catalog (PGlite) and local blobs: the grouping does not depend on the backend.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalBlobStore } from '../../src/store/blobs/local.js';
import { Catalog, sessionContentHash } from '../../src/store/catalog/catalog.js';
import { openDatabase } from '../../src/store/db/index.js';
import { importDirectory } from '../../src/store/import.js';
import type { SqlDatabase } from '../../src/store/sql.js';
import { collectionAt, kiwiMoment, MS, STATIONS, sigmfAt, T0_NS } from '../signal/recording-sets-fixture.js';

const root = mkdtempSync(join(tmpdir(), 'heimdall-import-sets-'));
let db: SqlDatabase;
let catalog: Catalog;
let blobs: LocalBlobStore;
before(async () => {
  db = await openDatabase({ dir: join(root, 'db') });
  catalog = await Catalog.open(db);
  blobs = new LocalBlobStore(join(root, 'blobs'));
});
after(async () => {
  await db.close();
  rmSync(root, { recursive: true, force: true });
});

const THREE_YEARS_NS = 3n * 365n * 86_400n * 1_000_000_000n;

test('a malformed collection is skipped by name; good collections, KiwiSDR moments and loose SigMF sets are imported', async () => {
  const data = join(root, 'data');
  const good = collectionAt(join(data, 'tx-1'), 'tx-1', ['rx-a', 'rx-b'], T0_NS);
  mkdirSync(join(data, 'tx-2'));
  const bad = join(data, 'tx-2', 'tx-2.sigmf-collection');
  writeFileSync(bad, '{"collection": ');
  // Six KiwiSDR WAVs in one folder: two moments three years apart, three receivers each.
  kiwiMoment(join(data, 'kiwi'), T0_NS - THREE_YEARS_NS);
  kiwiMoment(join(data, 'kiwi'), T0_NS);
  // Two SigMF recordings whose captures overlap.
  sigmfAt(join(data, 'loose'), 'rx-c', T0_NS + 5_000n * MS);
  sigmfAt(join(data, 'loose'), 'rx-d', T0_NS + 5_030n * MS);

  const r = await importDirectory(data, { catalog, blobs });
  assert.equal(r.failed.length, 1);
  assert.equal(r.failed[0]?.path, bad);
  assert.match(r.failed[0]?.error as string, /^not valid JSON: /);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual([r.imported, r.duplicates], [4, 0]);
  const sessions = await Promise.all(r.sessionIds.map((id) => catalog.getSession(id)));
  assert.deepEqual(
    sessions.map((s) => [s?.source, s?.startedAt.toISOString().slice(0, 21), s?.measurements.map((m) => m.receiverId).sort()]),
    [
      ['kiwi/20201114T221320Z_7850000_*', '2020-11-14T22:13:20.1', [...STATIONS].sort()],
      ['kiwi/20231114T221320Z_7850000_*', '2023-11-14T22:13:20.1', [...STATIONS].sort()],
      ['loose', '2023-11-14T22:13:25.0', ['rx-c', 'rx-d']],
      ['tx-1/tx-1.sigmf-collection', '2023-11-14T22:13:20.0', ['rx-a', 'rx-b']],
    ],
  );
  assert.ok(good.endsWith('tx-1.sigmf-collection'));

  // The stored session hash is the catalog's definition of the stored measurements.
  for (const s of sessions) {
    assert.equal(
      s?.contentHash,
      sessionContentHash((s?.measurements ?? []).map((m) => ({ receiverId: m.receiverId, contentHash: m.contentHash }))),
    );
  }
  const again = await importDirectory(data, { catalog, blobs });
  assert.deepEqual([again.imported, again.duplicates, again.failed.length], [0, 4, 1]);
});
