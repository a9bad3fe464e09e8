// SigMF (Signal Metadata Format) output: recordings (.sigmf-data + .sigmf-meta) and collections.
export type * from './types.js';
export { formatSigmfDatetime, SIGMF_VERSION, writeSigmfCollection, writeSigmfRecording } from './write.js';
