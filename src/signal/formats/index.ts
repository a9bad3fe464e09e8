// One entry point for every recording format, chosen by file extension: read it, or probe its metadata.
// Grouping recordings into transmissions is recording-sets.ts.
import { extname } from 'node:path';
import { type Recording, RecordingError, type RecordingProbe } from '../recording.js';
import { probeSigmfRecording, readSigmfRecording } from '../sigmf/read.js';
import { probeKiwiWav, readKiwiWav } from './kiwi-wav.js';
import { probeNpyRecording, readNpyRecording } from './npy.js';

export { npySidecarPath, readNpyRecording, writeNpyRecording } from './npy.js';

const READERS: Record<string, { read: (path: string) => Recording; probe: (path: string) => RecordingProbe }> = {
  '.sigmf-meta': { read: readSigmfRecording, probe: probeSigmfRecording },
  '.sigmf-data': { read: readSigmfRecording, probe: probeSigmfRecording },
  '.npy': { read: readNpyRecording, probe: probeNpyRecording },
  '.wav': { read: readKiwiWav, probe: probeKiwiWav },
};

/** Supported single-recording extensions, for messages. */
export const RECORDING_EXTENSIONS = Object.keys(READERS);

/** Reads one recording, choosing the reader by extension (case-insensitive). */
export function readRecording(path: string): Recording {
  return readerOf(path).read(path);
}

/** What one recording's metadata says (receiver, frequency, start, duration), without reading its samples. */
export function probeRecording(path: string): RecordingProbe {
  return readerOf(path).probe(path);
}

function readerOf(path: string): (typeof READERS)[string] {
  const ext = extname(path).toLowerCase();
  const reader = READERS[ext];
  if (reader !== undefined) return reader;
  if (ext === '.sigmf-collection') {
    throw new RecordingError(path, 'is a SigMF collection (several recordings); read it with readSigmfCollection');
  }
  const what = ext === '' ? 'no file extension' : `unsupported file type '${ext}'`;
  throw new RecordingError(path, `${what}; supported: ${RECORDING_EXTENSIONS.join(', ')}`);
}
