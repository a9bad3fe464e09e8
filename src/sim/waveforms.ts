// The simulator's transmitted waveforms (one file each under waveforms/), chosen by signal kind. Every kind is
// band-limited so that a receiver sampling at least its occupiedBandwidthHz (complex) sees nothing alias, and
// reports its exact RMS bandwidth (what the arrival-time CRLB scales with). Sources are named in each file.
import type { Rng } from '../math/rng.js';
import type { SignalKind } from './config.js';
import { Dv25Burst } from './waveforms/dv25.js';
import { ToneFm } from './waveforms/fm.js';
import { GfskBurst } from './waveforms/gfsk.js';
import { LoraBurst } from './waveforms/lora.js';
import type { Waveform } from './waveforms/types.js';

export type { Waveform } from './waveforms/types.js';

/** The scenario's `signals` section (src/sim/config.ts); fields added after the first three are optional here. */
export interface SignalOptions {
  fmDeviationHz: number;
  fskBaud: number;
  fskShiftHz: number;
  /** GFSK bandwidth-time product; default 0.5 (Bluetooth's). */
  fskBt?: number;
  /** LoRa bandwidth (Hz); default 125 kHz. */
  loraBandwidthHz?: number;
  /** LoRa spreading factors drawn from (inclusive); default [7, 9]. */
  loraSpreadingFactors?: readonly [number, number];
  /** Broadcast FM peak deviation (Hz); default 75 kHz (ITU-R BS.450). */
  wbfmDeviationHz?: number;
}

export const SIGNAL_DEFAULTS = {
  fskBt: 0.5,
  loraBandwidthHz: 125_000,
  loraSpreadingFactors: [7, 9] as const,
  wbfmDeviationHz: 75_000,
};

/** Voice audio band (Hz) and tones for 'fm'; broadcast audio band and tones for 'wbfm' (ITU-R BS.450: to 15 kHz). */
const VOICE_AUDIO_HZ: [number, number] = [300, 3000];
const VOICE_TONES = 5;
const BROADCAST_AUDIO_HZ: [number, number] = [50, 15_000];
const BROADCAST_TONES = 8;

/** A carrier, keyed on for the whole window: no modulation, no timing. */
class Carrier implements Waveform {
  readonly kind = 'cw' as const;
  readonly params = {};
  readonly rmsBandwidthHz = 0;
  readonly occupiedBandwidthHz = 0;
  render(_t0: number, _fs: number, phase: Float64Array, envelope: Float32Array): void {
    phase.fill(0);
    envelope.fill(1);
  }
}

export function makeWaveform(kind: SignalKind, rng: Rng, o: SignalOptions, windowS: number): Waveform {
  switch (kind) {
    case 'cw':
      return new Carrier();
    case 'fm':
      return new ToneFm('fm', rng, o.fmDeviationHz, VOICE_AUDIO_HZ, VOICE_TONES);
    case 'wbfm':
      return new ToneFm('wbfm', rng, o.wbfmDeviationHz ?? SIGNAL_DEFAULTS.wbfmDeviationHz, BROADCAST_AUDIO_HZ, BROADCAST_TONES);
    case 'fsk':
      return new GfskBurst(rng, o.fskBaud, o.fskShiftHz, o.fskBt ?? SIGNAL_DEFAULTS.fskBt, windowS);
    case 'lora':
      return new LoraBurst(
        rng,
        o.loraBandwidthHz ?? SIGNAL_DEFAULTS.loraBandwidthHz,
        o.loraSpreadingFactors ?? SIGNAL_DEFAULTS.loraSpreadingFactors,
        windowS,
      );
    case 'dv25':
      return new Dv25Burst(rng, windowS);
  }
}
