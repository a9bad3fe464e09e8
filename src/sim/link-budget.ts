// Thermal noise and decibel helpers for link budgets.

/** 10·log10(k·T0·1 Hz / 1 mW) at T0 = 290 K: −173.98 dBm/Hz. */
export const THERMAL_NOISE_DBM_PER_HZ = 10 * Math.log10(1.380649e-23 * 290 * 1000);

/** Noise power (dBm) in a bandwidth for a receiver noise figure: kT0·B·F. */
export function thermalNoiseDbm(bandwidthHz: number, noiseFigureDb: number): number {
  return THERMAL_NOISE_DBM_PER_HZ + 10 * Math.log10(bandwidthHz) + noiseFigureDb;
}

export const dbToLinear = (db: number): number => 10 ** (db / 10);
export const linearToDb = (x: number): number => 10 * Math.log10(x);

/** Mean power of interleaved IQ samples: mean(I² + Q²). */
export function meanPower(iq: Float32Array): number {
  let s = 0;
  for (let i = 0; i < iq.length; i++) s += (iq[i] as number) * (iq[i] as number);
  return s / (iq.length / 2);
}
