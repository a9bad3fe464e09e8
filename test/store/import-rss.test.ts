// A simulated power campaign written in the three log shapes reads back to the same transmissions;
// imported, it becomes one power-only session per transmission (not heard and not running kept
// apart, mobile positions per row), all or nothing, and a second import writes nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseRssCsv, parseRssJson, type RssLog, RssLogError } from '../../src/signal/formats/rss-log.js';
import { formatRssCsvLong, formatRssCsvWide, formatRssJson } from '../../src/signal/formats/rss-log-write.js';
import { parseNetwork } from '../../src/sim/network-file.js';
import { simulatePowerCampaign } from '../../src/sim/power-campaign.js';
import { Catalog } from '../../src/store/catalog/catalog.js';
import { createDataset } from '../../src/store/datasets.js';
import { openDatabase } from '../../src/store/db/index.js';
import { importRssLog } from '../../src/store/import-rss.js';
import type { SqlDatabase } from '../../src/store/sql.js';

const campaign = simulatePowerCampaign({ seed: 3, days: 3, transmissionsPerDay: 12, fixedReceivers: 8, mobileReceivers: 2 });
const network = parseNetwork(campaign.network, 'network.json');
const dir = mkdtempSync(join(tmpdir(), 'heimdall-rss-import-'));
let db: SqlDatabase;
let catalog: Catalog;

before(async () => {
  db = await openDatabase({ dir: join(dir, 'catalog') });
  catalog = await Catalog.open(db);
});
after(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const strip = (log: RssLog) =>
  log.transmissions.map(({ source: _s, readings, ...t }) => ({ ...t, readings: readings.map(({ where: _w, ...r }) => r) }));

test('the simulated campaign has what makes real logs hard', () => {
  const { log, offsetsDb, mobile } = campaign;
  assert.equal(log.transmissions.length, 36);
  assert.deepEqual(mobile, ['car-1', 'car-2']);
  const offsets = Object.values(offsetsDb);
  assert.ok(offsets.every((x) => Math.abs(x) <= 6) && Math.max(...offsets) - Math.min(...offsets) > 4, 'offsets span ±6 dB');
  // Two of eight fixed receivers are off each day, a different pair on different days.
  const offByDay = [0, 12, 24].map((k) => log.transmissions[k]?.notRunning.join(','));
  assert.ok(offByDay.every((s) => s?.split(',').length === 2));
  assert.ok(new Set(offByDay).size > 1, 'not the same receivers off every day');
  // Days a week apart; mobile receivers move between transmissions.
  assert.equal((log.transmissions[12]?.time.getTime() ?? 0) - (log.transmissions[0]?.time.getTime() ?? 0), 7 * 86_400_000);
  const car = (k: number) => log.transmissions[k]?.readings.find((r) => r.receiver === 'car-1')?.position;
  assert.notDeepEqual(car(0), car(1));
  const readings = log.transmissions.flatMap((t) => t.readings);
  const heard = readings.filter((r) => r.rssDbm !== null).length / readings.length;
  assert.ok(heard > 0.3 && heard < 0.98, `some readings heard, some not (${heard})`);
});

test('long CSV, wide CSV and JSON of one campaign read back to the same transmissions', () => {
  const expected = strip(campaign.log);
  const long = parseRssCsv(formatRssCsvLong(campaign.log), { file: 'long.csv' });
  const wide = parseRssCsv(formatRssCsvWide(campaign.log), { file: 'wide.csv' });
  const json = parseRssJson(formatRssJson(campaign.log), { file: 'log.json' });
  // The long and JSON shapes list running receivers only: the receivers off all day are learned
  // from the network at import; the wide shape names them `off`.
  assert.deepEqual(strip(wide), expected);
  for (const log of [long, json])
    assert.deepEqual(
      strip(log).map((t) => t.readings),
      expected.map((t) => t.readings),
    );
});

test('import: one session per transmission, power only, all receivers accounted for; again: nothing new', async () => {
  const log = parseRssCsv(formatRssCsvLong(campaign.log), { file: 'long.csv' });
  const r = await importRssLog(log, { catalog, file: 'long.csv', network, centerFreqHz: 446e6 });
  assert.equal(r.imported, 36);
  assert.equal(r.duplicates, 0);
  assert.equal(r.unlabelled, 0);
  assert.deepEqual(r.mobile, ['car-1', 'car-2']);
  assert.equal(r.receivers.length, 10);
  const s = await catalog.getSession(r.sessionIds[0] as number);
  const t0 = campaign.log.transmissions[0];
  assert.equal(s?.truthLat, t0?.truth?.lat);
  assert.equal(s?.startedAt.getTime(), t0?.time.getTime());
  assert.equal(s?.measurements.length, 10, 'every receiver of the network and the log, running or not');
  for (const m of s?.measurements ?? []) {
    assert.equal(m.blobKey, null);
    assert.equal(m.format, 'rss');
    const reading = t0?.readings.find((x) => x.receiver === m.receiverId);
    if (reading === undefined) {
      assert.ok(t0?.notRunning.includes(m.receiverId));
      assert.deepEqual([m.running, m.heard, m.rssiDbm], [false, false, null]);
    } else {
      assert.deepEqual([m.running, m.heard, m.rssiDbm], [true, reading.rssDbm !== null, reading.rssDbm]);
      assert.deepEqual([m.rxLat, m.rxLon], [reading.position?.lat ?? null, reading.position?.lon ?? null]);
    }
  }
  const fixed = await catalog.getReceiver('rx-01');
  assert.equal(fixed?.lat, campaign.network.receivers[0]?.lat, 'fixed receivers come from the network');
  assert.equal((await catalog.getReceiver('car-1'))?.lat, null, 'a mobile receiver has no fixed position');
  // The same transmissions in another shape are the same content.
  const again = await importRssLog(parseRssJson(formatRssJson(campaign.log), { file: 'log.json' }), {
    catalog,
    file: 'log.json',
    network,
    centerFreqHz: 446e6,
  });
  assert.deepEqual([again.imported, again.duplicates], [0, 36]);
  // A time split puts the last transmissions in test.
  const d = await createDataset(catalog, {
    name: 'campaign',
    split: { train: 0.7, val: 0.15, test: 0.15 },
    seed: 1,
    splitBy: 'time',
  });
  const test = await catalog.datasetSessions(d.id, 'test');
  const train = await catalog.datasetSessions(d.id, 'train');
  assert.ok(Math.min(...test.map((x) => x.startedAt.getTime())) > Math.max(...train.map((x) => x.startedAt.getTime())));
});

test('a receiver with no position anywhere, or a bad value, is refused naming the place; nothing is written', async () => {
  const before = await catalog.countSessions();
  const csv =
    'time,receiver,rss_dbm,tx_lat,tx_lon\n2026-05-01T10:00:00Z,rx-01,-80,45.07,7.68\n2026-05-01T10:00:00Z,ghost,-90,45.07,7.68\n';
  await assert.rejects(importRssLog(parseRssCsv(csv, { file: 'g.csv' }), { catalog, file: 'g.csv', network }), (err: unknown) => {
    assert.ok(err instanceof RssLogError);
    assert.equal(
      err.message,
      "g.csv:3: receiver 'ghost' has no position: it is not in the receiver network and the row gives no rx_lat/rx_lon",
    );
    return true;
  });
  assert.throws(() => parseRssCsv(csv.replace('-90', 'loud'), { file: 'g.csv' }), {
    message: "g.csv:3: rss_dbm: 'loud' is not a number",
  });
  assert.equal(await catalog.countSessions(), before);
});
