// Built-in receiver networks (data). Positions of the north-west Italy WebSDRs come from the
// original project; the other two networks are synthetic but plausible layouts.
import type { NetworkInput } from './config.js';

const VHF_UHF: [number, number][] = [
  [144e6, 146e6],
  [430e6, 440e6],
];

/** The seven WebSDRs of the original project. Two (Aquila di Giaveno and Coazze) are 1.7 km apart. */
export const NW_ITALY_WEBSDR: NetworkInput = {
  name: 'nw-italy-websdr',
  receivers: [
    { id: 'aquila-giaveno', name: 'Aquila di Giaveno', lat: 45.02, lon: 7.29, antennaHeightM: 20, bandsHz: VHF_UHF },
    { id: 'montanaro', name: 'Montanaro', lat: 45.234, lon: 7.857, antennaHeightM: 20, bandsHz: VHF_UHF },
    { id: 'torino', name: 'Torino', lat: 45.044, lon: 7.672, antennaHeightM: 20, bandsHz: VHF_UHF },
    { id: 'coazze', name: 'Coazze', lat: 45.03, lon: 7.27, antennaHeightM: 20, bandsHz: VHF_UHF },
    { id: 'passo-giovi', name: 'Passo del Giovi', lat: 44.561, lon: 8.956, antennaHeightM: 20, bandsHz: VHF_UHF },
    { id: 'genova', name: 'Genova', lat: 44.395, lon: 8.956, antennaHeightM: 20, bandsHz: VHF_UHF },
    { id: 'milano-baggio', name: 'Milano-Baggio', lat: 45.478, lon: 9.123, antennaHeightM: 20, bandsHz: VHF_UHF },
  ],
};

/**
 * Sixteen rooftop receivers over a ~3×3 km city centre (Torino's), on a jittered 4×4 grid with
 * ~1 km spacing.
 */
export const DENSE_URBAN_16: NetworkInput = {
  name: 'dense-urban-16',
  receivers: Array.from({ length: 16 }, (_, i) => {
    const row = Math.floor(i / 4);
    const col = i % 4;
    // A fixed, irregular jitter (in metres) so the grid is not perfectly regular.
    const jitterE =
      [
        [120, -80, 40, -150],
        [-60, 130, -110, 70],
        [90, -40, 150, -90],
        [-130, 60, -20, 110],
      ][row]?.[col] ?? 0;
    const jitterN =
      [
        [-90, 110, -30, 60],
        [140, -70, 80, -120],
        [-50, 100, -140, 30],
        [70, -110, 50, -60],
      ][row]?.[col] ?? 0;
    const east = (col - 1.5) * 1000 + jitterE;
    const north = (row - 1.5) * 1000 + jitterN;
    return {
      id: `city-${String(i + 1).padStart(2, '0')}`,
      name: `City rooftop ${i + 1}`,
      lat: 45.0703 + north / 111_132,
      lon: 7.6869 + east / (111_320 * Math.cos((45.0703 * Math.PI) / 180)),
      antennaHeightM: 25,
      noiseFigureDb: 5,
      bandsHz: [[430e6, 440e6]],
    };
  }),
};

/** GPS-disciplined KiwiSDR-like receivers a few hundred km apart around the northern Adriatic. */
export const KIWISDR_NORTH_ITALY: NetworkInput = {
  name: 'kiwisdr-north-italy',
  receivers: [
    { id: 'kiwi-torino', name: 'KiwiSDR Torino', lat: 45.07, lon: 7.69 },
    { id: 'kiwi-milano', name: 'KiwiSDR Milano', lat: 45.46, lon: 9.19 },
    { id: 'kiwi-bologna', name: 'KiwiSDR Bologna', lat: 44.49, lon: 11.34 },
    { id: 'kiwi-venezia', name: 'KiwiSDR Venezia', lat: 45.44, lon: 12.33 },
    { id: 'kiwi-trento', name: 'KiwiSDR Trento', lat: 46.07, lon: 11.12 },
    { id: 'kiwi-firenze', name: 'KiwiSDR Firenze', lat: 43.77, lon: 11.25 },
    { id: 'kiwi-genova', name: 'KiwiSDR Genova', lat: 44.41, lon: 8.93 },
  ].map((r) => ({
    ...r,
    antennaHeightM: 10,
    sampleRateHz: 12_000,
    gpsDisciplined: true,
    // Atmospheric noise at MF is ~40 dB above thermal: modelled as the receiver's noise figure.
    noiseFigureDb: 40,
    bandsHz: [[10e3, 30e6]] as [number, number][],
  })),
};

/**
 * Ten GPS-disciplined wideband SDRs on rooftops and masts over a ~7×5 km metro area (Milano's centre),
 * 1.5–2.5 km between neighbours: the layout of a dedicated TDOA network (a centre site, an inner ring, two
 * outliers that widen the baseline). 1 MS/s complex IQ (an RTL-SDR-class receiver already samples at
 * 1–2.4 MS/s), noise figure 6 dB with a front-end filter. Timestamps come from a GNSS timing receiver's
 * time pulse; the scenario states its σ (timing.gpsJitterS). Heights are above ground: rooftops of
 * 6–10-storey buildings (25–35 m) and two masts (40–45 m), near TR 38.901 UMa's 25 m base height.
 */
export const METRO_TDOA_10: NetworkInput = {
  name: 'metro-tdoa-10',
  receivers: (
    [
      // [east m, north m, antenna height m]
      [0, 0, 35],
      [2100, 300, 30],
      [1200, 2000, 28],
      [-900, 2300, 25],
      [-2300, 800, 32],
      [-2000, -1400, 30],
      [-300, -2400, 27],
      [1700, -1900, 30],
      [3600, -600, 45],
      [-3700, -900, 40],
    ] as const
  ).map(([east, north, heightM], i) => ({
    id: `metro-${String(i + 1).padStart(2, '0')}`,
    name: `Metro TDOA site ${i + 1}`,
    lat: 45.4642 + north / 111_132,
    lon: 9.19 + east / (111_320 * Math.cos((45.4642 * Math.PI) / 180)),
    antennaHeightM: heightM,
    noiseFigureDb: 6,
    sampleRateHz: 1e6,
    gpsDisciplined: true,
    bandsHz: [
      [400e6, 470e6],
      [863e6, 870e6],
    ] as [number, number][],
  })),
};

export const BUILT_IN_NETWORKS: Record<string, NetworkInput> = {
  'nw-italy-websdr': NW_ITALY_WEBSDR,
  'dense-urban-16': DENSE_URBAN_16,
  'kiwisdr-north-italy': KIWISDR_NORTH_ITALY,
  'metro-tdoa-10': METRO_TDOA_10,
};
