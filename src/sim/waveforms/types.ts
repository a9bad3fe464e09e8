// What every simulated transmitted waveform offers: phase and envelope as functions of time, evaluated at each
// receiver's own, exactly delayed, sampling instants (no resampling, exact fractional delays). Time 0 is the
// nominal start of the recording window.
import type { SignalKind } from '../config.js';

export interface Waveform {
  readonly kind: SignalKind;
  /** What was drawn for this transmission (recorded with the truth). */
  readonly params: Record<string, number | string>;
  /**
   * RMS bandwidth about the mean frequency (Hz) while the signal is on: what the accuracy of an
   * arrival-time estimate scales with (0 for a pure carrier: it carries no timing).
   */
  readonly rmsBandwidthHz: number;
  /**
   * Bandwidth holding ~99 % of the power (Hz, two-sided, Carson's rule for FM): a receiver must sample at least
   * this fast (complex) for the signal not to alias.
   */
  readonly occupiedBandwidthHz: number;
  /**
   * Writes phase (rad) and envelope at t0 + k/fs for k < phase.length. The envelope is 0 while the signal is off
   * and has mean square 1 while it is on (it exceeds 1 at the peaks of a linear modulation), so the link budget's
   * amplitude sets the signal power whatever the kind.
   */
  render(t0: number, fs: number, phase: Float64Array, envelope: Float32Array): void;
}
