// Power-only measurement logs: received power per receiver per transmission, no IQ (rtl_power /
// KrakenSDR-style logs, testbeds with fixed and vehicle-mounted receivers, survey drives with GPS
// truth). Three shapes, one result:
//   long CSV  one row per (transmission, receiver): time, [tx], receiver, rss_dbm, [rx_lat, rx_lon], [tx_lat, tx_lon]
//   wide CSV  one row per transmission: time, [tx], one power column per receiver, <rx>_lat/<rx>_lon
//             for mobile receivers, [tx_lat, tx_lon]
//   JSON      an array of {time, tx?, tx_lat?, tx_lon?, readings: [{receiver, rss_dbm, rx_lat?, rx_lon?}]}
// "Not heard" (an empty power, or the notHeard value) and "not running" (a receiver absent from
// the transmission, or the notRunning sentinel in a wide row) are kept apart: a receiver that was
// on and heard nothing says the transmitter is far from it; one that was off says nothing.
// Every problem is an RssLogError naming the file, line (or JSON path) and column.

import { readFileSync } from 'node:fs';

export type RssField = 'time' | 'tx' | 'receiver' | 'rss_dbm' | 'rx_lat' | 'rx_lon' | 'tx_lat' | 'tx_lon';

/** Accepted spellings (compared case-insensitively), the canonical name first. */
export const RSS_SPELLINGS: Record<RssField, readonly string[]> = {
  time: ['time', 'timestamp', 'datetime', 'date_time', 'utc', 'time_utc'],
  tx: ['tx', 'tx_id', 'transmission', 'transmission_id', 'transmitter'],
  receiver: ['receiver', 'receiver_id', 'rx', 'rx_id', 'station', 'node'],
  rss_dbm: ['rss_dbm', 'rssi_dbm', 'rss', 'rssi', 'power_dbm', 'signal_strength_db', 'signal_strength_dbm'],
  rx_lat: ['rx_lat', 'receiver_lat', 'rx_latitude'],
  rx_lon: ['rx_lon', 'receiver_lon', 'rx_longitude', 'rx_lng'],
  tx_lat: ['tx_lat', 'true_lat', 'tx_latitude', 'lat', 'latitude'],
  tx_lon: ['tx_lon', 'true_lon', 'tx_longitude', 'lon', 'lng', 'longitude'],
};

export interface RssReading {
  receiver: string;
  /** null: the receiver was running and heard nothing. */
  rssDbm: number | null;
  /** A mobile receiver's position at the time. */
  position?: { lat: number; lon: number };
  /** Where in the file: `line` (long CSV), `line` + the receiver's column (wide), or a JSON path. */
  where: string;
}

export interface RssTransmission {
  time: Date;
  tx?: string;
  /** The transmitter's true position, when the log knows it. */
  truth?: { lat: number; lon: number };
  /** One per running receiver. */
  readings: RssReading[];
  /** Receivers of the log that were not running for this transmission. */
  notRunning: string[];
  /** Where it came from: `file:line` (the first row) or `file:[index]`. */
  source: string;
}

export interface RssLog {
  shape: 'long' | 'wide' | 'json';
  /** Every receiver of the log (or of the given network), sorted. */
  receivers: string[];
  transmissions: RssTransmission[];
}

export interface RssLogOptions {
  /** Names the file in errors and sources. */
  file: string;
  /** A power value that means "not heard" (besides an empty cell), e.g. -999. */
  notHeard?: number;
  /** A wide-shape cell value that means "not running" (default 'off'). */
  notRunning?: string;
  /** Column names for fields whose spelling is not detected, e.g. {rss_dbm: 'Pegel'}. */
  columns?: Partial<Record<RssField, string>>;
  /** The known receivers: any other is refused. Without it, the log's receivers are taken as they come. */
  receivers?: ReadonlySet<string>;
}

