// A dataset split of power-only sessions as the power-log estimators take it (locate/power/): per
// transmission the running receivers, each where it was (a mobile receiver's logged position, else
// the catalog's fixed position), with its reported power or null when it heard nothing.
import { LocalFrame } from '../../geo/local-frame.js';
import { FIXED_ANTENNA_M, MOBILE_ANTENNA_M, type PowerReading, type PowerSample } from '../../locate/power/samples.js';
import type { Catalog } from '../../store/catalog/catalog.js';
import type { Split } from '../../store/split.js';

/** The frame centred on the training split's true positions (refused when it has none). */
export async function powerFrameOf(catalog: Catalog, datasetId: number): Promise<LocalFrame> {
  const sessions = await catalog.datasetSessions(datasetId, 'train');
  const labelled = sessions.filter((s) => s.truthLat !== null && s.truthLon !== null);
  if (labelled.length === 0) throw new Error(`dataset ${datasetId}: the training split has no labelled sessions`);
  const lat = labelled.reduce((a, s) => a + (s.truthLat as number), 0) / labelled.length;
  const lon = labelled.reduce((a, s) => a + (s.truthLon as number), 0) / labelled.length;
  return new LocalFrame({ lat, lon });
}

export async function powerSamples(catalog: Catalog, datasetId: number, split: Split, frame: LocalFrame): Promise<PowerSample[]> {
  const sessions = await catalog.datasetSessions(datasetId, split);
  const measurements = await catalog.datasetMeasurements(datasetId, split);
  const fixed = new Map((await catalog.listReceivers()).map((r) => [r.id, r]));
  return sessions.map((s) => {
    const readings: PowerReading[] = [];
    for (const m of measurements.get(s.id) ?? []) {
      if (m.format !== 'rss')
        throw new Error(
          `session ${s.id} (${s.source}): receiver ${m.receiverId} has an IQ recording; the power-log estimators take power-only sessions`,
        );
      if (!m.running) continue;
      const mobile = m.rxLat !== null && m.rxLon !== null;
      const rx = fixed.get(m.receiverId);
      const at = mobile
        ? { lat: m.rxLat as number, lon: m.rxLon as number }
        : rx?.lat != null && rx.lon != null
          ? { lat: rx.lat, lon: rx.lon }
          : null;
      if (at === null) throw new Error(`session ${s.id} (${s.source}): receiver ${m.receiverId} has no position`);
      const p = frame.toLocal(at);
      readings.push({
        id: m.receiverId,
        east: p.east,
        north: p.north,
        heightM: mobile ? MOBILE_ANTENNA_M : FIXED_ANTENNA_M,
        rssDbm: m.heard === false ? null : m.rssiDbm,
        mobile,
      });
    }
    const truth = s.truthLat !== null && s.truthLon !== null ? frame.toLocal({ lat: s.truthLat, lon: s.truthLon }) : undefined;
    return { id: s.id, readings, ...(truth ? { truth } : {}) };
  });
}
