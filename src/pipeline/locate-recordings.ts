// `heimdall locate`: one transmission's position from its recording set by a classical method —
// no trained model. Receivers are placed from the recordings' own metadata (SigMF
// core:geolocation), else from a network file by id (JSON or GeoJSON); powers come from the same
// feature code as training (calibrated dBm where the full scale is known, else dBFS — said so in
// the diagnostics); time differences from the timing code that aligns clocks and rates first.
import { ellipseRing } from '../geo/ellipse-ring.js';
import { LocalFrame } from '../geo/local-frame.js';
import { powerWeightedCentroid, strongestReceiver } from '../locate/centroid.js';
import { posteriorMean } from '../locate/posterior.js';
import { searchRegionAround, searchRegionOfBox } from '../locate/region.js';
import { locateRssMl } from '../locate/rss-ml.js';
import { rssModelOf } from '../locate/stated-model.js';
import { locateTdoa } from '../locate/tdoa.js';
import {
  LocateError,
  type LocateMethod,
  type LocationEstimate,
  type ReceiverObservation,
  type RssModel,
  type SearchRegion,
} from '../locate/types.js';
import { cep50, type Ellipse, ellipseOf } from '../math/gaussian2d.js';
import { FeatureConfigSchema } from '../signal/features/config.js';
import { recordingFeatures } from '../signal/features/extract.js';
import { scalarIndex } from '../signal/features/scalars.js';
import type { LoadedRecordingSet } from '../signal/formats/recording-sets.js';
import type { Recording } from '../signal/recording.js';
import { measureTimeDifferences } from '../signal/timing/index.js';
import type { Network } from '../sim/config.js';

export interface LocateOptions {
  method: LocateMethod;
  /** Receivers by id, for recordings that do not carry their position. */
  network?: Network;
  /** Path-loss exponent beyond 1 km (free space up to it); default 3. */
  exponent: number;
  /** Fit the exponent as well (rss-ml). */
  fitExponent: boolean;
  /** σ (dB) of one received-power measurement around the model. */
  sigmaDb: number;
  txHeightM: number;
  txPowerDbm: [number, number];
  /** Search region (lat/lon box); default the receivers' box widened by half its size on each side. */
  region?: { south: number; west: number; north: number; east: number };
}

export interface LocateResult {
  label: string;
  method: LocateMethod;
  lat: number;
  lon: number;
  /** 1σ ellipse (m); its 2σ version holds 86.5 % if the method's uncertainty is right. */
  ellipse: Ellipse;
  cep50M: number;
  /** The stated received-power model (rss-ml, posterior-mean). */
  model?: string;
  receivers: (LocationEstimate['receivers'][number] & { lat?: number; lon?: number; power?: string })[];
  pairs?: LocationEstimate['pairs'];
  nuisance?: Record<string, number>;
}

interface PlacedRecording {
  recording: Recording;
  lat: number;
  lon: number;
  heightM: number;
}

/** Each recording's receiver position: its own metadata, else the network file; unknown ones are named. */
function place(set: LoadedRecordingSet, network: Network | undefined): PlacedRecording[] {
  const byId = new Map((network?.receivers ?? []).map((r) => [r.id, r]));
  const unknown: string[] = [];
  const placed: PlacedRecording[] = [];
  for (const r of set.recordings) {
    const rx = r.receiver;
    const known = byId.get(rx.id);
    if (known) placed.push({ recording: r, lat: known.lat, lon: known.lon, heightM: known.altitudeM + known.antennaHeightM });
    else if (rx.lat !== undefined && rx.lon !== undefined)
      placed.push({ recording: r, lat: rx.lat, lon: rx.lon, heightM: rx.altM ?? 0 });
    else unknown.push(`${rx.id} (${r.source})`);
  }
  if (unknown.length > 0) {
    throw new LocateError(
      `${set.label}: no position for receiver(s) ${unknown.join(', ')}: the recordings carry none (SigMF core:geolocation) — give --receivers NETWORK.json|.geojson with these ids`,
    );
  }
  return placed;
}

function regionOf(frame: LocalFrame, placed: PlacedRecording[], box: LocateOptions['region']): SearchRegion {
  return box ? searchRegionOfBox(frame, box) : searchRegionAround(placed.map((p) => frame.toLocal(p)));
}

/** The stated path-loss model: free space to 1 km, then 10·n·log10(d / 1 km), at the recordings' frequency. */
export function statedRssModel(
  freqHz: number,
  o: Pick<LocateOptions, 'exponent' | 'sigmaDb' | 'txHeightM' | 'txPowerDbm'>,
): RssModel {
  return rssModelOf({
    propagation: { model: 'log-distance', exponent: o.exponent, refDistanceM: 1000 },
    frequencyHz: freqHz,
    txHeightM: o.txHeightM,
    sigmaDb: o.sigmaDb,
    txPowerDbm: o.txPowerDbm,
    description: `log-distance n = ${o.exponent} beyond 1 km (free space below) at ${(freqHz / 1e6).toFixed(3)} MHz, σ = ${o.sigmaDb} dB, transmit power ${o.txPowerDbm[0]}–${o.txPowerDbm[1]} dBm`,
  });
}

