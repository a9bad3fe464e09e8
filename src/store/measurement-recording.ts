// A catalogued measurement back as a Recording: its IQ from the blob store (checked against the
// stored content hash) and what the catalog kept of its metadata. The loader and the evaluation's
// references read recordings through this one function. The blob's form (int16, float32 or an
// older store's .npy) comes from the row's format (iq-blob.ts).
import type { Recording } from '../signal/recording.js';
import type { BlobStore } from './blobs/blob-store.js';
import type { MeasurementRow } from './catalog/types.js';
import { decodeIqBlob, iqBlobFormatOf } from './iq-blob.js';

export async function measurementRecording(blobs: BlobStore, sessionId: number, m: MeasurementRow): Promise<Recording> {
  if (m.blobKey === null)
    throw new Error(`session ${sessionId}/${m.receiverId}: a power-only reading (format ${m.format}) has no IQ to read`);
  const bytes = await blobs.get(m.blobKey, m.contentHash);
  return {
    iq: decodeIqBlob(bytes, iqBlobFormatOf(m.format, m.blobKey), `${blobs.location}/${m.blobKey}`),
    sampleRateHz: m.sampleRateHz,
    centerFreqHz: m.centerFreqHz,
    startUnixNs: m.startUnixNs,
    timestampSigmaS: m.timestampSigmaS,
    // The position bounds the time differences searched (src/signal/timing/measure.ts).
    receiver: {
      id: m.receiverId,
      ...(m.rxLat !== null && m.rxLon !== null ? { lat: m.rxLat, lon: m.rxLon } : {}),
    },
    source: `session ${sessionId}/${m.receiverId}`,
    meta: m.meta,
  };
}
