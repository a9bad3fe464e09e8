// The version of the feature CODE (as opposed to its parameters, FeatureConfig). Features are
// cached on disk and a model is only valid for the features it was trained on, so both the
// cache keys and every exported model carry this number: inference refuses a model trained on
// another version, and the cache never serves features computed by older code.
//
// BUMP IT whenever a change alters any feature value for the same recording and configuration:
// the STFT (window, framing, FFT scaling), the mel filter bank or dB conversion, the scalars
// (their formulas, names or order: SCALAR_NAMES), the time differences / arrival-time scalars.
// Do NOT bump it for changes that keep every value (speed-ups, refactors): the stft/mel/extract
// tests against fixed references say whether values moved.
//
// History: 1 = six scalars (rssi_dbfs … heard); 2 = eight (+ toa_centered_us, timed);
// 3 = the STFT runs on FFTW (the heimdall_dsp addon) instead of libtorch's pocketfft: the power
//     spectra differ in the last bits (relative ≤ 1e-13), so the float64 scalars and, rarely, a
//     float32 mel value at a rounding boundary differ from version 2's.
// 4 = nine scalars (+ toa_sigma_us); time differences from measureTimeDifferences (one reference,
//     σ per pair, ≥ 3 timed receivers) by the maximum-likelihood weighted correlation
//     (src/signal/timing/delay.ts) instead of GCC-PHAT over every pair; timing cached per session;
//     mel in dBm (dBFS + the recording's full-scale offset) when the recording states its full scale.
// 5 = time differences are searched only within what the receivers' baseline allows (baseline / c plus the
//     paths' excess and the clocks' 5σ, measure.ts pairMaxLag) when both positions are known, not ±70 ms.
// 6 = a carrier-frequency difference between two receivers is measured at the sub-sample delay, by a line through
//     the blocks' centroids, and removed until the delay stops moving (delay.ts), not once above 0.01 cycle; the
//     pairs state their clocks' σ (shared with the other pairs of the reference); the classical TDOA prior models
//     path lengths with the Earth's curvature (src/geo/ground-distance.ts).
export const FEATURE_CODE_VERSION = 6;
