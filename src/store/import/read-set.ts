// The CPU side of importing one transmission set, with no catalog or blob store involved (so it
// runs in a worker thread): read the recordings, encode each as the blob the store keeps (int16
// when that is lossless, else float32: ../iq-blob.ts), note which source files already hold exactly
// those bytes (a SigMF dataset file, which a local store then takes in place), hash the blobs, compute the catalog's per-recording scalars — and, with a feature cache, keep
// the features those scalars came from under the blob's content key, so the first training epoch
// finds them instead of extracting them again.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { contentFeatureKey, FeatureCache } from '../../signal/features/cache.js';
import { defaultFeatureConfig, FeatureConfigSchema } from '../../signal/features/config.js';
import { fullScaleOffsetDbOf, type RecordingFeatures, recordingFeatures } from '../../signal/features/extract.js';
import { SCALAR_NAMES } from '../../signal/features/scalars.js';
import { encodeNpyIq } from '../../signal/formats/npy.js';
import { recordingSetOf } from '../../signal/formats/recording-sets.js';
import type { Recording } from '../../signal/recording.js';
import { sessionContentHash } from '../catalog/catalog.js';
import type { NewMeasurement, NewSession } from '../catalog/types.js';
import { encodeIqBlob } from '../iq-blob.js';

export const RAW_IQ_BUCKET = 'heimdall-raw-iq';

/** What a set is, as discovery found it (label and files: a worker rebuilds the set from them). */
export interface SetRef {
  label: string;
  files: string[];
}

/** A set read and encoded: its rows-to-be and its blobs (bytes[i] is measurements[i]'s blob). */
export interface ReadSet {
  session: NewSession;
  measurements: NewMeasurement[];
  bytes: Uint8Array[];
  /**
   * inPlace[i]: a source file that should hold exactly bytes[i] (a SigMF dataset of the blob's
   * datatype and size), for the store to take in place; null when the blob must be written.
   */
  inPlace: (string | null)[];
  /**
   * The session hash stores written before int16 blobs gave this content (blobs as .npy complex64),
   * so re-importing a folder into such a store is still recognised as a duplicate; null when the
   * store holds no such blobs (then it is not computed).
   */
  legacyContentHash: string | null;
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The catalog's per-recording scalars (the feature layer's own estimates), from the default
 * features over the first second at the recording's rate — the features quickstart trains on.
 */
function featuresOf(r: Recording): { features: RecordingFeatures; config: ReturnType<typeof FeatureConfigSchema.parse> } | null {
  const n = r.iq.length / 2;
  if (n < defaultFeatureConfig.nFft) return null;
  const config = FeatureConfigSchema.parse({ sampleRateHz: r.sampleRateHz, samples: Math.min(n, Math.round(r.sampleRateHz)) });
  return { features: recordingFeatures(r, config), config };
}

function scalarsOf(f: RecordingFeatures | undefined): Pick<NewMeasurement, 'snrDb' | 'rssiDbfs' | 'rssiDbm'> {
  if (f === undefined) return { snrDb: null, rssiDbfs: null, rssiDbm: null };
  const get = (name: (typeof SCALAR_NAMES)[number]) => f.scalars[SCALAR_NAMES.indexOf(name)] as number;
  return { snrDb: get('snr_db'), rssiDbfs: get('rssi_dbfs'), rssiDbm: get('rssi_dbm_known') ? get('rssi_dbm') : null };
}

function truthOf(
  extra: Record<string, unknown>,
): Pick<NewSession, 'truthLat' | 'truthLon' | 'truthAltM' | 'truthPowerDbm' | 'truth'> {
  const t = extra['heimdall:truth'] as Record<string, unknown> | undefined;
  if (t === undefined || typeof t.lat !== 'number' || typeof t.lon !== 'number') {
    return { truthLat: null, truthLon: null, truthAltM: null, truthPowerDbm: null, truth: null };
  }
  return {
    truthLat: t.lat,
    truthLon: t.lon,
    truthAltM: typeof t.heightM === 'number' ? t.heightM : null,
    truthPowerDbm: typeof t.powerDbm === 'number' ? t.powerDbm : null,
    truth: { ...t, crlb: extra['heimdall:crlb'] ?? null },
  };
}

