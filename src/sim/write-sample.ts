// Writes a simulated transmission as SigMF: one recording per online receiver and a
// .sigmf-collection carrying the truth (position, power, signal, per-link physics, CRLB).
// The sample folder is written under a temporary name and renamed, so a folder that exists is
// complete (and a file an import hard-linked into the blob store is never rewritten in place: a
// new simulation replaces the folder, the stored inode keeps its bytes).
// Samples are complex int16 (SigMF ci16_le) as a real SDR delivers them: each recording gets an
// AGC-like digital gain (signal/iq-int16.ts, largest component at −6 dBFS), and its
// heimdall:full_scale_dbm drops by that gain so calibrated power (rssi_dbm) is unchanged. Files are not fsync'd one by one (that cost 4× the generation time); a crash can lose
// recent folders, which the same seed regenerates identically.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { INT16_FULL_SCALE, quantizeIqInt16 } from '../signal/iq-int16.js';
import { writeSigmfCollection, writeSigmfRecording } from '../signal/sigmf/write.js';
import type { SimSample } from './sample.js';
import type { World } from './world.js';

const EXTENSION = { name: 'heimdall', version: '0.1.0', optional: true };

export function sampleName(index: number): string {
  return `tx-${String(index).padStart(6, '0')}`;
}

function splitUnixNs(ns: bigint): { date: Date; extraNs: number } {
  const ms = ns / 1_000_000n;
  return { date: new Date(Number(ms)), extraNs: Number(ns - ms * 1_000_000n) };
}

/** Mean power of int16 IQ in dBFS (full scale = 32768 per component, as readers scale it). */
function meanPowerDbfs(samples: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += (samples[i] as number) ** 2;
  return 10 * Math.log10(sum / (samples.length / 2) / INT16_FULL_SCALE ** 2);
}

/** Writes `<outDir>/<tx-NNNNNN>/`; returns the folder. */
export function writeSampleSigmf(outDir: string, world: World, s: SimSample): string {
  const name = sampleName(s.index);
  const final = join(outDir, name);
  const tmp = join(outDir, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const streams = [];
    for (const [i, rec] of s.recordings.entries()) {
      if (rec.iq === null) continue;
      const rx = world.receivers[i]?.receiver;
      if (rx === undefined) throw new Error(`writeSampleSigmf: no receiver for recording ${rec.receiverId}`);
      const { date, extraNs } = splitUnixNs(rec.reportedStartUnixNs);
      const { samples, gainDb } = quantizeIqInt16(rec.iq);
      // Levels as a reader of the file measures them: after the gain and the rounding.
      const fullScaleDbm = rx.fullScaleDbm - gainDb;
      const rssiDbfs = meanPowerDbfs(samples);
      const r = writeSigmfRecording(tmp, rec.receiverId, {
        iq: samples,
        sampleRateHz: rec.sampleRateHz,
        centerFreqHz: rec.centerFreqHz,
        datetime: date,
        datetimeExtraNs: extraNs,
        geolocation: { lat: rx.lat, lon: rx.lon, altM: rx.altitudeM + rx.antennaHeightM },
        description: `${s.scenario} ${name} as heard by ${rx.name}`,
        recorder: 'heimdall simulate',
        durable: false,
        extensions: [EXTENSION],
        extraGlobal: {
          'heimdall:receiver_id': rx.id,
          'heimdall:receiver_name': rx.name,
          'heimdall:gps_disciplined': rx.gpsDisciplined,
          'heimdall:timestamp_sigma_s': rec.timestampSigmaS,
          'heimdall:full_scale_dbm': fullScaleDbm,
          'heimdall:digital_gain_db': gainDb,
          'heimdall:calibration_offset_db': rx.calibrationOffsetDb,
          'heimdall:noise_figure_db': rx.noiseFigureDb,
          'heimdall:rssi_dbfs': rssiDbfs,
          'heimdall:rssi_dbm': rssiDbfs + fullScaleDbm - rx.calibrationOffsetDb,
        },
      });
      streams.push({ baseName: rec.receiverId, metaSha512: r.sha512 });
    }
    const crlb = 'reason' in s.crlb ? { available: false, reason: s.crlb.reason } : { available: true, ...s.crlb };
    writeSigmfCollection(tmp, name, {
      streams,
      description: `${s.scenario}: simulated transmission ${s.index}`,
      durable: false,
      extra: {
        'heimdall:scenario': s.scenario,
        'heimdall:seed': world.seed,
        'heimdall:truth': s.truth,
        'heimdall:crlb': crlb,
        'heimdall:links': s.recordings.map((r) => ({
          receiver_id: r.receiverId,
          offline: r.offline,
          heard: r.heard,
          distance_m: r.distanceM,
          delay_s: r.delayS,
          path_loss_db: r.pathLossDb,
          shadowing_db: r.shadowingDb,
          rx_power_dbm: r.rxPowerDbm,
          noise_dbm: r.noiseDbm,
          snr_db: r.snrDb,
          carrier_offset_hz: r.carrierOffsetHz,
          los: r.los,
          excess_delay_s: r.excessDelayS,
          channel_profile: r.channelProfile,
          delay_spread_s: r.delaySpreadS,
          true_start_unix_ns: r.trueStartUnixNs.toString(),
          reported_start_unix_ns: r.reportedStartUnixNs.toString(),
        })),
      },
    });
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
    return final;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
