// The fixed part of a simulated dataset: the receivers in a local frame, each with its own
// shadowing terrain, true (unknown) calibration error and oscillator error. Drawn once per seed,
// shared by every sample, as a real network's terrain and hardware would be.
import { type EastNorth, LocalFrame } from '../geo/local-frame.js';
import { Rng } from '../math/rng.js';
import type { Receiver, Scenario } from './config.js';
import { ShadowingField } from './shadowing.js';

export interface ReceiverState {
  receiver: Receiver;
  local: EastNorth;
  shadowing: ShadowingField;
  /** The calibration error nobody knows (dB), on top of the receiver's reported offset. */
  calibrationErrorDb: number;
  /** Local-oscillator error (ppm); GPS-disciplined receivers are locked to ~1e-3 ppm. */
  oscillatorPpm: number;
}

export interface World {
  scenario: Scenario;
  seed: number;
  frame: LocalFrame;
  receivers: ReceiverState[];
  /** Render every multipath tap at its own delay (no grouping of near-coincident taps; channel.ts). Slower. */
  exactTaps?: boolean;
}

export function buildWorld(scenario: Scenario, seed: number): World {
  const frame = LocalFrame.centroidOf(scenario.network.receivers);
  const receivers = scenario.network.receivers.map((receiver) => {
    const rng = new Rng(seed, 'world', receiver.id);
    return {
      receiver,
      local: frame.toLocal(receiver),
      shadowing: new ShadowingField(rng, scenario.shadowing.sigmaDb, scenario.shadowing.decorrelationM),
      calibrationErrorDb: rng.normal() * scenario.calibrationSigmaDb,
      oscillatorPpm: rng.normal() * (receiver.gpsDisciplined ? 1e-3 : scenario.oscillatorPpm.rx),
    };
  });
  return { scenario, seed, frame, receivers };
}

/** A receiver's antenna as the estimators take it: local east/north (m) and height (ground altitude + mast, m). */
export function antennaPosition(st: ReceiverState): { id: string; east: number; north: number; heightM: number } {
  return {
    id: st.receiver.id,
    east: st.local.east,
    north: st.local.north,
    heightM: st.receiver.altitudeM + st.receiver.antennaHeightM,
  };
}
