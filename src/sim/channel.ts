// One link's wideband channel: its LOS state, NLOS excess delay and tapped delay line, drawn from the
// scenario's `channel` section (TR 38.901 models: tdl.ts, nlos.ts). The taps fade independently
// (Rayleigh; the first tap of a LOS profile Rician with the table's K) at the scenario's Doppler.
import type { Rng } from '../math/rng.js';
import type { ChannelConfig } from './config.js';
import { FadingProcess, SummedFading } from './fading.js';
import type { SynthesisPath } from './iq-synth.js';
import { drawExcessDelayS, losProbability } from './nlos.js';
import { type TdlProfileName, type TdlTap, tdlTaps } from './tdl.js';

export interface LinkChannel {
  los: boolean;
  /** Delay (s) of the first arriving path over the direct path d_3D/c: 0 on LOS links. */
  excessDelayS: number;
  /** The TDL used, or 'none' for one flat-fading path. */
  profile: 'none' | TdlProfileName;
  /** RMS delay spread (s) the profile was scaled to (0 for 'none'). */
  delaySpreadS: number;
  /** Loss (dB) added to the scenario's path loss. */
  extraLossDb: number;
  taps: TdlTap[];
}

/** Whether the channel section changes anything (multipath or NLOS on). */
export function channelActive(c: ChannelConfig): boolean {
  return c.multipath !== 'none' || c.nlos.model !== 'none';
}

/** Draws a link's channel; `rng` is the link's own channel stream, so the other draws of a sample are unchanged. */
export function drawLinkChannel(c: ChannelConfig, distance2dM: number, rng: Rng): LinkChannel {
  const model = c.nlos.model;
  const los = model === 'none' || rng.uniform() < losProbability(model, distance2dM);
  if (los) {
    const profile = c.multipath;
    const delaySpreadS = profile === 'none' ? 0 : c.delaySpreadS;
    return {
      los: true,
      excessDelayS: 0,
      profile,
      delaySpreadS,
      extraLossDb: 0,
      taps: profile === 'none' ? [] : tdlTaps(profile, delaySpreadS),
    };
  }
  return {
    los: false,
    excessDelayS: drawExcessDelayS(model, rng),
    profile: c.nlos.profile,
    delaySpreadS: c.nlos.delaySpreadS,
    extraLossDb: c.nlos.extraLossDb,
    taps: tdlTaps(c.nlos.profile, c.nlos.delaySpreadS),
  };
}

/**
 * The waveform error of rendering a tap δ seconds away from its true delay is ≈ 2π·β·δ of its amplitude
 * (β the RMS bandwidth): taps closer than MERGE_PHASE_ERROR/(2π·β) are rendered as one path (−40 dB).
 */
export const MERGE_PHASE_ERROR = 0.01;

/** The delay tolerance (s) under which taps of a waveform with RMS bandwidth β are rendered together. */
export function mergeToleranceS(rmsBandwidthHz: number): number {
  return rmsBandwidthHz > 0 ? MERGE_PHASE_ERROR / (2 * Math.PI * rmsBandwidthHz) : Number.POSITIVE_INFINITY;
}

/**
 * The synthesis paths of a link with taps: tap k arrives at directDelayS + excessDelayS + τₖ with
 * amplitude √pₖ·amplitude and its own fading process. Taps within `toleranceS` of a group's first tap
 * are rendered once, at the group's power-weighted delay, with the sum of their gains (each tap keeps
 * its own fading, so only the waveform's delay is approximated; 0 = every tap exact). Null when the
 * link is one flat path.
 */
export function linkPaths(
  ch: LinkChannel,
  directDelayS: number,
  amplitude: number,
  dopplerHz: number,
  rng: Rng,
  toleranceS = 0,
): SynthesisPath[] | null {
  if (ch.taps.length === 0) return null;
  // Every tap draws its fading first, in table order, so the draws do not depend on the grouping.
  const taps = ch.taps.map((t) => ({
    delayS: directDelayS + ch.excessDelayS + t.delayS,
    power: t.power,
    fading:
      t.kFactor > 0
        ? new FadingProcess(rng, 'rician', 10 * Math.log10(t.kFactor), dopplerHz)
        : new FadingProcess(rng, 'rayleigh', 0, dopplerHz),
  }));
  const sorted = [...taps].sort((a, b) => a.delayS - b.delayS);
  const paths: SynthesisPath[] = [];
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i] as (typeof sorted)[number];
    let j = i + 1;
    while (j < sorted.length && (sorted[j] as (typeof sorted)[number]).delayS - first.delayS <= toleranceS) j++;
    const group = sorted.slice(i, j);
    if (group.length === 1) {
      paths.push({ delayS: first.delayS, amplitude: amplitude * Math.sqrt(first.power), fading: first.fading });
    } else {
      const power = group.reduce((a, t) => a + t.power, 0);
      paths.push({
        delayS: group.reduce((a, t) => a + t.power * t.delayS, 0) / power,
        amplitude,
        fading: new SummedFading(group.map((t) => ({ weight: Math.sqrt(t.power), fading: t.fading }))),
      });
    }
    i = j;
  }
  return paths;
}
