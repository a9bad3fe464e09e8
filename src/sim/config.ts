// The simulator's configuration: one zod schema per concern, types derived from them.
// Every default is visible here, with the reason for its value.
import { z } from 'zod';
import { PropagationSchema } from '../rf/propagation.js';
import { NLOS_MODELS } from './nlos.js';
import { TDL_PROFILES } from './tdl.js';

const latitude = z.number().finite().min(-90, 'must be within [-90, 90]').max(90, 'must be within [-90, 90]');
const longitude = z.number().finite().min(-180, 'must be within [-180, 180]').max(180, 'must be within [-180, 180]');

export const ReceiverSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, ".", "_" or "-" (it names files)'),
  name: z.string().min(1),
  lat: latitude,
  lon: longitude,
  /** Ground altitude above sea level (m) at the receiver site. */
  altitudeM: z.number().finite().min(-500).max(9000).default(0),
  /**
   * Antenna height above ground (m). Without a terrain model the transmitter stands at sea level,
   * so the receiver's effective height (Hata's base height, the 3-D distance) is altitude + mast.
   */
  antennaHeightM: z.number().finite().min(0).max(1000).default(10),
  antennaGainDbi: z.number().finite().min(-20).max(30).default(0),
  /** Up to 60 dB: at LF/MF, external (atmospheric) noise dominates and is modelled as a large noise figure. */
  noiseFigureDb: z.number().finite().min(0).max(60).default(6),
  /** WebSDR delivers 12.5 kHz complex IQ; KiwiSDR about 12 kHz. */
  sampleRateHz: z.number().finite().positive('must be > 0').max(10e6).default(12_500),
  /** GPS-disciplined clocks stamp recordings to ~1 µs; others to tens of ms (NTP over the internet). */
  gpsDisciplined: z.boolean().default(false),
  /** Known gain error of the receive chain (dB), reported with the recording so RSSI can be corrected. */
  calibrationOffsetDb: z.number().finite().default(0),
  /** Input power (dBm) that drives the ADC to full scale (0 dBFS). */
  fullScaleDbm: z.number().finite().default(-30),
  /** Tunable bands [lowHz, highHz]; informative. */
  bandsHz: z.array(z.tuple([z.number().positive(), z.number().positive()])).default([]),
  url: z.string().optional(),
});
export type Receiver = z.infer<typeof ReceiverSchema>;
export type ReceiverInput = z.input<typeof ReceiverSchema>;

export const NetworkSchema = z
  .object({
    name: z.string().min(1),
    receivers: z.array(ReceiverSchema).min(1, 'a network needs at least one receiver'),
  })
  .superRefine((n, ctx) => {
    const seen = new Set<string>();
    n.receivers.forEach((r, i) => {
      if (seen.has(r.id))
        ctx.addIssue({ code: 'custom', path: ['receivers', i, 'id'], message: `duplicate receiver id '${r.id}'` });
      seen.add(r.id);
    });
  });
export type Network = z.infer<typeof NetworkSchema>;
export type NetworkInput = z.input<typeof NetworkSchema>;

export const RegionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bbox'), south: latitude, west: longitude, north: latitude, east: longitude }),
  z.object({ kind: z.literal('polygon'), points: z.array(z.object({ lat: latitude, lon: longitude })).min(3) }),
]);
export type Region = z.infer<typeof RegionSchema>;

/**
 * Transmitted waveforms (src/sim/waveforms/): 'fm' voice FM, 'cw' carrier, 'fsk' GFSK burst — narrowband, for
 * 12 kS/s receivers; 'wbfm' broadcast FM (180 kHz), 'lora' chirp spread spectrum (125 kHz), 'dv25' TETRA-like
 * π/4-DQPSK (24.3 kHz) — wideband, for receivers sampling at least that fast.
 */
export const SignalKindSchema = z.enum(['fm', 'cw', 'fsk', 'wbfm', 'lora', 'dv25']);
export type SignalKind = z.infer<typeof SignalKindSchema>;

/** The wideband channel of a scenario (see ScenarioSchema.channel). */
export const ChannelSchema = z.object({
  /**
   * TDL profile (TR 38.901 §7.7.2) of the line-of-sight links (of every link when `nlos.model` is
   * 'none'); 'none' keeps them one path with the flat `fading` above. TDL-D/E are the LOS profiles.
   */
  multipath: z.enum(['none', ...TDL_PROFILES]).default('none'),
  /** RMS delay spread (s) the LOS profile is scaled to (§7.7.3: 10 ns very short … 1000 ns very long). */
  delaySpreadS: z.number().finite().min(0).max(10e-6, 'must be <= 10 µs').default(100e-9),
  nlos: z
    .object({
      /** LOS probability (Table 7.4.2-1) and NLOS excess delay (§7.6.9) model; 'none' = every link LOS. */
      model: z.enum(['none', ...NLOS_MODELS]).default('none'),
      /** TDL profile of NLOS links (an NLOS one: TDL-A/B/C). */
      profile: z.enum(['tdl-a', 'tdl-b', 'tdl-c']).default('tdl-c'),
      /** RMS delay spread (s) of NLOS links: 363 ns is UMa NLOS's median lgDS below 6 GHz (Table 7.5-6). */
      delaySpreadS: z.number().finite().min(0).max(10e-6, 'must be <= 10 µs').default(363e-9),
      /** Extra loss (dB) of a NLOS link on top of the scenario's path-loss model; 0 = the model's median. */
      extraLossDb: z.number().finite().min(0).max(60).default(0),
    })
    .default({}),
});
export type ChannelConfig = z.infer<typeof ChannelSchema>;

