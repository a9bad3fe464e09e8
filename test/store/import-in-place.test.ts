// Simulated IQ is stored once: import takes the simulator's ci16_le dataset files into a local
// blob store in place (hard links to read-only inodes), copies them into S3, and the stored
// bytes outlive the simulation folder being deleted or simulated again. Older .npy blobs still read.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readKiwiWav } from '../../src/signal/formats/kiwi-wav.js';
import { encodeNpyIq } from '../../src/signal/formats/npy.js';
import { discoverRecordingSets } from '../../src/signal/formats/recording-sets.js';
import { readSigmfRecording } from '../../src/signal/sigmf/read.js';
import { simulate } from '../../src/sim/simulate.js';
import { LocalBlobStore } from '../../src/store/blobs/local.js';
import { S3BlobStore } from '../../src/store/blobs/s3.js';
import { Catalog } from '../../src/store/catalog/catalog.js';
import type { MeasurementRow, SessionWithMeasurements } from '../../src/store/catalog/types.js';
import { openDatabase } from '../../src/store/db/index.js';
import { readSet } from '../../src/store/import/read-set.js';
import { importDirectory } from '../../src/store/import.js';
import { decodeIqBlob, encodeIqBlob, iqBlobFormatOf } from '../../src/store/iq-blob.js';
import { measurementRecording } from '../../src/store/measurement-recording.js';
import type { SqlDatabase } from '../../src/store/sql.js';
import { writeKiwiIqWav } from '../signal/kiwi-wav-fixture.js';
import { ringNetwork, testScenario } from '../sim/fixtures.js';
import { type RunningS3, startS3rver } from './s3rver.js';

const SAMPLES = 3;
const scenario = testScenario({
  network: ringNetwork(4, 10_000),
  txPowerDbm: [20, 40],
  shadowing: { sigmaDb: 4, decorrelationM: 500 },
});
const root = mkdtempSync(join(tmpdir(), 'heimdall-in-place-'));

// One catalog for every test (opening PGlite takes seconds); their contents never overlap.
let ctx: { catalog: Catalog; db: SqlDatabase };
before(async () => {
  const db = await openDatabase({ dir: mkdtempSync(join(root, 'catalog-')) });
  ctx = { catalog: await Catalog.open(db), db };
});

async function sessionsOf(catalog: Catalog, ids: number[]): Promise<SessionWithMeasurements[]> {
  return Promise.all(ids.map(async (id) => (await catalog.getSession(id)) as SessionWithMeasurements));
}

/** The simulation's dataset file behind a measurement (meta.source is relative to the imported folder). */
function dataFileOf(simDir: string, m: MeasurementRow): string {
  return join(simDir, (m.meta.source as string).replace(/\.sigmf-meta$/, '.sigmf-data'));
}

after(async () => {
  await ctx.db.close();
  rmSync(root, { recursive: true, force: true });
});

