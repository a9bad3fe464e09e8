// Tapped-delay-line (TDL) power-delay profiles of 3GPP TR 38.901 V17.0.0 §7.7.2, Tables 7.7.2-1 to
// 7.7.2-5: TDL-A/B/C are NLOS profiles (every tap Rayleigh), TDL-D/E LOS profiles whose first tap
// holds a specular (LOS) component and a Rayleigh one at the same delay. Delays are normalized
// ("τ_model"): §7.7.3 scales them to a wanted RMS delay spread as τ = τ_model · DS_desired.
// The numbers below are the tables' own (delay normalized, power dB); the tests check the profiles
// keep a unit power sum after normalization and an RMS delay spread equal to DS_desired.

export const TDL_PROFILES = ['tdl-a', 'tdl-b', 'tdl-c', 'tdl-d', 'tdl-e'] as const;
export type TdlProfileName = (typeof TDL_PROFILES)[number];

interface TdlTable {
  /** Normalized delays τ_model (multiples of the RMS delay spread). */
  delays: readonly number[];
  /** Tap powers (dB), as tabulated (not normalized). */
  powersDb: readonly number[];
  /** LOS profiles: power (dB) of the first tap's specular component; its Rayleigh part is powersDb[0]. */
  losPowerDb?: number;
}

/** TR 38.901 Table 7.7.2-1 (TDL-A), 7.7.2-2 (TDL-B), 7.7.2-3 (TDL-C), 7.7.2-4 (TDL-D), 7.7.2-5 (TDL-E). */
const TABLES: Record<TdlProfileName, TdlTable> = {
  'tdl-a': {
    delays: [
      0.0, 0.3819, 0.4025, 0.5868, 0.461, 0.5375, 0.6708, 0.575, 0.7618, 1.5375, 1.8978, 2.2242, 2.1718, 2.4942, 2.5119, 3.0582,
      4.081, 4.4579, 4.5695, 4.7966, 5.0066, 5.3043, 9.6586,
    ],
    powersDb: [
      -13.4, 0, -2.2, -4, -6, -8.2, -9.9, -10.5, -7.5, -15.9, -6.6, -16.7, -12.4, -15.2, -10.8, -11.3, -12.7, -16.2, -18.3, -18.9,
      -16.6, -19.9, -29.7,
    ],
  },
  'tdl-b': {
    delays: [
      0.0, 0.1072, 0.2155, 0.2095, 0.287, 0.2986, 0.3752, 0.5055, 0.3681, 0.3697, 0.57, 0.5283, 1.1021, 1.2756, 1.5474, 1.7842,
      2.0169, 2.8294, 3.0219, 3.6187, 4.1067, 4.279, 4.7834,
    ],
    powersDb: [
      0, -2.2, -4, -3.2, -9.8, -1.2, -3.4, -5.2, -7.6, -3, -8.9, -9, -4.8, -5.7, -7.5, -1.9, -7.6, -12.2, -9.8, -11.4, -14.9,
      -9.2, -11.3,
    ],
  },
  'tdl-c': {
    delays: [
      0, 0.2099, 0.2219, 0.2329, 0.2176, 0.6366, 0.6448, 0.656, 0.6584, 0.7935, 0.8213, 0.9336, 1.2285, 1.3083, 2.1704, 2.7105,
      4.2589, 4.6003, 5.4902, 5.6077, 6.3065, 6.6374, 7.0427, 8.6523,
    ],
    powersDb: [
      -4.4, -1.2, -3.5, -5.2, -2.5, 0, -2.2, -3.9, -7.4, -7.1, -10.7, -11.1, -5.1, -6.8, -8.7, -13.2, -13.9, -13.9, -15.8, -17.1,
      -16, -15.7, -21.6, -22.8,
    ],
  },
  // TDL-D tap 1: LOS path −0.2 dB and a Rayleigh part −13.5 dB at delay 0 (K₁ = 13.3 dB).
  'tdl-d': {
    delays: [0, 0.035, 0.612, 1.363, 1.405, 1.804, 2.596, 1.775, 4.042, 7.937, 9.424, 9.708, 12.525],
    powersDb: [-13.5, -18.8, -21, -22.8, -17.9, -20.1, -21.9, -22.9, -27.8, -23.6, -24.8, -30, -27.7],
    losPowerDb: -0.2,
  },
  // TDL-E tap 1: LOS path −0.03 dB and a Rayleigh part −22.03 dB at delay 0 (K₁ = 22 dB).
  'tdl-e': {
    delays: [0, 0.5133, 0.544, 0.563, 0.544, 0.7112, 1.9092, 1.9293, 1.9589, 2.6426, 3.7136, 5.4524, 12.0034, 20.6519],
    powersDb: [-22.03, -15.8, -18.1, -19.8, -22.9, -22.4, -18.6, -20.8, -22.6, -22.3, -25.6, -20.2, -29.8, -29.2],
    losPowerDb: -0.03,
  },
};

export interface TdlTap {
  /** Excess delay over the first arriving tap (s). */
  delayS: number;
  /** Mean power, linear, normalized so the profile's taps sum to 1. */
  power: number;
  /** Rician K (linear) of this tap: >0 only for the first tap of a LOS profile; 0 = Rayleigh. */
  kFactor: number;
}

/**
 * The profile's taps with delays scaled to `delaySpreadS` (TR 38.901 §7.7.3) and powers normalized to a
 * unit sum (the specular and Rayleigh parts of a LOS first tap merged into one Rician tap).
 */
export function tdlTaps(profile: TdlProfileName, delaySpreadS: number): TdlTap[] {
  if (!(delaySpreadS >= 0) || !Number.isFinite(delaySpreadS))
    throw new Error(`tdlTaps: delaySpreadS must be a finite number >= 0, got ${delaySpreadS}`);
  const t = TABLES[profile];
  const lin = t.powersDb.map((p) => 10 ** (p / 10));
  const los = t.losPowerDb === undefined ? 0 : 10 ** (t.losPowerDb / 10);
  const total = lin.reduce((a, b) => a + b, 0) + los;
  return t.delays.map((d, i) => {
    const scattered = lin[i] as number;
    const specular = i === 0 ? los : 0;
    return { delayS: d * delaySpreadS, power: (scattered + specular) / total, kFactor: specular / scattered };
  });
}

/** RMS delay spread (s) of a set of taps: √(Σpτ²/Σp − (Σpτ/Σp)²). */
export function rmsDelaySpreadS(taps: readonly { delayS: number; power: number }[]): number {
  const p = taps.reduce((a, t) => a + t.power, 0);
  const m1 = taps.reduce((a, t) => a + t.power * t.delayS, 0) / p;
  const m2 = taps.reduce((a, t) => a + t.power * t.delayS * t.delayS, 0) / p;
  return Math.sqrt(Math.max(0, m2 - m1 * m1));
}

/** Power-weighted mean delay (s) of a set of taps: where an unresolved channel's energy arrives on average. */
export function meanDelayS(taps: readonly { delayS: number; power: number }[]): number {
  const p = taps.reduce((a, t) => a + t.power, 0);
  return taps.reduce((a, t) => a + t.power * t.delayS, 0) / p;
}

/** Whether the profile is one of the LOS ones (TDL-D/E). */
export function isLosProfile(profile: TdlProfileName): boolean {
  return TABLES[profile].losPowerDb !== undefined;
}
