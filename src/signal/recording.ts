// One receiver's recording in memory: what every format reader produces and what feature
// extraction consumes. Only what a real receiver can know is here; truth lives elsewhere.

export interface ReceiverInfo {
  /** Stable id (file-name safe); matches the receiver network's ids. */
  id: string;
  name?: string;
  lat?: number;
  lon?: number;
  altM?: number;
}

export interface Recording {
  /** Interleaved I, Q, I, Q … as float32, in full-scale units (int16 / 32768, uint8 centred, …). */
  iq: Float32Array;
  /** Nominal (or fitted) sample rate (Hz). */
  sampleRateHz: number;
  centerFreqHz: number;
  /** Time of sample 0 by the receiver's clock (ns since the Unix epoch), or null when unknown. */
  startUnixNs: bigint | null;
  /** 1σ error of that timestamp (s): ~1e-6 for GPS-disciplined clocks; null when unknown. */
  timestampSigmaS: number | null;
  receiver: ReceiverInfo;
  /** Where it came from (file path), for error messages and provenance. */
  source: string;
  /** Format-specific extras (e.g. heimdall:* SigMF fields, KiwiSDR time-base fit). */
  meta: Record<string, unknown>;
}

/** What a recording file says about itself without its samples: enough to group files into transmissions. */
export interface RecordingProbe {
  path: string;
  receiverId: string;
  centerFreqHz: number;
  /** Time of sample 0 by the receiver's clock (ns since the Unix epoch), or null when the file does not say. */
  startUnixNs: bigint | null;
  /** Duration (s) from the sample count the file's size implies and its sample rate. */
  durationS: number;
  /** KiwiSDR WAVs: the file name's `<YYYYMMDDTHHMMSSZ>_<freq Hz>` prefix, which recordings of one moment share. */
  nameKey?: string;
}

/** Number of complex samples. */
export function sampleCount(r: Recording): number {
  return r.iq.length / 2;
}

/** An input problem: names the file (or record) and says what is wrong. */
export class RecordingError extends Error {
  constructor(
    readonly source: string,
    problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = 'RecordingError';
  }
}

/** Refuses NaN/Inf samples, naming the first bad complex sample. */
export function assertFiniteIq(iq: Float32Array, source: string): void {
  for (let i = 0; i < iq.length; i++) {
    if (!Number.isFinite(iq[i] as number)) {
      throw new RecordingError(
        source,
        `sample ${Math.floor(i / 2)} (${i % 2 === 0 ? 'I' : 'Q'}) is ${iq[i]}; NaN/Inf samples are not accepted`,
      );
    }
  }
}