describe('local blob store on the simulation’s file system', () => {
  const simDir = join(root, 'sim-local');
  const blobs = new LocalBlobStore(join(root, 'blobs'));
  let sessions: SessionWithMeasurements[];
  const iqBefore = new Map<string, Float32Array>();
  before(async () => {
    await simulate({ scenario, seed: 5, samples: SAMPLES, outDir: simDir, workers: 0 });
  });

  test('import hard-links each dataset file (same inode, read-only) and the blob reads back as the file does', async () => {
    const r = await importDirectory(simDir, { catalog: ctx.catalog, blobs, workers: 0 });
    assert.deepEqual([r.imported, r.failed.length], [SAMPLES, 0]);
    sessions = await sessionsOf(ctx.catalog, r.sessionIds);
    for (const s of sessions) {
      for (const m of s.measurements) {
        assert.equal(m.format, 'ci16_le');
        assert.match(m.blobKey as string, /\.ci16_le$/);
        const blob = statSync(blobs.pathOf(m.blobKey as string));
        const file = statSync(dataFileOf(simDir, m));
        assert.equal(blob.ino, file.ino, `${m.blobKey} is the simulation's file`);
        assert.ok(blob.nlink >= 2);
        assert.equal(blob.mode & 0o222, 0, 'no write permission on a linked blob');
        const rec = await measurementRecording(blobs, s.id, m);
        assert.deepEqual(rec.iq, readSigmfRecording(dataFileOf(simDir, m)).iq);
        iqBefore.set(m.blobKey as string, rec.iq);
      }
    }
  });

  test('re-import is a no-op: no new session, the same inodes', async () => {
    const inodes = sessions.flatMap((s) => s.measurements.map((m) => statSync(blobs.pathOf(m.blobKey as string)).ino));
    const r = await importDirectory(simDir, { catalog: ctx.catalog, blobs, workers: 0 });
    assert.deepEqual([r.imported, r.duplicates, r.failed.length], [0, SAMPLES, 0]);
    assert.deepEqual(
      sessions.flatMap((s) => s.measurements.map((m) => statSync(blobs.pathOf(m.blobKey as string)).ino)),
      inodes,
    );
  });

  test('simulating again into the folder, then deleting it, leaves every stored blob intact', async () => {
    const m0 = sessions[0]?.measurements[0] as MeasurementRow;
    const oldInode = statSync(dataFileOf(simDir, m0)).ino;
    await simulate({ scenario, seed: 6, samples: SAMPLES, outDir: simDir, workers: 0 });
    assert.notEqual(statSync(dataFileOf(simDir, m0)).ino, oldInode, 'the simulator replaced the file (rename), not rewrote it');
    assert.notDeepEqual(readSigmfRecording(dataFileOf(simDir, m0)).iq, iqBefore.get(m0.blobKey as string));
    const check = async () => {
      for (const s of sessions)
        for (const m of s.measurements) {
          // measurementRecording verifies the SHA-256 recorded at import.
          assert.deepEqual((await measurementRecording(blobs, s.id, m)).iq, iqBefore.get(m.blobKey as string));
        }
    };
    await check();
    rmSync(simDir, { recursive: true, force: true });
    await check();
  });
});

function s3Options(s3: RunningS3) {
  return { endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true };
}

test('an S3 store gets a copy of the dataset bytes', async () => {
  const simDir = join(root, 'sim-s3');
  await simulate({ scenario, seed: 7, samples: 1, outDir: simDir, workers: 0 });
  const s3: RunningS3 = await startS3rver();
  const blobs = new S3BlobStore(s3Options(s3));
  try {
    const r = await importDirectory(simDir, { catalog: ctx.catalog, blobs, workers: 0 });
    assert.deepEqual([r.imported, r.failed.length], [1, 0]);
    const [s] = await sessionsOf(ctx.catalog, r.sessionIds);
    for (const m of (s as SessionWithMeasurements).measurements) {
      const stored = await blobs.get(m.blobKey as string, m.contentHash as string);
      assert.deepEqual(stored, new Uint8Array(readFileSync(dataFileOf(simDir, m))));
      assert.equal(statSync(dataFileOf(simDir, m)).nlink, 1, 'nothing linked');
    }
    // putFile checks the expected hash before storing anything.
    const m = (s as SessionWithMeasurements).measurements[0] as MeasurementRow;
    await assert.rejects(
      blobs.putFile('heimdall-raw-iq/other/x.ci16_le', dataFileOf(simDir, m), { expectedSha256: '0'.repeat(64) }),
      /is corrupt: SHA-256 .* does not match/,
    );
    assert.equal(await blobs.has('heimdall-raw-iq/other/x.ci16_le'), false);
    // Files from the multipart threshold up are hashed, then streamed through Upload.
    const streaming = new S3BlobStore({ ...s3Options(s3), multipartThresholdBytes: 1 });
    const put = await streaming.putFile('heimdall-raw-iq/other/y.ci16_le', dataFileOf(simDir, m), {
      expectedSha256: m.contentHash as string,
    });
    assert.deepEqual([put.sha256, put.linked], [m.contentHash, false]);
    assert.deepEqual(
      await streaming.get('heimdall-raw-iq/other/y.ci16_le', m.contentHash as string),
      new Uint8Array(readFileSync(dataFileOf(simDir, m))),
    );
    streaming.close();
  } finally {
    blobs.close();
    await s3.close();
  }
});

