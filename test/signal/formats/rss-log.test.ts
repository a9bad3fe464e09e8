// Power-only logs in their three shapes give the same transmissions: "not heard" (empty or the
// sentinel) apart from "not running" (absent, or `off`), mobile positions per reading, truth per
// transmission; every bad value is refused naming the file, line (or JSON path) and column.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCsv, parseRssCsv, parseRssJson, type RssLog, RssLogError } from '../../../src/signal/formats/rss-log.js';

const LONG = `time,tx,receiver,rss_dbm,rx_lat,rx_lon,tx_lat,tx_lon
2026-03-01T10:00:00Z,a,north,-71.5,,,45.1,7.6
2026-03-01T10:00:00Z,a,car1,-88,45.05,7.61,45.1,7.6
2026-03-01T10:00:00Z,a,south,,,,45.1,7.6
2026-03-01T10:00:05Z,b,north,-999,,,45.2,7.7
2026-03-01T10:00:05Z,b,south,-64.25,,,45.2,7.7
`;

const WIDE = `timestamp,tx,north,south,car1,car1_lat,car1_lon,lat,lon
2026-03-01T10:00:00Z,a,-71.5,,-88,45.05,7.61,45.1,7.6
2026-03-01T10:00:05Z,b,-999,-64.25,off,,,45.2,7.7
`;

const JSON_LOG = JSON.stringify([
  {
    time: 1772359205,
    tx: 'b',
    tx_lat: 45.2,
    tx_lon: 7.7,
    readings: [
      { receiver: 'north', rss_dbm: null },
      { receiver: 'south', rss_dbm: -64.25 },
    ],
  },
  {
    time: '2026-03-01T10:00:00Z',
    tx: 'a',
    tx_lat: 45.1,
    tx_lon: 7.6,
    readings: [
      { receiver: 'north', rss_dbm: -71.5 },
      { receiver: 'car1', rss_dbm: -88, rx_lat: 45.05, rx_lon: 7.61 },
      { receiver: 'south', rss_dbm: null },
    ],
  },
]);

const strip = (log: RssLog) =>
  log.transmissions.map(({ source: _s, readings, ...t }) => ({ ...t, readings: readings.map(({ where: _w, ...r }) => r) }));

test('long CSV, wide CSV and JSON give the same transmissions', () => {
  const long = parseRssCsv(LONG, { file: 'long.csv', notHeard: -999 });
  const wide = parseRssCsv(WIDE, { file: 'wide.csv', notHeard: -999 });
  const json = parseRssJson(JSON_LOG, { file: 'log.json' });
  assert.deepEqual([long.shape, wide.shape, json.shape], ['long', 'wide', 'json']);
  assert.deepEqual(long.receivers, ['car1', 'north', 'south']);
  const expected = [
    {
      time: new Date('2026-03-01T10:00:00Z'),
      tx: 'a',
      truth: { lat: 45.1, lon: 7.6 },
      readings: [
        { receiver: 'car1', rssDbm: -88, position: { lat: 45.05, lon: 7.61 } },
        { receiver: 'north', rssDbm: -71.5 },
        { receiver: 'south', rssDbm: null }, // running, heard nothing
      ],
      notRunning: [],
    },
    {
      time: new Date('2026-03-01T10:00:05Z'),
      tx: 'b',
      truth: { lat: 45.2, lon: 7.7 },
      readings: [
        { receiver: 'north', rssDbm: null }, // the -999 sentinel / null
        { receiver: 'south', rssDbm: -64.25 },
      ],
      notRunning: ['car1'], // absent from the rows / `off`
    },
  ];
  assert.deepEqual(strip(long), expected);
  assert.deepEqual(strip(wide), expected);
  assert.deepEqual(strip(json), expected);
  assert.equal(long.transmissions[1]?.source, 'long.csv:5');
  assert.equal(json.transmissions[0]?.source, 'log.json:[1]');
  // Each reading knows where it was written (errors about it name the place).
  assert.deepEqual(
    [long, wide, json].map((l) => l.transmissions[0]?.readings[0]?.where),
    ['3', '2 (column car1)', '[1].readings[1]'],
  );
});

test('columns: common spellings found, a mapping for others, ambiguity and absence refused', () => {
  const log = parseRssCsv('Zeit,station,Pegel\n100,n1,-70\n', {
    file: 'x.csv',
    columns: { time: 'zeit', rss_dbm: 'Pegel' },
  });
  assert.deepEqual(strip(log), [{ time: new Date(100_000), readings: [{ receiver: 'n1', rssDbm: -70 }], notRunning: [] }]);
  assert.throws(() => parseRssCsv('time,receiver,rssi,rss_dbm\n', { file: 'a.csv' }), {
    message: "a.csv:1: columns 'rssi' and 'rss_dbm' all look like rss_dbm; say which one with a column mapping",
  });
  assert.throws(() => parseRssCsv('when,receiver,rss_dbm\n', { file: 'a.csv' }), /^RssLogError|a\.csv:1: no time column/);
  assert.throws(() => parseRssCsv('time,receiver\n', { file: 'a.csv' }), /a\.csv:1: no power column/);
  assert.throws(() => parseRssCsv('time,receiver,rss\n', { file: 'a.csv', columns: { rss_dbm: 'level' } }), {
    message: "a.csv:1: column 'level' (given for rss_dbm) is not in the header",
  });
});

