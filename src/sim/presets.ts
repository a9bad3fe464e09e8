// Named scenarios. Presets are data: each is a ScenarioInput validated by the same schema as a
// user's file, never a code branch.
import type { ScenarioInput } from './config.js';
import { DENSE_URBAN_16, KIWISDR_NORTH_ITALY, METRO_TDOA_10, NW_ITALY_WEBSDR } from './networks.js';

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
  // Each choice and its source: docs/SIMULATOR.md, "metro-tdoa".
  'metro-tdoa': {
    name: 'metro-tdoa',
    description:
      'Ten GPS-disciplined 1 MS/s SDRs on rooftops over a 7×5 km city hearing 868 MHz ISM bursts (LoRa-like chirps); TR 38.901 UMa multipath and NLOS.',
    network: METRO_TDOA_10,
    region: { kind: 'bbox', south: 45.4417, west: 9.1516, north: 45.4867, east: 9.2284 },
    frequencyHz: 868.1e6, // EU868 LoRaWAN channel 1
    txPowerDbm: [14, 27], // 25 mW (EN 300 220 g1 sub-band) to 500 mW (869.4–869.65 MHz sub-band)
    txHeightM: 1.5,
    // Okumura–Hata (150–1500 MHz) with the receivers as the base; Hata's median already mixes LOS and NLOS streets.
    propagation: { model: 'hata', environment: 'urban' },
    // TR 38.901 Table 7.5-6 UMa NLOS: shadow-fading σ 6 dB, correlation distance 50 m.
    shadowing: { sigmaDb: 6, decorrelationM: 50 },
    // A pedestrian at 6 km/h: f_D = v·f/c ≈ 4.8 Hz; each TDL tap fades at this Doppler.
    fading: { model: 'rayleigh', kFactorDb: 0, dopplerHz: 5 },
    channel: {
      multipath: 'tdl-d', // LOS links: TR 38.901 TDL-D (Rician first tap, K 13.3 dB)
      delaySpreadS: 93e-9, // UMa LOS median DS below 6 GHz, Table 7.5-6: 10^(−6.955 − 0.0963·lg 6) s
      nlos: { model: 'uma', profile: 'tdl-c', delaySpreadS: 363e-9, extraLossDb: 0 }, // UMa NLOS: 10^(−6.28 − 0.204·lg 6) s
    },
    calibrationSigmaDb: 1,
    offlineProbability: 0.02,
    // Cheap ISM transmitters: ±10 ppm crystals; the receivers are GNSS-locked (world.ts: 1e-3 ppm).
    oscillatorPpm: { tx: 10, rx: 0.5 },
    // u-blox NEO-M8T time pulse: 20 ns RMS (datasheet); the network triggers captures on the same GPS second.
    timing: { gpsJitterS: 20e-9, startSpreadS: 1e-3 },
    // LoRa-like chirps (125 kHz, SF 7–9: the common EU868 uplinks). 25 kHz digital voice (dv25) lives in
    // other bands (TETRA 380–400 MHz) and times ~5× worse (RMS bandwidth); it is a signal kind, not this preset's.
    signals: { kinds: ['lora'], loraBandwidthHz: 125e3, loraSpreadingFactors: [7, 9] },
    // A 10 ms capture (10 000 samples at 1 MS/s) holding a 5 ms burst — the start of a frame (a LoRa
    // preamble), which is what a TDOA network correlates; longer captures cost disk and time, not physics.
    durationS: 0.01,
    // The burst fills a fraction of the 1 MHz band: −10 dB over the full band is ~0 dB in the signal's own band.
    detectionSnrDb: -10,
  },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}