test('a folder an older store imported as .npy blobs is recognised as a duplicate', async () => {
  const simDir = join(root, 'sim-legacy');
  await simulate({ scenario, seed: 8, samples: 1, outDir: simDir, workers: 0 });
  // What import stored before int16: the same recordings as np.save complex64 blobs.
  const [set] = discoverRecordingSets([simDir]).sets;
  const read = readSet({ label: set?.label as string, files: set?.files as string[] }, simDir, undefined, true);
  const old = await ctx.catalog.insertSession(
    { ...read.session, contentHash: read.legacyContentHash as string },
    read.measurements.map((m) => ({ ...m, format: 'npy-cf32', blobKey: (m.blobKey as string).replace(/\.ci16_le$/, '.npy') })),
  );
  const r = await importDirectory(simDir, { catalog: ctx.catalog, blobs: new LocalBlobStore(join(root, 'blobs-legacy')) });
  assert.deepEqual([r.imported, r.duplicates], [0, 1]);
  assert.deepEqual(
    r.sets.map((x) => x.sessionId),
    [old.sessionId],
  );
});

test('.npy blobs of older stores still load; the format comes from the row, else from the key', async () => {
  const blobs = new LocalBlobStore(join(root, 'blobs-old'));
  const iq = Float32Array.from([0.1, -0.2, 0.3, 1e-7]);
  const put = await blobs.put('heimdall-raw-iq/sessions/ab/rx.npy', encodeNpyIq(iq));
  const row = {
    receiverId: 'rx',
    blobKey: put.key,
    format: 'npy-cf32',
    contentHash: put.sha256,
    meta: {},
  } as unknown as MeasurementRow;
  assert.deepEqual((await measurementRecording(blobs, 1, row)).iq, iq);
  assert.equal(iqBlobFormatOf('unknown', 'a/b/rx.ci16_le'), 'ci16_le');
  assert.equal(iqBlobFormatOf('sigmf', 'a/b/rx.npy'), 'npy-cf32');
  assert.throws(() => iqBlobFormatOf('sigmf', 'a/b/rx.bin'), /blob 'a\/b\/rx.bin': unknown IQ format 'sigmf'/);
});

test('recordings are stored losslessly: int16 sources (KiwiSDR WAV) as ci16_le, float sources as cf32_le', () => {
  const wav = readKiwiWav(writeKiwiIqWav(mkdtempSync(join(root, 'kiwi-')), 'STATION', 1_767_323_045_000_000_000n));
  const asInt = encodeIqBlob(wav.iq);
  assert.equal(asInt.format, 'ci16_le');
  assert.equal(asInt.bytes.byteLength, wav.iq.length * 2);
  assert.deepEqual(decodeIqBlob(asInt.bytes, asInt.format, 'kiwi'), wav.iq);
  const float = Float32Array.from([0.1, -1 / 3, 3.4e38, -0]);
  const asFloat = encodeIqBlob(float);
  assert.equal(asFloat.format, 'cf32_le');
  assert.deepEqual(decodeIqBlob(asFloat.bytes, asFloat.format, 'float'), float);
  assert.throws(
    () => decodeIqBlob(new Uint8Array(6), 'ci16_le', 'blob x'),
    /blob x: 6 bytes is not a whole number of ci16_le samples/,
  );
});

test('a local store on another file system copies the file (read-only), since a hard link cannot cross devices', async (t) => {
  const file = join(root, 'elsewhere.bin');
  writeFileSync(file, Uint8Array.from([1, 2, 3, 4]));
  if (!existsSync('/dev/shm') || statSync('/dev/shm').dev === statSync(root).dev) {
    t.skip('no second file system (/dev/shm) here');
    return;
  }
  const other = mkdtempSync('/dev/shm/heimdall-blobs-');
  try {
    const blobs = new LocalBlobStore(other);
    const put = await blobs.putFile('bucket/x.bin', file);
    assert.equal(put.linked, false);
    const st = statSync(blobs.pathOf('bucket/x.bin'));
    assert.notEqual(st.ino, statSync(file).ino);
    assert.equal(st.mode & 0o222, 0);
    assert.deepEqual(await blobs.get('bucket/x.bin', put.sha256), Uint8Array.from([1, 2, 3, 4]));
    await assert.rejects(
      blobs.putFile('bucket/y.bin', join(root, 'absent.bin')),
      /cannot store blob 'bucket\/y.bin' from .*absent.bin: .*ENOENT/,
    );
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
