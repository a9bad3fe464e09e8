// Row and input types of the training-data catalog (see migrations.ts for the tables).
// Ids are JS numbers (both backends parse int8 as a number and refuse unsafe values);
// nanosecond timestamps are bigint, stored as numeric(20,0) so they round-trip exactly.

export const SESSION_ORIGINS = ['simulated', 'imported', 'live'] as const;
export type SessionOrigin = (typeof SESSION_ORIGINS)[number];

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** A receiver as the catalog learns it; undefined/null fields never overwrite known values. */
export interface NewReceiver {
  /** Stable id (file-name safe), the same as Recording.receiver.id. */
  id: string;
  name?: string | null;
  lat?: number | null;
  lon?: number | null;
  altM?: number | null;
  url?: string | null;
  /** Tunable ranges [lowHz, highHz]. */
  bandsHz?: [number, number][] | null;
  gpsDisciplined?: boolean | null;
}

export interface ReceiverRow {
  id: string;
  name: string | null;
  lat: number | null;
  lon: number | null;
  altM: number | null;
  url: string | null;
  bandsHz: [number, number][] | null;
  gpsDisciplined: boolean | null;
  createdAt: Date;
}

export interface NewSession {
  origin: SessionOrigin;
  /** Simulator scenario name (simulated sessions), else null. */
  scenario: string | null;
  /** When the transmission happened (earliest receiver start), or when it was recorded. */
  startedAt: Date;
  centerFreqHz: number;
  /** Known transmitter position and power (simulated sessions, or a surveyed known source). */
  truthLat?: number | null;
  truthLon?: number | null;
  truthAltM?: number | null;
  truthPowerDbm?: number | null;
  /** Everything the simulator knows (heimdall:truth, heimdall:crlb, heimdall:links, seed…). */
  truth?: Record<string, unknown> | null;
  /** Where it came from (a folder, a file, a live feed), for provenance. */
  source: string;
  /** Hash over the measurements' (receiver, content hash) pairs (see sessionContentHash): re-imports are detected. */
  contentHash: string;
}

export interface NewMeasurement {
  /** The receiver that recorded it; upserted with the session. */
  receiver: NewReceiver;
  /** Time of sample 0 by the receiver's clock (ns since the Unix epoch), or null when unknown. */
  startUnixNs: bigint | null;
  timestampSigmaS: number | null;
  centerFreqHz: number;
  sampleRateHz: number;
  sampleCount: number;
  snrDb?: number | null;
  rssiDbfs?: number | null;
  rssiDbm?: number | null;
  /** Key of the raw IQ in the blob store; null for a power-only reading (format 'rss'). */
  blobKey: string | null;
  /** Storage format of the blob ('ci16_le', 'cf32_le', or 'npy-cf32' in older stores: store/iq-blob.ts), or 'rss' for a power-only reading. */
  format: string;
  /** Whether the receiver heard the transmission, when the source says so (power logs); null: not stated. */
  heard?: boolean | null;
  /** False when the receiver was not running (a power log says so); default true. */
  running?: boolean;
  /** A mobile receiver's position at the time of the measurement. */
  rxLat?: number | null;
  rxLon?: number | null;
  /** SHA-256 (hex) of the stored blob. */
  contentHash: string;
  /** Format-specific extras (Recording.meta). */
  meta?: Record<string, unknown>;
}

export interface SessionRow {
  id: number;
  origin: SessionOrigin;
  scenario: string | null;
  startedAt: Date;
  centerFreqHz: number;
  truthLat: number | null;
  truthLon: number | null;
  truthAltM: number | null;
  truthPowerDbm: number | null;
  truth: Record<string, unknown> | null;
  source: string;
  contentHash: string;
  createdAt: Date;
}

export interface MeasurementRow {
  id: number;
  sessionId: number;
  receiverId: string;
  startUnixNs: bigint | null;
  timestampSigmaS: number | null;
  centerFreqHz: number;
  sampleRateHz: number;
  sampleCount: number;
  snrDb: number | null;
  rssiDbfs: number | null;
  rssiDbm: number | null;
  /** null for a power-only reading (format 'rss'). */
  blobKey: string | null;
  format: string;
  contentHash: string;
  meta: Record<string, unknown>;
  heard: boolean | null;
  running: boolean;
  rxLat: number | null;
  rxLon: number | null;
}

export interface SessionWithMeasurements extends SessionRow {
  /** In insertion order. */
  measurements: MeasurementRow[];
}

export interface SessionFilter {
  origin?: SessionOrigin;
  scenario?: string;
}

export interface DatasetAssignment {
  sessionId: number;
  split: Split;
}

export interface DatasetRow {
  id: number;
  name: string;
  /** 1, 2, … per name. */
  version: number;
  seed: number;
  /** How the split was made (fractions, grouping…), as given to createDataset. */
  splitSpec: Record<string, unknown>;
  createdAt: Date;
  /** Sessions per split. */
  counts: Record<Split, number>;
}
