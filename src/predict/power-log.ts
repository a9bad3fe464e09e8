// Predictions from a power log with a radio-map model (what `heimdall train` fits on a power-only
// dataset): the same log shapes as import (long/wide CSV, JSON), the same Prediction objects and
// JSON/GeoJSON documents as predictions from recordings. Fixed receivers are placed where the
// model has them; mobile ones where the log says they were; a receiver the model does not know
// and the log does not place fails its transmission (or, with ignoreUnknown, is left out).
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { LocalFrame } from '../geo/local-frame.js';
import { RadioMapLocator } from '../locate/power/radio-map.js';
import { RADIO_MAP_FORMAT, radioMapFromJson } from '../locate/power/radio-map-json.js';
import { MOBILE_ANTENNA_M, type PowerReading, type PowerSample } from '../locate/power/samples.js';
import { LocateError, type LocationEstimate } from '../locate/types.js';
import { cep50, ellipseOf } from '../math/gaussian2d.js';
import type { LocalizationNet } from '../model/localization-net.js';
import type { RssLog, RssTransmission } from '../signal/formats/rss-log.js';
import { loadPowerNet, type PowerNetDescriptor, powerNetEstimates } from './power-net.js';
import type { Prediction } from './predict.js';

export interface RadioMapModel {
  path: string;
  /** What it was fitted on (dataset name@version, split sizes), as the file says. */
  fittedOn: Record<string, unknown>;
  frame: LocalFrame;
  locator: RadioMapLocator;
  /** The network correcting the map, when the document has one (its positions are then served). */
  net?: { net: LocalizationNet; descriptor: PowerNetDescriptor };
}

/** Whether a model file is a radio map (a JSON document of that format) rather than ONNX. */
export function isRadioMapFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(256);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('utf8').includes(`"${RADIO_MAP_FORMAT}"`);
  } finally {
    closeSync(fd);
  }
}

export function loadRadioMapModel(path: string): RadioMapModel {
  const doc = radioMapFromJson(readFileSync(path, 'utf8'), path);
  const model: RadioMapModel = {
    path,
    fittedOn: doc.fittedOn,
    frame: new LocalFrame(doc.origin),
    locator: new RadioMapLocator(doc.map),
  };
  if (doc.net !== undefined) {
    const descriptor = doc.net as unknown as PowerNetDescriptor;
    model.net = { net: loadPowerNet(doc.map, descriptor, dirname(path)), descriptor };
  }
  return model;
}

/** Releases the network's tensors, if the model has one. */
export function releaseRadioMapModel(model: RadioMapModel): void {
  model.net?.net.dispose();
}

/**
 * The served estimate of one set of readings: the map's posterior, corrected by the network when
 * there is one — as in training, a transmission nobody heard then has no prior and the network
 * answers alone (with its wide uncertainty); without a network it cannot be located (LocateError).
 */
export function servedEstimate(model: RadioMapModel, sample: PowerSample): LocationEstimate {
  if (model.net === undefined) return model.locator.locate(sample);
  const prior = sample.readings.some((r) => r.rssDbm !== null) ? model.locator.locate(sample) : undefined;
  const { net, descriptor } = model.net;
  return powerNetEstimates(net, descriptor.spec, [sample], [prior], descriptor.sigmaFloor)[0] as LocationEstimate;
}

export interface PowerLogPredictions {
  predictions: Prediction[];
  failed: { label: string; error: string }[];
}

const labelOf = (t: RssTransmission) => `${t.tx ?? t.time.toISOString()} (${t.source})`;

function predictOne(model: RadioMapModel, t: RssTransmission, ignoreUnknown: boolean): Prediction {
  const { map } = model.locator;
  const readings: PowerReading[] = [];
  const ignored: string[] = [];
  for (const r of t.readings) {
    if (r.position !== undefined) {
      const p = model.frame.toLocal(r.position);
      readings.push({ id: r.receiver, east: p.east, north: p.north, heightM: MOBILE_ANTENNA_M, rssDbm: r.rssDbm, mobile: true });
      continue;
    }
    const at = map.fixedAt[r.receiver];
    if (at !== undefined) readings.push({ id: r.receiver, ...at, rssDbm: r.rssDbm, mobile: false });
    else if (ignoreUnknown) ignored.push(r.receiver);
    else
      throw new LocateError(
        `${t.source}: receiver '${r.receiver}'${r.where ? ` (at ${r.where})` : ''} is not one of the model's fixed receivers and has no position (rx_lat/rx_lon); --ignore-unknown leaves it out`,
      );
  }
  const e = servedEstimate(model, { id: 0, readings });
  const [[vee, ven], [, vnn]] = e.cov;
  const g = model.frame.toGeodetic(e);
  const used = new Set(readings.map((r) => r.id));
  return {
    label: labelOf(t),
    lat: g.lat,
    lon: g.lon,
    eastM: e.east,
    northM: e.north,
    sigmaEastM: Math.sqrt(vee),
    sigmaNorthM: Math.sqrt(vnn),
    rho: ven / Math.sqrt(vee * vnn),
    ellipse: ellipseOf(e.cov),
    cep50M: cep50(e.cov),
    receiversUsed: [...used],
    receiversMissing: Object.keys(map.fixedAt).filter((id) => !used.has(id)),
    receiversIgnored: ignored,
    modelVersion: `${model.net ? 'LocalizationNet correcting a radio map' : 'radio map'} fitted on ${String(model.fittedOn.dataset ?? 'an unnamed dataset')}`,
  };
}

/** One prediction per transmission of the log; those that cannot be located are listed as failed. */
export function predictPowerLog(model: RadioMapModel, log: RssLog, o: { ignoreUnknown?: boolean } = {}): PowerLogPredictions {
  const out: PowerLogPredictions = { predictions: [], failed: [] };
  for (const t of log.transmissions) {
    try {
      out.predictions.push(predictOne(model, t, o.ignoreUnknown ?? false));
    } catch (err) {
      if (!(err instanceof LocateError)) throw err;
      out.failed.push({ label: labelOf(t), error: err.message });
    }
  }
  return out;
}
