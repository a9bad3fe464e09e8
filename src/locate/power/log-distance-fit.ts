// The log-distance law with a fitted exponent and per-receiver offsets, learned from labelled
// transmissions: reported powerᵢⱼ = cⱼ + oᵢ − n·(xᵢⱼ − x̄) + w, xᵢⱼ = 10·log10(dᵢⱼ), w ~ N(0, σ²).
// cⱼ is each transmission's own level (transmit power: unknown and changing); oᵢ each device's
// offset (uncalibrated receivers), centred to mean 0 over the receivers (only differences between
// devices are identifiable next to cⱼ); n the exponent. Joint least squares over the heard readings,
// solved by exact block updates (c, o, n in turn) — a convex quadratic, so this converges to the
// joint optimum; x is centred (x̄) so c and n are nearly uncorrelated and it converges quickly.
// Not-heard readings are left out of the fit (censoring biases n slightly low: stated here, and
// the same for every method that uses the fit).
import { distance3dM } from '../observations.js';
import type { RssModel } from '../types.js';
import { type PowerSample, truthsOf } from './samples.js';

export interface LogDistanceFit {
  exponent: number;
  /** Each device's offset (dB, mean 0 over the fitted receivers): subtract it from its reports. */
  offsetsDb: Record<string, number>;
  /** Residual σ (dB) of one reading: shadowing ⊕ fast fading ⊕ what the law misses. */
  sigmaDb: number;
  /** Range of the fitted transmission levels P₀ (dBm at 1 m, offsets removed). */
  txPowerDbm: [number, number];
  readings: number;
  transmissions: number;
  /** Transmitter antenna height assumed for the 3-D distance (m). */
  txHeightM: number;
}

export interface LogDistanceFitOptions {
  txHeightM?: number;
  iterations?: number;
}

const LOG10_DB = (d: number) => 10 * Math.log10(d);

export function fitLogDistance(train: readonly PowerSample[], o: LogDistanceFitOptions = {}): LogDistanceFit {
  const txHeightM = o.txHeightM ?? 1.5;
  const truths = truthsOf(train, 'fitLogDistance');
  // Transmissions heard by at least two receivers: one reading alone only fits its own level.
  const rows: { j: number; i: number; p: number; x: number }[] = [];
  const receiverIndex = new Map<string, number>();
  let j = 0;
  train.forEach((s, k) => {
    const heard = s.readings.filter((r) => r.rssDbm !== null);
    if (heard.length < 2) return;
    const t = truths[k] as { east: number; north: number };
    for (const r of heard) {
      if (!receiverIndex.has(r.id)) receiverIndex.set(r.id, receiverIndex.size);
      rows.push({
        j,
        i: receiverIndex.get(r.id) as number,
        p: r.rssDbm as number,
        x: LOG10_DB(distance3dM(t.east, t.north, txHeightM, r)),
      });
    }
    j++;
  });
  const J = j;
  const R = receiverIndex.size;
  if (J < 3 || rows.length < J + R + 2)
    throw new RangeError(
      `fitLogDistance: ${J} transmissions heard by two or more receivers (${rows.length} readings) cannot fit ${R} offsets, the exponent and each transmission's level`,
    );
  const xBar = rows.reduce((a, r) => a + r.x, 0) / rows.length;
  const c = new Float64Array(J);
  const off = new Float64Array(R);
  let n = 3;
  const sumC = new Float64Array(J);
  const cntC = new Float64Array(J);
  const sumO = new Float64Array(R);
  const cntO = new Float64Array(R);
  for (const r of rows) {
    cntC[r.j] = (cntC[r.j] as number) + 1;
    cntO[r.i] = (cntO[r.i] as number) + 1;
  }
  const iterations = o.iterations ?? 500;
  for (let it = 0; it < iterations; it++) {
    sumC.fill(0);
    for (const r of rows) sumC[r.j] = (sumC[r.j] as number) + r.p - (off[r.i] as number) + n * (r.x - xBar);
    for (let k = 0; k < J; k++) c[k] = (sumC[k] as number) / (cntC[k] as number);
    sumO.fill(0);
    for (const r of rows) sumO[r.i] = (sumO[r.i] as number) + r.p - (c[r.j] as number) + n * (r.x - xBar);
    let mean = 0;
    for (let k = 0; k < R; k++) {
      off[k] = (sumO[k] as number) / (cntO[k] as number);
      mean += (off[k] as number) / R;
    }
    for (let k = 0; k < R; k++) off[k] = (off[k] as number) - mean;
    for (let k = 0; k < J; k++) c[k] = (c[k] as number) + mean;
    let num = 0;
    let den = 0;
    for (const r of rows) {
      const u = r.x - xBar;
      num += (r.p - (c[r.j] as number) - (off[r.i] as number)) * u;
      den += u * u;
    }
    const next = den > 0 ? -num / den : n;
    if (Math.abs(next - n) < 1e-10 && it > 10) {
      n = next;
      break;
    }
    n = next;
  }
  let ssr = 0;
  for (const r of rows) ssr += (r.p - (c[r.j] as number) - (off[r.i] as number) + n * (r.x - xBar)) ** 2;
  const dof = Math.max(1, rows.length - J - R);
  const levels = Array.from(c, (v) => v + n * xBar);
  return {
    exponent: n,
    offsetsDb: Object.fromEntries([...receiverIndex].map(([id, k]) => [id, off[k] as number])),
    sigmaDb: Math.sqrt(ssr / dof),
    txPowerDbm: [Math.min(...levels), Math.max(...levels)],
    readings: rows.length,
    transmissions: J,
    txHeightM,
  };
}

/** The fit as the RSS estimators' model: L(d) = 10·n·log10(d) (the level P₀ is profiled per transmission). */
export function fittedRssModel(fit: LogDistanceFit): RssModel {
  return {
    lossDb: (d: number) => fit.exponent * LOG10_DB(Math.max(d, 1)),
    txHeightM: fit.txHeightM,
    sigmaDb: fit.sigmaDb,
    txPowerDbm: fit.txPowerDbm,
    description: `log-distance n = ${fit.exponent.toFixed(2)} fitted with per-receiver offsets, σ = ${fit.sigmaDb.toFixed(1)} dB`,
  };
}
