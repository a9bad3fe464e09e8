// Named scenarios. Presets are data: each is a ScenarioInput validated by the same schema as a
// user's file, never a code branch.
import type { ScenarioInput } from './config.js';
import { DENSE_URBAN_16, KIWISDR_NORTH_ITALY, NW_ITALY_WEBSDR } from './networks.js';

export const PRESETS: Record<string, ScenarioInput> = {
  'nw-italy-2m': {
    name: 'nw-italy-2m',
    description: 'The seven north-west Italy WebSDRs on the 2 m band (145 MHz); received power only (no GPS clocks).',
    network: NW_ITALY_WEBSDR,
    region: { kind: 'bbox', south: 44.3, west: 7.1, north: 45.6, east: 9.3 },
    frequencyHz: 145.5e6,
    txPowerDbm: [30, 47], // 1 W handheld to 50 W mobile
    txHeightM: 5,
    // 145 MHz is below Okumura–Hata's range; hilly terrain with obstructions: log-distance n = 3.
    propagation: { model: 'log-distance', exponent: 3, refDistanceM: 1000 },
    shadowing: { sigmaDb: 6, decorrelationM: 2000 },
    fading: { model: 'rician', kFactorDb: 3, dopplerHz: 2 },
    calibrationSigmaDb: 1,
    offlineProbability: 0.05,
    signals: { kinds: ['fm', 'cw', 'fsk'] },
    durationS: 1,
  },
  'dense-urban-uhf': {
    name: 'dense-urban-uhf',
    description: 'Sixteen rooftop receivers over a 3×3 km city at 433 MHz; Okumura–Hata urban, 4 dB shadowing.',
    network: DENSE_URBAN_16,
    region: { kind: 'bbox', south: 45.0568, west: 7.6679, north: 45.0838, east: 7.7059 },
    frequencyHz: 433.5e6,
    txPowerDbm: [20, 37], // 0.1–5 W handhelds and ISM devices
    txHeightM: 1.5,
    propagation: { model: 'hata', environment: 'urban' },
    shadowing: { sigmaDb: 4, decorrelationM: 50 },
    fading: { model: 'rician', kFactorDb: 0, dopplerHz: 3 },
    calibrationSigmaDb: 1,
    offlineProbability: 0.05,
    signals: { kinds: ['fm', 'fsk'] },
    durationS: 1,
  },
  'kiwisdr-hf-tdoa': {
    name: 'kiwisdr-hf-tdoa',
    description: 'GPS-disciplined KiwiSDRs hundreds of km apart hearing a ground-wave MF transmitter (518 kHz, NAVTEX-like FSK).',
    network: KIWISDR_NORTH_ITALY,
    region: { kind: 'bbox', south: 43.8, west: 8.0, north: 46.0, east: 12.3 },
    frequencyHz: 518e3,
    txPowerDbm: [50, 60], // 100 W – 1 kW coastal stations
    txHeightM: 30,
    // Ground wave over land: close to free-space spreading plus absorption, summarized as n = 2.5.
    propagation: { model: 'log-distance', exponent: 2.5, refDistanceM: 1000 },
    shadowing: { sigmaDb: 2, decorrelationM: 30_000 },
    fading: { model: 'rician', kFactorDb: 15, dopplerHz: 0.1 },
    calibrationSigmaDb: 2,
    offlineProbability: 0.05,
    oscillatorPpm: { tx: 1, rx: 0.01 },
    signals: { kinds: ['fsk', 'cw'], fskBaud: 100, fskShiftHz: 170 },
    durationS: 1,
  },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}