export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    network: NetworkSchema,
    region: RegionSchema,
    frequencyHz: z.number().finite().positive('must be > 0'),
    /** Transmitter power range (dBm, EIRP); unknown to the model, a nuisance parameter of the CRLB. */
    txPowerDbm: z.tuple([z.number().finite(), z.number().finite()]),
    /** Transmitter antenna height above ground (m); Hata's "mobile" height. */
    txHeightM: z.number().finite().min(0.5).max(200).default(1.5),
    propagation: PropagationSchema,
    shadowing: z
      .object({
        /** Log-normal shadowing σ (dB); 4–8 dB is typical. */
        sigmaDb: z.number().min(0).max(20).default(6),
        /** Distance (m) at which the shadowing correlation falls to 1/e (Gudmundson's model). */
        decorrelationM: z.number().positive().default(500),
      })
      .default({}),
    fading: z
      .object({
        model: z.enum(['none', 'rayleigh', 'rician']).default('rician'),
        /** Rician K factor (dB): power of the line-of-sight path over the scattered ones. */
        kFactorDb: z.number().min(-20).max(40).default(6),
        /** Maximum Doppler shift (Hz): 1 Hz ≈ walking speed at 145 MHz. */
        dopplerHz: z.number().min(0).max(500).default(1),
      })
      .default({}),
    /** σ (dB) of the unknown per-receiver calibration error on top of the known offset. */
    calibrationSigmaDb: z.number().min(0).max(20).default(1),
    /** Probability that a receiver is offline for a given transmission. */
    offlineProbability: z.number().min(0).max(0.99).default(0.05),
    /** Oscillator errors (ppm, 1σ): carrier frequency offset = (tx + rx error) × frequency. */
    oscillatorPpm: z.object({ tx: z.number().min(0).default(2), rx: z.number().min(0).default(0.5) }).default({}),
    timing: z
      .object({
        /** Timestamp error σ (s) of a GPS-disciplined receiver. */
        gpsJitterS: z.number().min(0).default(1e-6),
        /** Timestamp error σ (s) of an NTP-synchronized receiver. */
        coarseSigmaS: z.number().min(0).default(0.02),
        /** Receivers start recording within this window (s) of each other. */
        startSpreadS: z.number().min(0).default(0.02),
      })
      .default({}),
    signals: z
      .object({
        kinds: z.array(SignalKindSchema).min(1).default(['fm', 'cw', 'fsk']),
        /** Peak FM deviation (Hz): 2.5 kHz for 12.5 kHz narrowband FM. */
        fmDeviationHz: z.number().positive().default(2500),
        fskBaud: z.number().positive().default(1200),
        fskShiftHz: z.number().positive().default(1000),
        /** GFSK bandwidth-time product of the Gaussian filter: 0.5 as Bluetooth (0.3 is GSM's GMSK). */
        fskBt: z.number().min(0.1).max(10).default(0.5),
        /** LoRa bandwidth (Hz): 125 kHz is the common LoRaWAN channel (250 and 500 kHz exist). */
        loraBandwidthHz: z.number().positive().default(125_000),
        /** LoRa spreading factors [min, max] each transmission draws from (6–12 exist; 7–9 are common). */
        loraSpreadingFactors: z
          .tuple([z.number().int().min(6).max(12), z.number().int().min(6).max(12)])
          .refine(([lo, hi]) => lo <= hi, 'must be [min, max] with min <= max')
          .default([7, 9]),
        /** Broadcast FM peak deviation (Hz): 75 kHz (ITU-R BS.450). */
        wbfmDeviationHz: z.number().positive().default(75_000),
      })
      .default({}),
    /**
     * Wideband channel (channel.ts): tapped-delay-line multipath and NLOS links, from 3GPP TR 38.901.
     * Off by default: every link is then one path with the flat fading above.
     */
    channel: ChannelSchema.default({}),
    /** Recording length (s). */
    durationS: z.number().positive('must be > 0').max(60).default(1),
    /** A receiver "hears" the transmission when its link SNR reaches this (dB). */
    detectionSnrDb: z.number().default(0),
  })
  .superRefine((s, ctx) => {
    if (s.txPowerDbm[0] > s.txPowerDbm[1]) {
      ctx.addIssue({
        code: 'custom',
        path: ['txPowerDbm'],
        message: `must be [min, max] with min <= max, got [${s.txPowerDbm.join(', ')}]`,
      });
    }
    if (s.propagation.model === 'hata' && (s.frequencyHz < 150e6 || s.frequencyHz > 1500e6)) {
      ctx.addIssue({
        code: 'custom',
        path: ['frequencyHz'],
        message: `Okumura–Hata is valid for 150–1500 MHz, got ${(s.frequencyHz / 1e6).toFixed(3)} MHz (use log-distance or free-space)`,
      });
    }
    if (s.region.kind === 'bbox' && (s.region.south >= s.region.north || s.region.west >= s.region.east)) {
      ctx.addIssue({ code: 'custom', path: ['region'], message: 'bbox needs south < north and west < east' });
    }
  });
export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;

/** A configuration error that names each offending field (path) and what was wrong. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`${source}: invalid configuration\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`);
}

/** Parses with a schema, throwing ConfigError naming the source and the fields. */
export function parseConfig<S extends z.ZodTypeAny>(schema: S, value: unknown, source: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ConfigError(source, formatIssues(r.error));
  return r.data;
}