/**
 * The SigMF dataset file behind a recording when its size is the blob's: then its bytes are the
 * blob's (same datatype, one capture from sample 0, no header or trailing bytes). A store taking it
 * in place still checks its SHA-256, so a file changed since it was read is never stored.
 */
function inPlaceSource(r: Recording, blobBytes: number): string | null {
  if (!r.source.endsWith('.sigmf-meta')) return null;
  const dataPath = `${r.source.slice(0, -'.sigmf-meta'.length)}.sigmf-data`;
  try {
    return statSync(dataPath).size === blobBytes ? dataPath : null;
  } catch {
    return null; // a non-conforming dataset (core:dataset) or gone: the bytes are written instead
  }
}

/** Reads and encodes one set; throws (naming the file) when it cannot be read. */
export function readSet(ref: SetRef, root: string, featureCacheDir?: string, legacyHash = false): ReadSet {
  const { recordings, extra } = recordingSetOf(ref.label, ref.files).load();
  if (recordings.length === 0) throw new Error('no recordings in the set');
  // A blob's SHA-256 is the measurement's content hash, and the session's is the catalog's
  // sessionContentHash of them.
  const blobs = recordings.map((r) => encodeIqBlob(r.iq));
  const bytes = blobs.map((b) => b.bytes);
  const hashes = bytes.map((b) => sha256(b));
  const sessionHash = sessionContentHash(
    recordings.map((r, i) => ({ receiverId: r.receiver.id, contentHash: hashes[i] as string })),
  );
  const legacyContentHash = legacyHash
    ? sessionContentHash(recordings.map((r) => ({ receiverId: r.receiver.id, contentHash: sha256(encodeNpyIq(r.iq)) })))
    : null;
  const folder = `${RAW_IQ_BUCKET}/sessions/${sessionHash.slice(0, 16)}`;
  const cache = featureCacheDir === undefined ? undefined : new FeatureCache(featureCacheDir);
  const measurements: NewMeasurement[] = recordings.map((r, i) => {
    const f = featuresOf(r);
    if (f !== null && cache !== undefined)
      cache.put(contentFeatureKey(hashes[i] as string, r.sampleRateHz, fullScaleOffsetDbOf(r.meta), f.config), f.features);
    return {
      receiver: {
        id: r.receiver.id,
        name: r.receiver.name ?? null,
        lat: r.receiver.lat ?? null,
        lon: r.receiver.lon ?? null,
        altM: r.receiver.altM ?? null,
        gpsDisciplined:
          typeof r.meta['heimdall:gps_disciplined'] === 'boolean' ? (r.meta['heimdall:gps_disciplined'] as boolean) : null,
      },
      startUnixNs: r.startUnixNs,
      timestampSigmaS: r.timestampSigmaS,
      centerFreqHz: r.centerFreqHz,
      sampleRateHz: r.sampleRateHz,
      sampleCount: r.iq.length / 2,
      ...scalarsOf(f?.features),
      blobKey: `${folder}/${r.receiver.id}.${(blobs[i] as (typeof blobs)[number]).extension}`,
      format: (blobs[i] as (typeof blobs)[number]).format,
      contentHash: hashes[i] as string,
      meta: { ...r.meta, source: relative(root, r.source) },
    };
  });
  const first = recordings.reduce<bigint | null>(
    (m, r) => (r.startUnixNs !== null && (m === null || r.startUnixNs < m) ? r.startUnixNs : m),
    null,
  );
  const session: NewSession = {
    origin: typeof extra['heimdall:scenario'] === 'string' ? 'simulated' : 'imported',
    scenario: typeof extra['heimdall:scenario'] === 'string' ? (extra['heimdall:scenario'] as string) : null,
    // Unknown start (no receiver clock): the Unix epoch, so it sorts first and is obviously unset.
    startedAt: first === null ? new Date(0) : new Date(Number(first / 1_000_000n)),
    centerFreqHz: recordings[0]?.centerFreqHz ?? 0,
    ...truthOf(extra),
    source: relative(root, ref.label) || '.',
    contentHash: sessionHash,
  };
  const inPlace = recordings.map((r, i) => inPlaceSource(r, (bytes[i] as Uint8Array).byteLength));
  return { session, measurements, bytes, inPlace, legacyContentHash };
}