test('bad values are refused with the file, line and column', () => {
  const bad = (csv: string, message: string, o: Parameters<typeof parseRssCsv>[1] = { file: 'm.csv' }) =>
    assert.throws(
      () => parseRssCsv(csv, o),
      (e: unknown) => e instanceof RssLogError && e.message === message,
    );
  const head = 'time,receiver,rss_dbm,rx_lat,rx_lon,tx_lat,tx_lon\n';
  bad(`${head}2026-03-01T10:00:00Z,n,abc,,,,\n`, "m.csv:2: rss_dbm: 'abc' is not a number");
  bad(`${head}2026-03-01T10:00:00Z,n,-70,,,95,7\n`, 'm.csv:2: tx_lat: 95 is not a possible latitude');
  bad(`${head}2026-03-01T10:00:00Z,n,-70,45,181,,\n`, 'm.csv:2: rx_lon: 181 is not a possible longitude');
  bad(`${head}yesterday,n,-70,,,,\n`, "m.csv:2: time: 'yesterday' is neither ISO 8601 nor epoch seconds");
  bad(`${head}2026-03-01T10:00:00Z,n,-70,,\n`, 'm.csv:2: 5 cells, the header has 7');
  bad(
    `${head}2026-03-01T10:00:00Z,n,-70,,,,\n2026-03-01T10:00:00Z,n,-71,,,,\n`,
    "m.csv:3: receiver 'n' appears twice in the transmission of 2026-03-01T10:00:00.000Z",
  );
  bad(`${head}2026-03-01T10:00:00Z,ghost,-70,,,,\n`, "m.csv:2: receiver 'ghost' is not in the network (n, s)", {
    file: 'm.csv',
    receivers: new Set(['n', 's']),
  });
  bad(`${head}2026-03-01T10:00:00Z,n,-700,,,,\n`, 'm.csv:2: rss_dbm: -700 dBm is not a possible received power');
  bad('time,north,south_lat\n0,-70,45\n', "m.csv:1: column 'south_lat' names no receiver of the log");
  bad('time,north\n0,loud\n', "m.csv:2: north: 'loud' is not a number");
  assert.throws(() => parseRssJson('[{"time": 0, "readings": [{"receiver": "n", "rss_dbm": "x"}]}]', { file: 'j.json' }), {
    message: "j.json:[0].readings[0]: rss_dbm: 'x' is not a number",
  });
  assert.throws(() => parseRssJson('{"time": 0}', { file: 'j.json' }), {
    message: 'j.json:$: expected an array of transmissions',
  });
  assert.throws(() => parseRssJson('[{"time": 0}]', { file: 'j.json' }), {
    message: 'j.json:[0].readings: expected an array of readings',
  });
});

test('CSV: quotes, doubled quotes, line breaks inside quotes, CRLF and a BOM', () => {
  const rows = parseCsv('\uFEFFa,"b,c"\r\n"say ""hi""","two\nlines"\r\n\r\nlast,1');
  assert.deepEqual(rows, [
    { cells: ['a', 'b,c'], line: 1 },
    { cells: ['say "hi"', 'two\nlines'], line: 2 },
    { cells: ['last', '1'], line: 5 },
  ]);
  assert.throws(() => parseCsv('a,"open\n'), /line 1: a quoted field is not closed/);
});

// Found by the parser fuzzer (bench/fuzz, target `rss-json`): epoch seconds beyond Date's range
// (±8.64e12 s), e.g. 9007199254740994, were accepted as an Invalid Date instead of refused.
test('epoch seconds beyond the representable range are refused naming the record (fuzz find)', () => {
  const json = JSON.stringify([{ time: 9007199254740994, readings: [{ receiver: 'north', rss_dbm: -70 }] }]);
  assert.throws(
    () => parseRssJson(json, { file: 'log.json' }),
    (err: Error) =>
      err instanceof RssLogError && err.message === "log.json:[0].time: '9007199254740994' is neither ISO 8601 nor epoch seconds",
  );
  const csv = 'time,receiver,rss_dbm\n9007199254740994,north,-70\n';
  assert.throws(() => parseRssCsv(csv, { file: 'log.csv' }), /log\.csv:2.*9007199254740994/);
});
