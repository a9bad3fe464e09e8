// Path-loss laws (dB) as functions of 3-D distance and carrier frequency: the physics the
// simulator draws received powers from and the classical estimators and the model's physics
// prior assume. Below both (src/rf is core and knows neither).

import { z } from 'zod';
import { SPEED_OF_LIGHT_M_S } from '../math/constants.js';

/** A scenario's propagation law (its JSON form). */
export const PropagationSchema = z.discriminatedUnion('model', [
  z.object({ model: z.literal('free-space') }),
  z.object({
    model: z.literal('log-distance'),
    /** 2 = free space; 2.7–3.5 urban; 3–5 shadowed/obstructed. */
    exponent: z.number().min(1).max(6),
    /** Distance (m) up to which free-space loss holds. */
    refDistanceM: z.number().positive().default(100),
  }),
  z.object({
    model: z.literal('hata'),
    /** Okumura–Hata (150–1500 MHz): 'urban-large' uses the large-city mobile-antenna correction. */
    environment: z.enum(['urban-large', 'urban', 'suburban', 'open']),
  }),
]);
export type Propagation = z.infer<typeof PropagationSchema>;

/** Friis free-space loss: 20·log10(4π d f / c). */
export function freeSpaceLossDb(distanceM: number, freqHz: number): number {
  return 20 * Math.log10((4 * Math.PI * distanceM * freqHz) / SPEED_OF_LIGHT_M_S);
}

/** Free space up to d0, then 10·n·log10(d/d0) beyond it. */
export function logDistanceLossDb(distanceM: number, freqHz: number, exponent: number, refDistanceM: number): number {
  if (distanceM <= refDistanceM) return freeSpaceLossDb(distanceM, freqHz);
  return freeSpaceLossDb(refDistanceM, freqHz) + 10 * exponent * Math.log10(distanceM / refDistanceM);
}

export type HataEnvironment = 'urban-large' | 'urban' | 'suburban' | 'open';

/**
 * Okumura–Hata median loss (Hata 1980; as in COST-231's report): f 150–1500 MHz, base height
 * hb 30–200 m, mobile height hm 1–10 m, distance 1–20 km. Outside the height/distance ranges it
 * is extrapolated; the caller bounds it below by free space so short links stay physical.
 */
export function hataLossDb(
  distanceM: number,
  freqHz: number,
  baseHeightM: number,
  mobileHeightM: number,
  env: HataEnvironment,
): number {
  const f = freqHz / 1e6;
  const dKm = Math.max(distanceM, 1) / 1000;
  const hb = Math.max(baseHeightM, 1);
  const hm = mobileHeightM;
  const logf = Math.log10(f);
  const aHm =
    env === 'urban-large'
      ? f >= 300
        ? 3.2 * Math.log10(11.75 * hm) ** 2 - 4.97
        : 8.29 * Math.log10(1.54 * hm) ** 2 - 1.1
      : (1.1 * logf - 0.7) * hm - (1.56 * logf - 0.8);
  const urban = 69.55 + 26.16 * logf - 13.82 * Math.log10(hb) - aHm + (44.9 - 6.55 * Math.log10(hb)) * Math.log10(dKm);
  if (env === 'suburban') return urban - 2 * Math.log10(f / 28) ** 2 - 5.4;
  if (env === 'open') return urban - 4.78 * logf ** 2 + 18.33 * logf - 40.94;
  return urban;
}

export interface LinkGeometry {
  distanceM: number;
  freqHz: number;
  /** Receiver antenna height (Hata's base station). */
  rxHeightM: number;
  /** Transmitter antenna height (Hata's mobile). */
  txHeightM: number;
}

/** Median path loss of a link under a model; never below free space. */
export function pathLossDb(model: Propagation, g: LinkGeometry): number {
  const d = Math.max(g.distanceM, 1);
  const fs = freeSpaceLossDb(d, g.freqHz);
  switch (model.model) {
    case 'free-space':
      return fs;
    case 'log-distance':
      return Math.max(fs, logDistanceLossDb(d, g.freqHz, model.exponent, model.refDistanceM));
    case 'hata':
      return Math.max(fs, hataLossDb(d, g.freqHz, g.rxHeightM, g.txHeightM, model.environment));
  }
}

/** dL/dd (dB per metre) by central differences: what the CRLB needs from any model. */
export function pathLossSlopeDbPerM(model: Propagation, g: LinkGeometry): number {
  const h = Math.max(g.distanceM, 1) * 1e-4;
  return (
    (pathLossDb(model, { ...g, distanceM: g.distanceM + h }) - pathLossDb(model, { ...g, distanceM: g.distanceM - h })) / (2 * h)
  );
}
