// What `heimdall inspect` does, loaded on first use (the feature layer is not needed to build the
// command tree): per receiver, the recording and its scalars; per GPS-timed pair, the time difference.
import { FeatureConfigSchema } from '../../signal/features/config.js';
import { extractFeatures, recordingFeatures } from '../../signal/features/extract.js';
import { SCALAR_NAMES } from '../../signal/features/scalars.js';
import { discoverRecordingSets } from '../../signal/formats/recording-sets.js';
import type { Recording } from '../../signal/recording.js';

const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '—');

function describe(label: string, recordings: Recording[]): void {
  console.log(`${label}`);
  console.log(
    '  receiver               samples    rate Hz   start (receiver clock)           RSSI dBFS  dBm     SNR dB  offset Hz  heard',
  );
  for (const r of recordings) {
    const n = r.iq.length / 2;
    const c = FeatureConfigSchema.parse({ sampleRateHz: r.sampleRateHz, samples: Math.min(n, Math.round(r.sampleRateHz)) });
    const s = recordingFeatures(r, c).scalars;
    const get = (name: (typeof SCALAR_NAMES)[number]) => s[SCALAR_NAMES.indexOf(name)] as number;
    const start =
      r.startUnixNs === null
        ? 'unknown'
        : `${new Date(Number(r.startUnixNs / 1_000_000n)).toISOString()} ±${r.timestampSigmaS ?? '?'} s`;
    console.log(
      `  ${r.receiver.id.padEnd(22)} ${String(n).padStart(8)} ${fmt(r.sampleRateHz, 2).padStart(10)}   ${start.padEnd(32)} ${fmt(get('rssi_dbfs')).padStart(9)} ${get('rssi_dbm_known') ? fmt(get('rssi_dbm')).padStart(6) : '     —'} ${fmt(get('snr_db')).padStart(8)} ${fmt(get('freq_offset_hz'), 0).padStart(10)}  ${get('heard') ? 'yes' : 'no'}`,
    );
  }
  const rates = new Set(recordings.map((r) => r.sampleRateHz));
  const shortest = Math.min(...recordings.map((r) => r.iq.length / 2));
  if (recordings.length > 1 && rates.size === 1) {
    const rate = [...rates][0] as number;
    const c = FeatureConfigSchema.parse({ sampleRateHz: rate, samples: Math.min(shortest, Math.round(rate)) });
    const ids = recordings.map((r) => r.receiver.id);
    const f = extractFeatures(recordings, ids, c);
    for (const d of f.tdoa) {
      console.log(
        `  TDOA ${ids[d.j]} − ${ids[d.i]}: ${(d.seconds * 1e6).toFixed(2)} µs (quality ${d.quality.toFixed(1)}, σ ${(d.sigmaS * 1e6).toFixed(3)} µs)`,
      );
    }
  }
}

export function runInspect(paths: string[]): void {
  // All paths together: files of one transmission are shown as one set, as import and predict group them.
  const found = discoverRecordingSets(paths);
  let failed = found.skipped.length;
  for (const s of found.skipped) console.error(`heimdall inspect: skipped ${s.path}: ${s.reason}`);
  for (const w of found.warnings) console.error(`heimdall inspect: warning: ${w}`);
  for (const set of found.sets) {
    try {
      const loaded = set.load();
      describe(loaded.label, loaded.recordings);
    } catch (err) {
      failed++;
      const m = (err as Error).message;
      console.error(`heimdall inspect: skipped ${m.startsWith(set.label) ? m : `${set.label}: ${m}`}`);
    }
  }
  if (failed > 0) {
    console.error(`heimdall inspect: ${failed} path(s) or set(s) could not be read`);
    process.exitCode = 1;
  }
}
