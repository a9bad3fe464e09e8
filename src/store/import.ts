// `heimdall import`: registers recordings in the catalog and stores their IQ in the blob store.
//
// Transmission sets are found by signal/formats/recording-sets.ts (a SigMF collection, or loose
// recordings grouped by time: the same grouping predict and inspect use). Each set becomes one session:
// its IQ goes to heimdall-raw-iq/sessions/<session hash>/<receiver>.npy (content-addressed, so
// blobs are written before the catalog row without ever orphaning a reference), then the session
// and its measurements are inserted in ONE transaction. Re-importing the same content is a no-op
// (session content hash); a corrupt file or collection, or an ambiguous group, is reported by name and
// skipped, the rest imported.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defaultFeatureConfig, FeatureConfigSchema } from '../signal/features/config.js';
import { recordingFeatures } from '../signal/features/extract.js';
import { SCALAR_NAMES } from '../signal/features/scalars.js';
import { encodeNpyIq } from '../signal/formats/npy.js';
import { discoverRecordingSets, type RecordingSet } from '../signal/formats/recording-sets.js';
import type { Recording } from '../signal/recording.js';
import type { BlobStore } from './blobs/blob-store.js';
import { type Catalog, sessionContentHash } from './catalog/catalog.js';
import type { NewMeasurement, NewSession } from './catalog/types.js';

export const RAW_IQ_BUCKET = 'heimdall-raw-iq';

export interface ImportReport {
  imported: number;
  /** Sets whose content is already in the catalog. */
  duplicates: number;
  /** Files, collections and sets that were skipped, with the reason. */
  failed: { path: string; error: string }[];
  /** Groupings that may not be what was meant (see recording-sets.ts), naming the files. */
  warnings: string[];
  /** The sessions imported now. */
  sessionIds: number[];
  /** Every set of the folder that is in the catalog now (imported or a duplicate), in listing order. */
  sets: { path: string; sessionId: number }[];
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The catalog's per-recording scalars: the feature layer's own estimates. */
function scalarsOf(r: Recording): { snrDb: number | null; rssiDbfs: number | null; rssiDbm: number | null } {
  const n = r.iq.length / 2;
  if (n < defaultFeatureConfig.nFft) return { snrDb: null, rssiDbfs: null, rssiDbm: null };
  const c = FeatureConfigSchema.parse({ sampleRateHz: r.sampleRateHz, samples: Math.min(n, Math.round(r.sampleRateHz)) });
  const s = recordingFeatures(r, c).scalars;
  const get = (name: (typeof SCALAR_NAMES)[number]) => s[SCALAR_NAMES.indexOf(name)] as number;
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

/** Imports one set; returns its session id, and whether its content was already catalogued. */
async function importSet(
  set: RecordingSet,
  root: string,
  catalog: Catalog,
  blobs: BlobStore,
): Promise<{ sessionId: number; duplicate: boolean }> {
  const { recordings, extra } = set.load();
  if (recordings.length === 0) throw new Error('no recordings in the set');
  // Blobs are the .npy encoding of the IQ (the original project's format); their SHA-256 is the
  // measurement's content hash, and the session's is the catalog's sessionContentHash of them.
  const blobsBytes = recordings.map((r) => encodeNpyIq(r.iq));
  const hashes = blobsBytes.map((b) => sha256(b));
  const sessionHash = sessionContentHash(
    recordings.map((r, i) => ({ receiverId: r.receiver.id, contentHash: hashes[i] as string })),
  );
  const existing = await catalog.findSessionByHash(sessionHash);
  if (existing !== null) return { sessionId: existing.id, duplicate: true };
  const folder = `${RAW_IQ_BUCKET}/sessions/${sessionHash.slice(0, 16)}`;
  const measurements: NewMeasurement[] = [];
  for (const [i, r] of recordings.entries()) {
    const put = await blobs.put(`${folder}/${r.receiver.id}.npy`, blobsBytes[i] as Uint8Array);
    measurements.push({
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
      ...scalarsOf(r),
      blobKey: put.key,
      format: 'npy-cf32',
      contentHash: put.sha256,
      meta: { ...r.meta, source: relative(root, r.source) },
    });
  }
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
    source: relative(root, set.label) || '.',
    contentHash: sessionHash,
  };
  const { sessionId } = await catalog.insertSession(session, measurements);
  return { sessionId, duplicate: false };
}

export interface ImportOptions {
  catalog: Catalog;
  blobs: BlobStore;
  onProgress?: (done: number, total: number, path: string) => void;
}

/** Imports every transmission under `dir` (recursively); sources are recorded relative to it. */
export async function importDirectory(dir: string, o: ImportOptions): Promise<ImportReport> {
  if (!statSync(dir).isDirectory()) throw new Error(`import: ${dir} is not a folder`);
  const found = discoverRecordingSets([dir]);
  const sets = found.sets;
  const report: ImportReport = {
    imported: 0,
    duplicates: 0,
    failed: found.skipped.map((s) => ({ path: s.path, error: s.reason })),
    warnings: found.warnings,
    sessionIds: [],
    sets: [],
  };
  for (const [i, set] of sets.entries()) {
    try {
      const { sessionId, duplicate } = await importSet(set, dir, o.catalog, o.blobs);
      report.sets.push({ path: set.label, sessionId });
      if (duplicate) report.duplicates++;
      else {
        report.imported++;
        report.sessionIds.push(sessionId);
      }
    } catch (err) {
      report.failed.push({ path: set.label, error: (err as Error).message });
    }
    o.onProgress?.(i + 1, sets.length, set.label);
  }
  await importScenario(dir, o.catalog, report);
  return report;
}

/**
 * A simulation folder's scenario.json (written by the simulator) goes to the catalog under the
 * scenario's name, so an evaluation of its sessions knows the model they were drawn from. A
 * folder without one is fine; an unreadable one is a warning, not a failed import.
 */
async function importScenario(dir: string, catalog: Catalog, report: ImportReport): Promise<void> {
  const path = join(dir, 'scenario.json');
  if (!existsSync(path)) return;
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { scenario?: { name?: unknown } };
    const scenario = doc.scenario;
    if (scenario === undefined || scenario === null || typeof scenario.name !== 'string')
      throw new Error('no scenario object with a name');
    await catalog.putScenario(scenario.name, scenario as Record<string, unknown>);
  } catch (err) {
    report.warnings.push(`${path}: scenario not recorded (${(err as Error).message})`);
  }
}
