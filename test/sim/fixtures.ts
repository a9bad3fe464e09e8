// Small scenarios for simulator tests: a square of receivers around a city, everything
// configurable, noise sources switchable so each test isolates one piece of physics.
import { parseConfig, type Scenario, type ScenarioInput, ScenarioSchema } from '../../src/sim/config.js';

export const CENTER = { lat: 45.0, lon: 8.0 };

/** Receivers on a circle of `radiusM` around CENTER (degrees from metres, locally). */
export function ringNetwork(count: number, radiusM: number, extra: Record<string, unknown> = {}) {
  return {
    name: 'ring',
    receivers: Array.from({ length: count }, (_, i) => {
      const a = (2 * Math.PI * i) / count;
      return {
        id: `rx${i}`,
        name: `Receiver ${i}`,
        lat: CENTER.lat + (radiusM * Math.cos(a)) / 111_132,
        lon: CENTER.lon + (radiusM * Math.sin(a)) / (111_320 * Math.cos((CENTER.lat * Math.PI) / 180)),
        ...extra,
      };
    }),
  };
}

export function testScenario(overrides: Partial<ScenarioInput> = {}): Scenario {
  const base: ScenarioInput = {
    name: 'test',
    network: ringNetwork(6, 10_000),
    region: { kind: 'bbox', south: 44.97, west: 7.96, north: 45.03, east: 8.04 },
    frequencyHz: 433e6,
    txPowerDbm: [30, 30],
    propagation: { model: 'log-distance', exponent: 3, refDistanceM: 100 },
    shadowing: { sigmaDb: 0, decorrelationM: 500 },
    fading: { model: 'none' },
    calibrationSigmaDb: 0,
    offlineProbability: 0,
    oscillatorPpm: { tx: 0, rx: 0 },
    signals: { kinds: ['cw'] },
    durationS: 0.5,
  };
  return parseConfig(ScenarioSchema, { ...base, ...overrides }, 'test scenario');
}

/** Four GPS-disciplined receivers 10 km around CENTER hearing strong FSK: every session has time differences. */
export function gpsTimedScenario(): Scenario {
  return testScenario({
    durationS: 1,
    network: ringNetwork(4, 10_000, { gpsDisciplined: true }),
    txPowerDbm: [40, 40],
    signals: { kinds: ['fsk'] },
  });
}