/** Received power per recording from the feature code: calibrated dBm when known, else dBFS. */
function observations(placed: PlacedRecording[], frame: LocalFrame): { obs: ReceiverObservation[]; power: Map<string, string> } {
  const power = new Map<string, string>();
  const obs = placed.map((p) => {
    const r = p.recording;
    const n = r.iq.length / 2;
    const c = FeatureConfigSchema.parse({ sampleRateHz: r.sampleRateHz, samples: Math.min(n, Math.round(r.sampleRateHz)) });
    const s = recordingFeatures(r, c).scalars;
    const calibrated = s[scalarIndex('rssi_dbm_known')] === 1;
    const rss = calibrated ? (s[scalarIndex('rssi_dbm')] as number) : (s[scalarIndex('rssi_dbfs')] as number);
    power.set(
      r.receiver.id,
      calibrated ? 'dBm (calibrated)' : 'dBFS (uncalibrated: levels of different receivers are not comparable)',
    );
    const heard = s[scalarIndex('heard')] === 1;
    return {
      id: r.receiver.id,
      ...frame.toLocal(p),
      heightM: p.heightM,
      rssDbm: heard ? rss : null,
      snrDb: s[scalarIndex('snr_db')] as number,
    };
  });
  return { obs, power };
}

/** Localizes one recording set; throws LocateError (naming receivers) when the method cannot. */
export function locateRecordingSet(set: LoadedRecordingSet, o: LocateOptions): LocateResult {
  const placed = place(set, o.network);
  if (placed.length === 0) throw new LocateError(`${set.label}: no recordings`);
  const frame = LocalFrame.centroidOf(placed);
  const region = regionOf(frame, placed, o.region);
  const freqHz = (placed[0] as PlacedRecording).recording.centerFreqHz;
  const model = statedRssModel(freqHz, o);
  let estimate: LocationEstimate;
  let power = new Map<string, string>();
  if (o.method === 'tdoa') {
    const timing = measureTimeDifferences(placed.map((p) => p.recording));
    const rx = placed.map((p) => ({ id: p.recording.receiver.id, ...frame.toLocal(p), heightM: p.heightM }));
    estimate = locateTdoa(rx, timing.tdoas, region, { txHeightM: o.txHeightM });
    const unused = new Map(timing.receivers.filter((r) => !r.used).map((r) => [r.id, r.reason ?? 'not usable']));
    estimate = {
      ...estimate,
      receivers: estimate.receivers.map((r) =>
        unused.has(r.id) ? { ...r, used: false, reason: unused.get(r.id) as string } : r,
      ),
      pairs: [...(estimate.pairs ?? []), ...timing.pairs.filter((p) => !p.used)],
    };
  } else {
    const x = observations(placed, frame);
    power = x.power;
    estimate =
      o.method === 'rss-ml'
        ? locateRssMl(x.obs, model, region, { fitExponent: o.fitExponent })
        : o.method === 'posterior-mean'
          ? posteriorMean(x.obs, model, region)
          : o.method === 'centroid'
            ? powerWeightedCentroid(x.obs)
            : strongestReceiver(x.obs);
  }
  const { lat, lon } = frame.toGeodetic(estimate);
  const position = new Map(placed.map((p) => [p.recording.receiver.id, { lat: p.lat, lon: p.lon }]));
  return {
    label: set.label,
    method: o.method,
    lat,
    lon,
    ellipse: ellipseOf(estimate.cov),
    cep50M: cep50(estimate.cov),
    ...(o.method === 'rss-ml' || o.method === 'posterior-mean' ? { model: model.description } : {}),
    receivers: estimate.receivers.map((r) => ({
      ...r,
      ...position.get(r.id),
      ...(power.has(r.id) ? { power: power.get(r.id) as string } : {}),
    })),
    ...(estimate.pairs ? { pairs: estimate.pairs } : {}),
    ...(estimate.nuisance ? { nuisance: estimate.nuisance } : {}),
  };
}

/** GeoJSON: the estimate (Point with the ellipse in its properties), its 2σ ellipse (Polygon) and the receivers. */
export function locateGeoJson(results: LocateResult[]) {
  const features: unknown[] = [];
  for (const r of results) {
    const { receivers, ...props } = r;
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [r.lon, r.lat] },
      properties: { kind: 'estimate', ...props },
    });
    const ring = ellipseRing(r, r.ellipse, { k: 2, winding: 'counterclockwise' });
    features.push({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [ring] },
      properties: { kind: 'ellipse-2sigma', label: r.label },
    });
    for (const x of receivers)
      if (x.lat !== undefined && x.lon !== undefined)
        features.push({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [x.lon, x.lat] },
          properties: { kind: 'receiver', label: r.label, ...x },
        });
  }
  return { type: 'FeatureCollection', features };
}
