// The received-power model the classical references assume, taken from the simulator's own
// scenario: its path-loss model, and one Gaussian per receiver for everything else (shadowing ⊕
// unknown calibration ⊕ the fading left after averaging — the σ the CRLB uses too). For data
// without a scenario (real recordings) the caller states a model instead (`heimdall locate`).
import { LocalFrame } from '../../geo/local-frame.js';
import { searchRegionOfBox } from '../../locate/region.js';
import { rssModelOf, type StatedRssModel } from '../../locate/stated-model.js';
import type { RssModel, SearchRegion } from '../../locate/types.js';
import { type PriorSpec, PriorSpecSchema } from '../../signal/features/prior.js';
import type { Scenario } from '../../sim/config.js';
import { fadingResidualSigmaDb } from '../../sim/crlb.js';
import { regionBounds } from '../../sim/region.js';
import { scenarioReceivers } from './observations.js';

/** The smallest per-receiver σ (dB) the stated model assumes. */
export const MIN_SIGMA_DB = 1;

/** The received-power model the simulator draws from, stated as data (what a model file stores). */
export function statedModelOfScenario(s: Scenario): StatedRssModel {
  const fading = fadingResidualSigmaDb(s.fading.model, s.fading.kFactorDb, s.fading.dopplerHz, s.durationS);
  // A measured power scatters by about a decibel even without shadowing (finite samples, the
  // feature layer's noise-floor estimate): a σ of zero would make the likelihood a spike.
  const sigmaDb = Math.max(MIN_SIGMA_DB, Math.hypot(s.shadowing.sigmaDb, s.calibrationSigmaDb, fading));
  const p = s.propagation;
  const law =
    p.model === 'log-distance'
      ? `log-distance n = ${p.exponent} beyond ${p.refDistanceM} m`
      : p.model === 'hata'
        ? `Okumura–Hata (${p.environment})`
        : 'free space';
  return {
    propagation: s.propagation,
    frequencyHz: s.frequencyHz,
    txHeightM: s.txHeightM,
    sigmaDb,
    txPowerDbm: [s.txPowerDbm[0], s.txPowerDbm[1]],
    description: `${law} at ${(s.frequencyHz / 1e6).toFixed(3)} MHz, σ = ${sigmaDb.toFixed(1)} dB (shadowing ${s.shadowing.sigmaDb} ⊕ calibration ${s.calibrationSigmaDb} ⊕ fading ${fading.toFixed(1)} dB), transmit power ${s.txPowerDbm[0]}–${s.txPowerDbm[1]} dBm`,
  };
}

export function rssModelOfScenario(s: Scenario): RssModel {
  return rssModelOf(statedModelOfScenario(s));
}

/**
 * The physics prior of a model trained on this scenario: its stated power model, its receivers in
 * network order (gain and noise included) and its region — the same inputs as the posterior-mean
 * reference, so an untrained prior network reproduces that reference.
 */
export function priorSpecOfScenario(s: Scenario, frame: LocalFrame, heardSnrDb: number): PriorSpec {
  return PriorSpecSchema.parse({
    model: statedModelOfScenario(s),
    receivers: [...scenarioReceivers(s.network.receivers, frame).values()],
    region: searchRegionOfScenario(s, frame),
    heardSnrDb,
    // Receivers with GPS clocks give time differences: those transmissions take the TDOA estimate.
    ...(s.network.receivers.some((r) => r.gpsDisciplined) ? { tdoa: { txHeightM: s.txHeightM } } : {}),
  });
}

/** The scenario's region (where its transmitters are drawn) as a rectangle in `frame`. */
export function searchRegionOfScenario(s: Scenario, frame: LocalFrame): SearchRegion {
  return searchRegionOfBox(frame, regionBounds(s.region));
}

/** The frame every model of this scenario uses: the receivers' centroid (as quickstart and the simulator). */
export function frameOfScenario(s: Scenario): LocalFrame {
  return LocalFrame.centroidOf(s.network.receivers);
}
