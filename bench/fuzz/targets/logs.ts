// Power logs: long and wide CSV (byte mutations of the text) and JSON (structural mutations).
import { parseRssCsv, parseRssJson, type RssLog } from '../../../src/signal/formats/rss-log.js';
import type { FuzzTarget } from '../target.js';

const LONG = `time,tx,receiver,rss_dbm,rx_lat,rx_lon,tx_lat,tx_lon
2026-03-01T10:00:00Z,a,north,-71.5,,,45.1,7.6
2026-03-01T10:00:00Z,a,car1,-88,45.05,7.61,45.1,7.6
2026-03-01T10:00:00Z,a,south,,,,45.1,7.6
2026-03-01T10:00:05Z,b,north,-999,,,45.2,7.7
"2026-03-01T10:00:05Z",b,south,-64.25,,,45.2,7.7
`;
const WIDE = `timestamp,tx,north,south,car1,car1_lat,car1_lon,lat,lon\r
2026-03-01T10:00:00Z,a,-71.5,,-88,45.05,7.61,45.1,7.6\r
1772359205,b,-999,-64.25,off,,,45.2,7.7\r
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
    readings: [
      { receiver: 'north', rss_dbm: -71.5 },
      { receiver: 'car1', rss_dbm: -88, rx_lat: 45.05, rx_lon: 7.61 },
    ],
  },
]);

/** Every value of a parsed log is usable: real times, finite powers and positions in range. */
function checkLog(result: unknown): string | undefined {
  const log = result as RssLog;
  for (const t of log.transmissions) {
    if (!Number.isFinite(t.time.getTime())) return `${t.source}: invalid time`;
    for (const r of t.readings) {
      if (r.receiver === '') return `${r.where}: empty receiver`;
      if (r.rssDbm !== null && !Number.isFinite(r.rssDbm)) return `${r.where}: rssDbm ${r.rssDbm}`;
      const p = r.position;
      if (p && !(Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180)) return `${r.where}: position ${p.lat},${p.lon}`;
    }
    if (t.truth && !(Math.abs(t.truth.lat) <= 90 && Math.abs(t.truth.lon) <= 180)) return `${t.source}: truth out of range`;
  }
  return undefined;
}

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

export function rssCsvTarget(): FuzzTarget {
  return {
    name: 'rss-csv',
    kind: 'text',
    seeds: [Buffer.from(LONG), Buffer.from(WIDE)],
    source: 'fuzz.csv',
    run: (input) => parseRssCsv(text(input), { file: 'fuzz.csv', notHeard: -999 }),
    check: checkLog,
  };
}

export function rssJsonTarget(): FuzzTarget {
  return {
    name: 'rss-json',
    kind: 'json',
    seeds: [Buffer.from(JSON_LOG)],
    source: 'fuzz.json',
    run: (input) => parseRssJson(text(input), { file: 'fuzz.json' }),
    check: checkLog,
  };
}