export class RssLogError extends Error {
  constructor(
    readonly file: string,
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${file}:${where}: ${problem}`);
    this.name = 'RssLogError';
  }
}

/** RFC 4180 CSV: quoted fields (with "" for a quote and line breaks inside), CRLF or LF, a BOM. */
export function parseCsv(text: string): { cells: string[]; line: number }[] {
  const rows: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endRow = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0]?.trim() === '')) rows.push({ cells, line: rowLine });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else cell += c;
  }
  if (quoted) throw new Error(`line ${rowLine}: a quoted field is not closed`);
  if (cell !== '' || cells.length > 0) endRow();
  return rows;
}

function parseTime(v: string): Date | undefined {
  const t = v.trim();
  // Epoch seconds beyond Date's ±8.64e12 s range give an Invalid Date, refused like an unparsable ISO time.
  const d = /^-?\d+(\.\d+)?$/.test(t) ? new Date(Number(t) * 1000) : /^\d{4}-\d{2}-\d{2}/.test(t) ? new Date(t) : undefined;
  return d === undefined || Number.isNaN(d.getTime()) ? undefined : d;
}

/** Finds each field's column by the caller's mapping or the accepted spellings; refuses ambiguity. */
function mapColumns(header: string[], o: RssLogOptions, fields: readonly RssField[]): Map<RssField, number> {
  const lower = header.map((h) => h.trim().toLowerCase());
  const out = new Map<RssField, number>();
  for (const field of fields) {
    const given = o.columns?.[field];
    if (given !== undefined) {
      const i = lower.indexOf(given.trim().toLowerCase());
      if (i < 0) throw new RssLogError(o.file, '1', `column '${given}' (given for ${field}) is not in the header`);
      out.set(field, i);
      continue;
    }
    const hits = lower.flatMap((h, i) => (RSS_SPELLINGS[field].includes(h) ? [i] : []));
    if (hits.length > 1)
      throw new RssLogError(
        o.file,
        '1',
        `columns ${hits.map((i) => `'${header[i]}'`).join(' and ')} all look like ${field}; say which one with a column mapping`,
      );
    if (hits.length === 1) out.set(field, hits[0] as number);
  }
  return out;
}

function number(o: RssLogOptions, where: string, column: string, v: string): number {
  const t = v.trim();
  const x = t === '' ? Number.NaN : Number(t);
  if (!Number.isFinite(x)) throw new RssLogError(o.file, where, `${column}: '${v}' is not a number`);
  return x;
}

function coordinate(o: RssLogOptions, where: string, column: string, v: string, kind: 'lat' | 'lon'): number {
  const x = number(o, where, column, v);
  const limit = kind === 'lat' ? 90 : 180;
  if (Math.abs(x) > limit)
    throw new RssLogError(o.file, where, `${column}: ${x} is not a possible ${kind === 'lat' ? 'latitude' : 'longitude'}`);
  return x;
}

function power(o: RssLogOptions, where: string, column: string, v: string): number | null {
  if (v.trim() === '') return null;
  const x = number(o, where, column, v);
  if (o.notHeard !== undefined && x === o.notHeard) return null;
  if (x < -250 || x > 100) throw new RssLogError(o.file, where, `${column}: ${x} dBm is not a possible received power`);
  return x;
}

function checkReceiver(o: RssLogOptions, where: string, id: string): void {
  if (id === '') throw new RssLogError(o.file, where, 'receiver: empty');
  if (o.receivers !== undefined && !o.receivers.has(id))
    throw new RssLogError(o.file, where, `receiver '${id}' is not in the network (${[...o.receivers].sort().join(', ')})`);
}

function truthOf(o: RssLogOptions, where: string, lat: string | undefined, lon: string | undefined) {
  if ((lat ?? '').trim() === '' && (lon ?? '').trim() === '') return undefined;
  return { lat: coordinate(o, where, 'tx_lat', lat ?? '', 'lat'), lon: coordinate(o, where, 'tx_lon', lon ?? '', 'lon') };
}

function finish(shape: RssLog['shape'], transmissions: RssTransmission[], seen: Set<string>, o: RssLogOptions): RssLog {
  const receivers = [...(o.receivers ?? seen)].sort();
  for (const t of transmissions) {
    const running = new Set(t.readings.map((r) => r.receiver));
    t.notRunning = [...new Set([...t.notRunning, ...receivers.filter((r) => !running.has(r))])].sort();
    t.readings.sort((a, b) => (a.receiver < b.receiver ? -1 : a.receiver > b.receiver ? 1 : 0));
  }
  transmissions.sort((a, b) => a.time.getTime() - b.time.getTime());
  return { shape, receivers, transmissions };
}

/** A CSV log, long or wide (long when it has a receiver column). */
export function parseRssCsv(text: string, o: RssLogOptions): RssLog {
  let rows: { cells: string[]; line: number }[];
  try {
    rows = parseCsv(text);
  } catch (err) {
    throw new RssLogError(o.file, '?', (err as Error).message);
  }
  const header = rows[0]?.cells;
  if (header === undefined) throw new RssLogError(o.file, '1', 'empty file: expected a header row');
  const cols = mapColumns(header, o, Object.keys(RSS_SPELLINGS) as RssField[]);
  if (!cols.has('time'))
    throw new RssLogError(o.file, '1', `no time column (looked for ${RSS_SPELLINGS.time.join(', ')}; or give a column mapping)`);
  const at = (row: { cells: string[] }, f: RssField) => {
    const i = cols.get(f);
    return i === undefined ? undefined : (row.cells[i] ?? '');
  };
  const seen = new Set<string>();
  const data = rows.slice(1);
  for (const r of data)
    if (r.cells.length !== header.length)
      throw new RssLogError(o.file, String(r.line), `${r.cells.length} cells, the header has ${header.length}`);
  const timeOf = (r: { cells: string[]; line: number }) => {
    const v = at(r, 'time') as string;
    const t = parseTime(v);
    if (t === undefined) throw new RssLogError(o.file, String(r.line), `time: '${v}' is neither ISO 8601 nor epoch seconds`);
    return t;
  };

  if (cols.has('receiver')) {
    if (!cols.has('rss_dbm'))
      throw new RssLogError(
        o.file,
        '1',
        `no power column (looked for ${RSS_SPELLINGS.rss_dbm.join(', ')}; or give a column mapping)`,
      );
    const byKey = new Map<string, RssTransmission>();
    for (const r of data) {
      const where = String(r.line);
      const time = timeOf(r);
      const tx = at(r, 'tx')?.trim() || undefined;
      const key = `${time.getTime()}|${tx ?? ''}`;
      let t = byKey.get(key);
      if (t === undefined) {
        t = { time, ...(tx ? { tx } : {}), readings: [], notRunning: [], source: `${o.file}:${where}` };
        byKey.set(key, t);
      }
      const receiver = (at(r, 'receiver') as string).trim();
      checkReceiver(o, where, receiver);
      if (t.readings.some((x) => x.receiver === receiver))
        throw new RssLogError(
          o.file,
          where,
          `receiver '${receiver}' appears twice in the transmission of ${time.toISOString()}${tx ? ` (tx ${tx})` : ''}`,
        );
      seen.add(receiver);
      const rxLat = at(r, 'rx_lat') ?? '';
      const rxLon = at(r, 'rx_lon') ?? '';
      const reading: RssReading = { receiver, rssDbm: power(o, where, 'rss_dbm', at(r, 'rss_dbm') as string), where };
      if (rxLat.trim() !== '' || rxLon.trim() !== '')
        reading.position = {
          lat: coordinate(o, where, 'rx_lat', rxLat, 'lat'),
          lon: coordinate(o, where, 'rx_lon', rxLon, 'lon'),
        };
      t.readings.push(reading);
      const truth = truthOf(o, where, at(r, 'tx_lat'), at(r, 'tx_lon'));
      if (truth !== undefined) {
        if (t.truth !== undefined && (t.truth.lat !== truth.lat || t.truth.lon !== truth.lon))
          throw new RssLogError(o.file, where, 'tx_lat/tx_lon differ from an earlier row of the same transmission');
        t.truth = truth;
      }
    }
    return finish('long', [...byKey.values()], seen, o);
  }

  // Wide: every column that is not a field, nor a receiver's _lat/_lon, is a receiver's power.
  const fieldCols = new Set(cols.values());
  const powerCols = header.flatMap((h, i) => (fieldCols.has(i) || /_(lat|lon)$/i.test(h.trim()) ? [] : [i]));
  if (powerCols.length === 0)
    throw new RssLogError(o.file, '1', 'no receiver columns: a wide log has one power column per receiver');
  const posCol = (id: string, kind: 'lat' | 'lon') =>
    header.findIndex((h) => h.trim().toLowerCase() === `${id.toLowerCase()}_${kind}`);
  const idOf = (i: number) => (header[i] as string).trim();
  for (const i of powerCols) checkReceiver(o, '1', idOf(i));
  for (const h of header)
    if (
      /_(lat|lon)$/i.test(h.trim()) &&
      !fieldCols.has(header.indexOf(h)) &&
      !powerCols.some((i) => posCol(idOf(i), 'lat') === header.indexOf(h) || posCol(idOf(i), 'lon') === header.indexOf(h))
    )
      throw new RssLogError(o.file, '1', `column '${h}' names no receiver of the log`);
  const notRunning = (o.notRunning ?? 'off').toLowerCase();
  const out: RssTransmission[] = [];
  for (const r of data) {
    const where = String(r.line);
    const tx = at(r, 'tx')?.trim() || undefined;
    const t: RssTransmission = {
      time: timeOf(r),
      ...(tx ? { tx } : {}),
      readings: [],
      notRunning: [],
      source: `${o.file}:${where}`,
    };
    for (const i of powerCols) {
      const id = idOf(i);
      seen.add(id);
      const v = r.cells[i] ?? '';
      if (v.trim().toLowerCase() === notRunning) {
        t.notRunning.push(id);
        continue;
      }
      const reading: RssReading = { receiver: id, rssDbm: power(o, where, id, v), where: `${where} (column ${id})` };
      const [li, lo] = [posCol(id, 'lat'), posCol(id, 'lon')];
      if (li >= 0 || lo >= 0) {
        const lat = li >= 0 ? (r.cells[li] ?? '') : '';
        const lon = lo >= 0 ? (r.cells[lo] ?? '') : '';
        if (lat.trim() !== '' || lon.trim() !== '')
          reading.position = {
            lat: coordinate(o, where, `${id}_lat`, lat, 'lat'),
            lon: coordinate(o, where, `${id}_lon`, lon, 'lon'),
          };
      }
      t.readings.push(reading);
    }
    const truth = truthOf(o, where, at(r, 'tx_lat'), at(r, 'tx_lon'));
    if (truth !== undefined) t.truth = truth;
    out.push(t);
  }
  return finish('wide', out, seen, o);
}

/** A JSON log: an array of transmissions with the same fields. */
export function parseRssJson(text: string, o: RssLogOptions): RssLog {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new RssLogError(o.file, '?', `not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new RssLogError(o.file, '$', 'expected an array of transmissions');
  const seen = new Set<string>();
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  const out = doc.map((item: unknown, k): RssTransmission => {
    const where = `[${k}]`;
    if (item === null || typeof item !== 'object') throw new RssLogError(o.file, where, 'expected an object');
    const x = item as Record<string, unknown>;
    const time = parseTime(str(x.time));
    if (time === undefined)
      throw new RssLogError(o.file, `${where}.time`, `'${str(x.time)}' is neither ISO 8601 nor epoch seconds`);
    if (!Array.isArray(x.readings)) throw new RssLogError(o.file, `${where}.readings`, 'expected an array of readings');
    const tx = str(x.tx).trim() || undefined;
    const t: RssTransmission = { time, ...(tx ? { tx } : {}), readings: [], notRunning: [], source: `${o.file}:${where}` };
    x.readings.forEach((rd: unknown, j) => {
      const w = `${where}.readings[${j}]`;
      if (rd === null || typeof rd !== 'object') throw new RssLogError(o.file, w, 'expected an object');
      const r = rd as Record<string, unknown>;
      const receiver = str(r.receiver).trim();
      checkReceiver(o, w, receiver);
      if (t.readings.some((q) => q.receiver === receiver))
        throw new RssLogError(o.file, w, `receiver '${receiver}' appears twice`);
      seen.add(receiver);
      const reading: RssReading = { receiver, rssDbm: power(o, w, 'rss_dbm', str(r.rss_dbm)), where: w };
      if (r.rx_lat !== undefined || r.rx_lon !== undefined)
        reading.position = {
          lat: coordinate(o, w, 'rx_lat', str(r.rx_lat), 'lat'),
          lon: coordinate(o, w, 'rx_lon', str(r.rx_lon), 'lon'),
        };
      t.readings.push(reading);
    });
    const truth = truthOf(
      o,
      where,
      x.tx_lat === undefined ? undefined : str(x.tx_lat),
      x.tx_lon === undefined ? undefined : str(x.tx_lon),
    );
    if (truth !== undefined) t.truth = truth;
    return t;
  });
  return finish('json', out, seen, o);
}

/** The formats `heimdall import --format` and `heimdall predict --format` accept for power logs. */
export const RSS_FORMATS = ['rss-csv', 'rss-json'] as const;
export type RssFormat = (typeof RSS_FORMATS)[number];

/**
 * A column mapping as a user writes it ({"rss_dbm": "Pegel", ...}): every key must be a field,
 * every value a non-empty column name.
 */
export function parseColumnMapping(doc: unknown, file: string): Partial<Record<RssField, string>> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new RssLogError(file, '$', 'expected an object mapping fields to column names, e.g. {"rss_dbm": "level"}');
  const out: Partial<Record<RssField, string>> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (!(k in RSS_SPELLINGS))
      throw new RssLogError(file, k, `'${k}' is not a field (fields: ${Object.keys(RSS_SPELLINGS).join(', ')})`);
    if (typeof v !== 'string' || v.trim() === '') throw new RssLogError(file, k, 'expected a column name');
    out[k as RssField] = v;
  }
  return out;
}

/** Reads and parses a power log file; every problem names the file. */
export function loadRssLog(path: string, format: RssFormat, o: Omit<RssLogOptions, 'file'> = {}): RssLog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RssLogError(path, '?', `cannot read the file (${(err as Error).message})`);
  }
  return format === 'rss-json' ? parseRssJson(text, { ...o, file: path }) : parseRssCsv(text, { ...o, file: path });
}
