// What a classical estimator sees of one catalogued transmission: per recording receiver, its
// position and the power the feature layer measured (the same rssi_dbm / snr_db the model's
// scalars carry), "heard" by the same SNR rule as the model's `heard` scalar. Receivers that
// recorded nothing (offline) are absent, exactly as they are masked for the model.
import type { LocalFrame } from '../../geo/local-frame.js';
import { powerObservation } from '../../locate/observations.js';
import type { PoweredReceiver, ReceiverObservation } from '../../locate/types.js';
import type { Receiver } from '../../sim/config.js';
import { thermalNoiseDbm } from '../../sim/link-budget.js';
import type { MeasurementRow } from '../../store/catalog/types.js';

/** A receiver as the references know it (position, height, gain, noise). */
export type ReferenceReceiver = PoweredReceiver;

/** Receivers of a simulated network: everything the scenario says about them. */
export function scenarioReceivers(receivers: readonly Receiver[], frame: LocalFrame): Map<string, ReferenceReceiver> {
  return new Map(
    receivers.map((r) => [
      r.id,
      {
        id: r.id,
        ...frame.toLocal(r),
        heightM: r.altitudeM + r.antennaHeightM,
        gainDbi: r.antennaGainDbi,
        noiseDbm: thermalNoiseDbm(r.sampleRateHz, r.noiseFigureDb),
      },
    ]),
  );
}

/** Receivers known only by position and altitude (a model's receivers, catalog rows); those without a position are left out. */
export function positionedReceivers(
  rows: readonly { id: string; lat: number | null; lon: number | null; altM: number | null }[],
  frame: LocalFrame,
): Map<string, ReferenceReceiver> {
  const out = new Map<string, ReferenceReceiver>();
  for (const r of rows) {
    if (r.lat === null || r.lon === null) continue;
    out.set(r.id, { id: r.id, ...frame.toLocal({ lat: r.lat, lon: r.lon }), heightM: r.altM ?? 0, gainDbi: 0 });
  }
  return out;
}

/**
 * The observations of one session. `heardSnrDb` is the feature layer's threshold (the model's
 * `heard` scalar); a receiver below it is censored evidence when its noise power is known
 * (detection level = noise + threshold). Recordings without a calibrated power or a known
 * receiver position are left out and returned in `skipped` with the reason.
 */
export function observationsOf(
  measurements: readonly MeasurementRow[],
  receivers: ReadonlyMap<string, ReferenceReceiver>,
  heardSnrDb: number,
): { observations: ReceiverObservation[]; skipped: { id: string; reason: string }[] } {
  const observations: ReceiverObservation[] = [];
  const skipped: { id: string; reason: string }[] = [];
  for (const m of measurements) {
    const r = receivers.get(m.receiverId);
    if (r === undefined) {
      skipped.push({ id: m.receiverId, reason: 'position unknown' });
      continue;
    }
    if (m.rssiDbm === null || m.snrDb === null) {
      skipped.push({ id: m.receiverId, reason: 'no calibrated power (full scale unknown)' });
      continue;
    }
    observations.push(powerObservation(r, m.rssiDbm, m.snrDb, heardSnrDb));
  }
  return { observations, skipped };
}
