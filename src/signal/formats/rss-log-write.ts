// Writes a power log in the three shapes rss-log.ts reads (docs/TRAINING.md, "Power logs"): the
// simulator's campaigns are written this way, and whatever is written reads back to the same
// transmissions. Not heard: an empty cell (or null); not running: absent (long, JSON) or `off` (wide).
import type { RssLog } from './rss-log.js';

/** A CSV cell: quoted when it holds a comma, quote or line break. */
function cell(v: string | number | undefined | null): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const line = (cells: (string | number | undefined | null)[]) => `${cells.map(cell).join(',')}\n`;

/** One row per (transmission, running receiver). */
export function formatRssCsvLong(log: RssLog): string {
  let out = line(['time', 'tx', 'receiver', 'rss_dbm', 'rx_lat', 'rx_lon', 'tx_lat', 'tx_lon']);
  for (const t of log.transmissions)
    for (const r of t.readings)
      out += line([
        t.time.toISOString(),
        t.tx,
        r.receiver,
        r.rssDbm,
        r.position?.lat,
        r.position?.lon,
        t.truth?.lat,
        t.truth?.lon,
      ]);
  return out;
}

/** One row per transmission; `<id>_lat`/`<id>_lon` columns for receivers that moved. */
export function formatRssCsvWide(log: RssLog): string {
  const moving = new Set(log.transmissions.flatMap((t) => t.readings.filter((r) => r.position).map((r) => r.receiver)));
  const ids = log.receivers;
  const header = [
    'time',
    'tx',
    ...ids.flatMap((id) => (moving.has(id) ? [id, `${id}_lat`, `${id}_lon`] : [id])),
    'tx_lat',
    'tx_lon',
  ];
  let out = line(header);
  for (const t of log.transmissions) {
    const byId = new Map(t.readings.map((r) => [r.receiver, r]));
    const cells: (string | number | null | undefined)[] = [t.time.toISOString(), t.tx];
    for (const id of ids) {
      const r = byId.get(id);
      cells.push(r === undefined ? 'off' : r.rssDbm);
      if (moving.has(id)) cells.push(r?.position?.lat, r?.position?.lon);
    }
    cells.push(t.truth?.lat, t.truth?.lon);
    out += line(cells);
  }
  return out;
}

/** An array of transmissions with their readings. */
export function formatRssJson(log: RssLog): string {
  return JSON.stringify(
    log.transmissions.map((t) => ({
      time: t.time.toISOString(),
      ...(t.tx !== undefined ? { tx: t.tx } : {}),
      ...(t.truth ? { tx_lat: t.truth.lat, tx_lon: t.truth.lon } : {}),
      readings: t.readings.map((r) => ({
        receiver: r.receiver,
        rss_dbm: r.rssDbm,
        ...(r.position ? { rx_lat: r.position.lat, rx_lon: r.position.lon } : {}),
      })),
    })),
  );
}
