// What a valid Recording is, whichever format it came from: finite samples in I,Q pairs, a positive rate,
// a finite centre frequency and a receiver id.
import type { Recording, RecordingProbe } from '../../../src/signal/recording.js';

export function checkRecording(result: unknown): string | undefined {
  const r = result as Recording;
  if (!(r.iq instanceof Float32Array)) return 'iq is not a Float32Array';
  if (r.iq.length % 2 !== 0) return `iq has an odd length ${r.iq.length}`;
  for (let i = 0; i < r.iq.length; i++) if (!Number.isFinite(r.iq[i] as number)) return `sample ${i} is ${r.iq[i]}`;
  if (!(Number.isFinite(r.sampleRateHz) && r.sampleRateHz > 0)) return `sampleRateHz is ${r.sampleRateHz}`;
  if (!Number.isFinite(r.centerFreqHz)) return `centerFreqHz is ${r.centerFreqHz}`;
  if (typeof r.receiver?.id !== 'string' || r.receiver.id === '') return 'no receiver id';
  for (const k of ['lat', 'lon', 'altM'] as const)
    if (r.receiver[k] !== undefined && !Number.isFinite(r.receiver[k])) return `receiver.${k} is ${r.receiver[k]}`;
  if (r.timestampSigmaS !== null && !(r.timestampSigmaS >= 0)) return `timestampSigmaS is ${r.timestampSigmaS}`;
  return undefined;
}

export function checkProbe(p: RecordingProbe): string | undefined {
  if (typeof p.receiverId !== 'string' || p.receiverId === '') return 'probe: no receiver id';
  if (!Number.isFinite(p.centerFreqHz)) return `probe: centerFreqHz is ${p.centerFreqHz}`;
  if (!(Number.isFinite(p.durationS) && p.durationS >= 0)) return `probe: durationS is ${p.durationS}`;
  return undefined;
}
