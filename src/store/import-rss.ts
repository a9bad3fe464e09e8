// `heimdall import --format rss-csv|rss-json`: a power-only measurement log (signal/formats/rss-log.ts)
// into the catalog — one session per transmission, one measurement per receiver of the log
// (heard, not heard, or not running), no blobs — in ONE transaction: a log with one bad row writes
// nothing, and a log imported again writes nothing new (each transmission's content hash).
//
// Receivers: fixed ones come from a network file (positions, heights); a receiver the network does
// not list is accepted only where the log gives its position in the row (a mobile receiver); any
// other is refused with the file and line. A fixed receiver whose row gives a position is taken
// as mobile for that row (its position at the time wins).
import { createHash } from 'node:crypto';
import { type RssLog, RssLogError, type RssTransmission } from '../signal/formats/rss-log.js';
import type { Network } from '../sim/config.js';
import { type Catalog, sessionContentHash } from './catalog/catalog.js';
import type { NewMeasurement, NewReceiver, NewSession } from './catalog/types.js';

/** Format of a power-only measurement (no blob). */
export const RSS_FORMAT = 'rss';

export interface RssImportOptions {
  catalog: Catalog;
  /** Names the log in errors and in the sessions' source. */
  file: string;
  /** Fixed receivers: positions, altitudes, names. */
  network?: Network;
  /** The transmissions' carrier (Hz), when known; 0 = not stated. */
  centerFreqHz?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RssImportReport {
  transmissions: number;
  imported: number;
  /** Transmissions already in the catalog (the same log imported again). */
  duplicates: number;
  /** Transmissions without a true position (usable for prediction, not for training). */
  unlabelled: number;
  /** Receivers of the log, and which of them moved (positions given per row). */
  receivers: string[];
  mobile: string[];
  sessionIds: number[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function measurementsOf(t: RssTransmission, fixed: Map<string, NewReceiver>, file: string, centerFreqHz: number) {
  const common = {
    startUnixNs: BigInt(t.time.getTime()) * 1_000_000n,
    timestampSigmaS: null,
    centerFreqHz,
    sampleRateHz: 0,
    sampleCount: 0,
    blobKey: null,
    format: RSS_FORMAT,
  };
  const receiverOf = (id: string, where: string, moving: boolean): NewReceiver => {
    const known = fixed.get(id);
    if (known !== undefined) return known;
    if (moving) return { id };
    throw new RssLogError(
      file,
      where,
      `receiver '${id}' has no position: it is not in the receiver network and the row gives no rx_lat/rx_lon`,
    );
  };
  const heard: NewMeasurement[] = t.readings.map((r) => {
    const row = {
      receiver: r.receiver,
      rssDbm: r.rssDbm,
      lat: r.position?.lat ?? null,
      lon: r.position?.lon ?? null,
    };
    return {
      ...common,
      receiver: receiverOf(r.receiver, r.where, r.position !== undefined),
      rssiDbm: r.rssDbm,
      heard: r.rssDbm !== null,
      running: true,
      rxLat: row.lat,
      rxLon: row.lon,
      // What the reading says, with its time: two transmissions never share a measurement hash.
      contentHash: sha256(JSON.stringify({ time: t.time.toISOString(), tx: t.tx ?? null, ...row })),
      meta: { 'heimdall:source': `${file}:${r.where}` },
    };
  });
  const off: NewMeasurement[] = t.notRunning.map((id) => ({
    ...common,
    receiver: fixed.get(id) ?? { id },
    rssiDbm: null,
    heard: false,
    running: false,
    contentHash: sha256(JSON.stringify({ time: t.time.toISOString(), tx: t.tx ?? null, receiver: id, running: false })),
    meta: {},
  }));
  return [...heard, ...off];
}

/** Checks every transmission and catalogues the log in one transaction. */
export async function importRssLog(log: RssLog, o: RssImportOptions): Promise<RssImportReport> {
  const fixed = new Map<string, NewReceiver>(
    (o.network?.receivers ?? []).map((r) => [
      r.id,
      { id: r.id, name: r.name, lat: r.lat, lon: r.lon, altM: r.altitudeM, url: r.url ?? null },
    ]),
  );
  if (log.transmissions.length === 0) throw new RssLogError(o.file, '1', 'the log holds no transmissions');
  const centerFreqHz = o.centerFreqHz ?? 0;
  if (!(centerFreqHz >= 0) || !Number.isFinite(centerFreqHz))
    throw new RangeError(`${o.file}: the centre frequency must be ≥ 0 Hz, got ${centerFreqHz}`);
  const mobile = new Set<string>();
  // Receivers of the network absent from the whole log count as not running, like any receiver
  // absent from one transmission.
  const roster = [...new Set([...log.receivers, ...fixed.keys()])].sort();
  const items = log.transmissions.map((t) => {
    const present = new Set(t.readings.map((r) => r.receiver));
    const withRoster: RssTransmission = { ...t, notRunning: roster.filter((id) => !present.has(id)) };
    for (const r of t.readings) if (r.position !== undefined) mobile.add(r.receiver);
    const measurements = measurementsOf(withRoster, fixed, o.file, centerFreqHz);
    const session: NewSession = {
      origin: 'imported',
      scenario: null,
      startedAt: t.time,
      centerFreqHz,
      truthLat: t.truth?.lat ?? null,
      truthLon: t.truth?.lon ?? null,
      truth: t.tx === undefined ? null : { tx: t.tx },
      source: t.source,
      contentHash: sessionContentHash(measurements.map((m) => ({ receiverId: m.receiver.id, contentHash: m.contentHash }))),
    };
    return { session, measurements };
  });
  o.onProgress?.(0, items.length);
  const { sessionIds, duplicates } = await o.catalog.insertSessions(items);
  o.onProgress?.(items.length, items.length);
  return {
    transmissions: items.length,
    imported: sessionIds.length,
    duplicates,
    unlabelled: log.transmissions.filter((t) => t.truth === undefined).length,
    receivers: roster,
    mobile: [...mobile].sort(),
    sessionIds,
  };
}
