// A catalogued measurement back as a Recording: its IQ from the blob store (checked against the
// stored content hash) and what the catalog kept of its metadata. The loader and the evaluation's
// references read recordings through this one function.
import { decodeNpyIq } from '../signal/formats/npy.js';
import type { Recording } from '../signal/recording.js';
import type { BlobStore } from './blobs/blob-store.js';
import type { MeasurementRow } from './catalog/types.js';

export async function measurementRecording(blobs: BlobStore, sessionId: number, m: MeasurementRow): Promise<Recording> {
  if (m.blobKey === null)
    throw new Error(`session ${sessionId}/${m.receiverId}: a power-only reading (format ${m.format}) has no IQ to read`);
  const bytes = await blobs.get(m.blobKey, m.contentHash);
  return {
    iq: decodeNpyIq(bytes, `${blobs.location}/${m.blobKey}`),
    sampleRateHz: m.sampleRateHz,
    centerFreqHz: m.centerFreqHz,
    startUnixNs: m.startUnixNs,
    timestampSigmaS: m.timestampSigmaS,
    receiver: { id: m.receiverId },
    source: `session ${sessionId}/${m.receiverId}`,
    meta: m.meta,
  };
}
