// Complex int16 IQ, as SDRs deliver it (RTL-SDR after its 8-bit ADC is widened, KiwiSDR, most
// USB front ends): one integer per I and Q, read back as v / 32768 (sigmf-python's autoscale, and
// what every reader in signal/ does), so float full scale is ±1.
//
// Two conversions live here:
// - quantizeIqInt16: float IQ → int16 with a digital gain chosen like an SDR's AGC, so the strongest
//   component sits at `peakDbfs` (default −6 dBFS: 6 dB of headroom, no clipping). The gain moves
//   the recording's levels by gainDb; a writer keeps calibrated power by lowering its
//   `heimdall:full_scale_dbm` by the same gainDb (rssi_dbm = rssi_dbfs + full_scale_dbm − calibration).
// - int16Exact: float IQ that already is int16 / 32768 (read from an int16, int8 or uint8 file)
//   back to its integers, losslessly, or null when some sample is not such a value.
//
// What int16 costs: rounding adds independent error of variance LSB²/12 per component
// (Widrow & Kollár, "Quantization Noise", Cambridge University Press 2008, ch. 4, the PQN model),
// i.e. a floor at 10·log10(2 · (2^-15)² / 12) = −98.1 dBFS for the complex sample. With the peak at
// −6 dBFS that floor is ~90 dB below the peak; the SNR loss it causes is 10·log10(1 + Q/N), Q the
// floor and N the receiver noise in the same units (measured in test/signal/iq-int16.test.ts and
// docs/SIMULATOR.md).

export const INT16_FULL_SCALE = 32768;
/** Default AGC target: the largest |I| or |Q| at −6 dBFS (half of int16 full scale). */
export const DEFAULT_PEAK_DBFS = -6;

export interface Int16Iq {
  /** Interleaved I, Q, I, Q … */
  samples: Int16Array;
  /** Digital gain applied before rounding (dB): float value × 10^(gainDb/20) × 32768 → integer. */
  gainDb: number;
}

/**
 * Float IQ (full-scale units) → int16 with an AGC-like gain putting the largest |I| or |Q| at
 * `peakDbfs` or just below it. The gain is rounded down to 0.01 dB so metadata stays readable and
 * the peak never exceeds the target. An all-zero recording keeps gain 0 dB.
 */
export function quantizeIqInt16(iq: Float32Array, o: { peakDbfs?: number } = {}): Int16Iq {
  const peakDbfs = o.peakDbfs ?? DEFAULT_PEAK_DBFS;
  if (!Number.isFinite(peakDbfs) || peakDbfs > 0)
    throw new RangeError(`quantizeIqInt16: peakDbfs must be a finite number ≤ 0 dBFS, got ${peakDbfs}`);
  let peak = 0;
  for (let i = 0; i < iq.length; i++) {
    const v = Math.abs(iq[i] as number);
    if (!Number.isFinite(v)) throw new RangeError(`quantizeIqInt16: iq[${i}] is ${iq[i]}; samples must be finite`);
    if (v > peak) peak = v;
  }
  const gainDb = peak === 0 ? 0 : Math.floor((peakDbfs - 20 * Math.log10(peak)) * 100) / 100;
  const scale = 10 ** (gainDb / 20) * INT16_FULL_SCALE;
  const samples = new Int16Array(iq.length);
  for (let i = 0; i < iq.length; i++) {
    // The clamp only matters for a peakDbfs of 0: +1.0 full scale has no int16 (the top is 32767).
    samples[i] = Math.max(-32768, Math.min(32767, Math.round((iq[i] as number) * scale)));
  }
  return { samples, gainDb };
}

/** int16 IQ → float full-scale units (v / 32768, exact in float32). */
export function int16ToFloatIq(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = (samples[i] as number) / INT16_FULL_SCALE;
  return out;
}

/**
 * The integers behind float IQ that is exactly int16 / 32768 (as read from an int16, int8 or uint8
 * recording), or null as soon as one sample is not: storing those as int16 loses nothing.
 */
export function int16Exact(iq: Float32Array): Int16Array | null {
  const out = new Int16Array(iq.length);
  for (let i = 0; i < iq.length; i++) {
    const v = (iq[i] as number) * INT16_FULL_SCALE; // exact: a power-of-two scaling
    if (!Number.isInteger(v) || v < -32768 || v > 32767) return null;
    out[i] = v;
  }
  return out;
}
