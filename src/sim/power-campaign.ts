// A simulated power-only measurement campaign of the kind survey teams and testbeds log: a vehicle
// with a GPS-tracked transmitter drives through a town on measurement days a week apart, and a
// network of fixed receivers plus a few vehicle-mounted ones log the received power of each
// transmission. What makes such logs hard, and what this generator puts in:
//   - uncalibrated devices: every receiver reports power with its own constant offset (±offsetDb);
//   - receivers switched off: a different share of the fixed receivers is off each day;
//   - mobile receivers: they drive fixed loops (buses, patrol cars), their position logged per row;
//   - terrain and buildings: static, spatially correlated shadowing per receiver over the
//     transmitter's position (the same street is shadowed the same way every week), plus fast
//     variation per transmission;
//   - planned routes: survey teams drive the same few routes on every measurement day (from a
//     different start), so later days pass where earlier ones did — what a time split tests;
//   - unknown transmitters: the transmit power changes from day to day;
//   - detection: a receiver hears only above its sensitivity; below it logs "not heard".
// The result is a parsed RssLog (the same structure the importer takes) with the truth, and the
// fixed receivers as a network file would list them.
import { LocalFrame } from '../geo/local-frame.js';
import { Rng } from '../math/rng.js';
import { pathLossDb } from '../rf/propagation.js';
import type { RssLog, RssReading, RssTransmission } from '../signal/formats/rss-log.js';
import type { NetworkInput } from './config.js';
import { ShadowingField } from './shadowing.js';

export interface PowerCampaignOptions {
  seed: number;
  /** Centre of the area. Default Turin. */
  center?: { lat: number; lon: number };
  /** Side of the square area (m). Default 8 km. */
  areaM?: number;
  fixedReceivers?: number;
  mobileReceivers?: number;
  /** Measurement days, a week apart. */
  days?: number;
  transmissionsPerDay?: number;
  /** Seconds between transmissions. */
  intervalS?: number;
  /** Share of the fixed receivers switched off on each day. */
  offShare?: number;
  /** Per-receiver power offsets are drawn uniformly from ±offsetDb. */
  offsetDb?: number;
  /** Static shadowing σ (dB) and decorrelation distance (m). */
  shadowSigmaDb?: number;
  shadowDecorrelationM?: number;
  /** Fast variation per transmission (dB). */
  fastSigmaDb?: number;
  /** Received power (dBm, before the device offset) below which a receiver hears nothing. */
  sensitivityDbm?: number;
  freqHz?: number;
  /** Day-to-day transmit power range (dBm). */
  txPowerDbm?: [number, number];
  /** Planned survey routes (closed loops) driven in turn, one per day; 0: a new random track every day. */
  surveyRoutes?: number;
}

export interface PowerCampaign {
  log: RssLog;
  network: NetworkInput;
  /** The offsets the devices report with (dB): what a method must learn. */
  offsetsDb: Record<string, number>;
  mobile: string[];
  options: Required<PowerCampaignOptions>;
}

export const POWER_CAMPAIGN_DEFAULTS: Omit<Required<PowerCampaignOptions>, 'seed'> = {
  center: { lat: 45.0703, lon: 7.6869 },
  areaM: 8000,
  fixedReceivers: 16,
  mobileReceivers: 4,
  days: 8,
  transmissionsPerDay: 150,
  intervalS: 20,
  offShare: 0.25,
  offsetDb: 6,
  shadowSigmaDb: 7,
  shadowDecorrelationM: 300,
  fastSigmaDb: 2,
  sensitivityDbm: -118,
  freqHz: 446e6,
  txPowerDbm: [30, 40],
  surveyRoutes: 3,
};

const WEEK_MS = 7 * 24 * 3600 * 1000;
const START = Date.UTC(2026, 2, 2, 9, 0, 0); // a Monday, 09:00 UTC
const RX_HEIGHT_M = 15;
const MOBILE_HEIGHT_M = 2;
const TX_HEIGHT_M = 1.5;
const SPEED_M_S = 10;

