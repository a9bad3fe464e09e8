// The transmissions named on a command line or by an API caller, read for prediction. Which files make one
// transmission is decided by signal/formats/recording-sets.ts, the same way for import, predict and inspect.
import { discoverRecordingSets, type RecordingSet as FoundSet } from '../signal/formats/recording-sets.js';
import type { Recording } from '../signal/recording.js';

export interface RecordingSet {
  /** Where the set came from (collection file, folder or files), for output and error messages. */
  label: string;
  recordings: Recording[];
  /** Collection extras (e.g. a simulation's heimdall:truth), when the set is a collection. */
  extra?: Record<string, unknown>;
}

/** The sets under `paths` without reading samples; anything skipped is an error naming it (callers wanting the rest use discoverRecordingSets). */
export function listRecordingSets(...paths: string[]): FoundSet[] {
  const found = discoverRecordingSets(paths);
  if (found.skipped.length > 0) throw new Error(found.skipped.map((s) => `${s.path}: ${s.reason}`).join('\n'));
  return found.sets;
}

/** Reads every set named by `paths`, in order. */
export function loadRecordingSets(paths: string[]): RecordingSet[] {
  return listRecordingSets(...paths).map((s) => s.load());
}
