// Feature-extraction parameters: ONE definition used by training, evaluation and inference (the
// original used different STFT settings in training and inference). Stored with every model.
import { z } from 'zod';

export const FeatureConfigSchema = z.object({
  /** The sample rate every recording must have (Hz): mel bands are defined in Hz. */
  sampleRateHz: z.number().positive().default(12_500),
  /** Complex samples per recording the features use (the first ones); 1 s at 12.5 kHz. */
  samples: z.number().int().positive().default(12_500),
  /** FFT length (power of two): 512 gives 24.4 Hz bins at 12.5 kHz. */
  nFft: z
    .number()
    .int()
    .min(16)
    .max(65_536)
    .refine((n) => (n & (n - 1)) === 0, 'must be a power of two')
    .default(512),
  /** STFT frames; the hop is chosen so the recording yields exactly this many (no padding). */
  frames: z.number().int().min(1).default(32),
  /** Two-sided mel bands (even): half for positive, half for negative frequencies. */
  melBands: z
    .number()
    .int()
    .min(2)
    .refine((n) => n % 2 === 0, 'must be even')
    .default(128),
  /** Powers below this (dB) are clamped, so silence is finite. */
  floorDb: z.number().default(-160),
  /** A receiver "hears" the transmission when its SNR estimate reaches this (dB). */
  heardSnrDb: z.number().default(3),
});
export type FeatureConfig = z.infer<typeof FeatureConfigSchema>;

export const defaultFeatureConfig: FeatureConfig = FeatureConfigSchema.parse({});

/** Hop (samples) between frame starts so that `frames` frames of nFft fit in `samples`. */
export function hopFor(c: FeatureConfig): number {
  if (c.samples < c.nFft) throw new RangeError(`features: ${c.samples} samples cannot hold one ${c.nFft}-point frame`);
  return c.frames === 1 ? 0 : Math.floor((c.samples - c.nFft) / (c.frames - 1));
}