/** A point moving at constant speed along a closed or open polyline. */
function along(points: { east: number; north: number }[], distanceM: number, closed: boolean) {
  const path = closed ? [...points, points[0] as { east: number; north: number }] : points;
  const legs = path.slice(1).map((p, i) => Math.hypot(p.east - (path[i]?.east ?? 0), p.north - (path[i]?.north ?? 0)));
  const total = legs.reduce((a, b) => a + b, 0);
  let d = closed ? ((distanceM % total) + total) % total : Math.min(distanceM, total);
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i] as number;
    if (d <= leg || i === legs.length - 1) {
      const a = path[i] as { east: number; north: number };
      const b = path[i + 1] as { east: number; north: number };
      const t = leg > 0 ? Math.min(1, d / leg) : 0;
      return { east: a.east + t * (b.east - a.east), north: a.north + t * (b.north - a.north) };
    }
    d -= leg;
  }
  return path[0] as { east: number; north: number };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function simulatePowerCampaign(options: PowerCampaignOptions): PowerCampaign {
  const o: Required<PowerCampaignOptions> = { ...POWER_CAMPAIGN_DEFAULTS, ...options };
  const frame = new LocalFrame(o.center);
  const half = o.areaM / 2;
  const rng = new Rng(o.seed, 'power-campaign');
  const inside = (r: Rng) => ({ east: r.between(-half, half), north: r.between(-half, half) });
  // Fixed receivers on a jittered grid (rooftops spread over the town).
  const side = Math.ceil(Math.sqrt(o.fixedReceivers));
  const cell = o.areaM / side;
  const fixed = Array.from({ length: o.fixedReceivers }, (_, i) => ({
    id: `rx-${String(i + 1).padStart(2, '0')}`,
    east: -half + cell * ((i % side) + 0.5) + rng.between(-0.3, 0.3) * cell,
    north: -half + cell * (Math.floor(i / side) + 0.5) + rng.between(-0.3, 0.3) * cell,
  }));
  const mobile = Array.from({ length: o.mobileReceivers }, (_, i) => ({
    id: `car-${i + 1}`,
    route: Array.from({ length: 5 }, () => inside(rng)),
  }));
  // A loop of waypoints about as long as one day's drive.
  const dayDriveM = o.transmissionsPerDay * o.intervalS * SPEED_M_S;
  const loopOf = (r: Rng) => Array.from({ length: 2 + Math.ceil(dayDriveM / (0.5 * o.areaM)) }, () => inside(r));
  const routes = Array.from({ length: o.surveyRoutes }, () => loopOf(rng));
  const ids = [...fixed.map((r) => r.id), ...mobile.map((m) => m.id)];
  const offsetsDb = Object.fromEntries(ids.map((id) => [id, round(rng.between(-o.offsetDb, o.offsetDb), 2)]));
  const fields = new Map(
    ids.map((id) => [id, new ShadowingField(new Rng(o.seed, 'shadowing', id), o.shadowSigmaDb, o.shadowDecorrelationM)]),
  );
  const propagation = { model: 'hata', environment: 'urban' } as const;

  const transmissions: RssTransmission[] = [];
  for (let day = 0; day < o.days; day++) {
    const dayRng = new Rng(o.seed, 'day', day);
    const off = new Set(
      [...fixed]
        .map((r) => ({ id: r.id, key: dayRng.uniform() }))
        .sort((a, b) => a.key - b.key)
        .slice(0, Math.round(o.offShare * fixed.length))
        .map((r) => r.id),
    );
    const txPowerDbm = dayRng.between(o.txPowerDbm[0], o.txPowerDbm[1]);
    const route = o.surveyRoutes > 0 ? (routes[day % o.surveyRoutes] as { east: number; north: number }[]) : loopOf(dayRng);
    const startM = dayRng.between(0, 1e6); // anywhere on the loop
    const phases = mobile.map(() => dayRng.between(0, 1e5));
    for (let k = 0; k < o.transmissionsPerDay; k++) {
      const tS = k * o.intervalS;
      const tx = along(route, startM + tS * SPEED_M_S, true);
      const readings: RssReading[] = [];
      const hear = (id: string, east: number, north: number, heightM: number) => {
        const d = Math.hypot(east - tx.east, north - tx.north, heightM - TX_HEIGHT_M);
        const received =
          txPowerDbm -
          pathLossDb(propagation, { distanceM: d, freqHz: o.freqHz, rxHeightM: heightM, txHeightM: TX_HEIGHT_M }) +
          (fields.get(id) as ShadowingField).valueDb(tx.east, tx.north) +
          o.fastSigmaDb * dayRng.normal();
        return received >= o.sensitivityDbm ? round(received + (offsetsDb[id] as number), 1) : null;
      };
      for (const r of fixed) {
        if (off.has(r.id)) continue;
        readings.push({ receiver: r.id, rssDbm: hear(r.id, r.east, r.north, RX_HEIGHT_M), where: '' });
      }
      mobile.forEach((m, i) => {
        const p = along(m.route, (phases[i] as number) + tS * SPEED_M_S, true);
        const g = frame.toGeodetic(p);
        readings.push({
          receiver: m.id,
          rssDbm: hear(m.id, p.east, p.north, MOBILE_HEIGHT_M),
          position: { lat: round(g.lat, 6), lon: round(g.lon, 6) },
          where: '',
        });
      });
      const truth = frame.toGeodetic(tx);
      readings.sort((a, b) => (a.receiver < b.receiver ? -1 : 1));
      transmissions.push({
        time: new Date(START + day * WEEK_MS + tS * 1000),
        tx: `d${day + 1}-${String(k + 1).padStart(4, '0')}`,
        truth: { lat: round(truth.lat, 6), lon: round(truth.lon, 6) },
        readings,
        notRunning: [...off].sort(),
        source: '',
      });
    }
  }
  const network: NetworkInput = {
    name: `power-campaign-${o.seed}`,
    receivers: fixed.map((r) => {
      const g = frame.toGeodetic(r);
      return { id: r.id, name: `Rooftop ${r.id}`, lat: round(g.lat, 6), lon: round(g.lon, 6), antennaHeightM: RX_HEIGHT_M };
    }),
  };
  return {
    log: { shape: 'long', receivers: [...ids].sort(), transmissions },
    network,
    offsetsDb,
    mobile: mobile.map((m) => m.id),
    options: o,
  };
}
