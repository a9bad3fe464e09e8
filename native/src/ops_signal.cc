// Signal-processing kernels on plain typed arrays, for feature extraction: the complex STFT's
// power (libtorch's FFT, pocketfft) and the mel filterbank product in dB.
//
// They take and return typed arrays, never tensor handles: feature extraction runs in worker
// threads, and the handle table (handle.cc) belongs to the thread that trains. Every tensor here
// lives only within one call, so its native memory is released when the call returns.
//
// Threads: one call handles one recording. pocketfft runs single-threaded and the element-wise
// ops stay below libtorch's parallel grain size (32768 elements) for the feature sizes used, so
// a call runs on the calling thread; parallelism comes from the feature worker threads (one
// recording per call) and intra-op threads never oversubscribe the cores on top of them.
#include <complex>
#include <cstring>
#include <string>

#include "handle.h"

namespace ht {

template <typename T>
static T Typed(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type, const char* fn, const char* what, const char* typeName) {
  if (i >= info.Length() || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type) {
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": argument " + std::to_string(i) + " (" + what + ") must be a " + typeName);
  }
  return info[i].As<T>();
}

static Napi::RangeError Range(Napi::Env env, const std::string& msg) { return Napi::RangeError::New(env, msg); }

// stftPower(iq: Float32Array of interleaved (re, im), nFft, hop, frames, window: Float64Array[nFft], scale)
//   → Float64Array [frames][nFft]: P[f][k] = scale·|Σₙ x[f·hop + n]·w[n]·e^{−j2πkn/nFft}|² in natural
//   FFT bin order: a two-sided complex STFT without centring or padding (torch.stft(center=False)),
//   in float64. Framing and windowing are one pass here; the transform is libtorch's at::fft_fft
//   over all frames at once (at::stft computes the same with ~5 more tensor passes, 4× slower).
static Napi::Value StftPower(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto iq = Typed<Napi::Float32Array>(info, 0, napi_float32_array, "stftPower", "iq", "Float32Array");
  const int64_t nFft = Int(info, 1);
  const int64_t hop = Int(info, 2);
  const int64_t frames = Int(info, 3);
  auto window = Typed<Napi::Float64Array>(info, 4, napi_float64_array, "stftPower", "window", "Float64Array");
  const double scale = Num(info, 5);
  if (nFft < 1 || frames < 1 || hop < 0) {
    throw Range(env, "stftPower: nFft and frames must be >= 1 and hop >= 0, got nFft " + std::to_string(nFft) + ", hop " +
                         std::to_string(hop) + ", frames " + std::to_string(frames));
  }
  if (static_cast<int64_t>(window.ElementLength()) != nFft) {
    throw Range(env, "stftPower: the window has " + std::to_string(window.ElementLength()) + " values, nFft is " + std::to_string(nFft));
  }
  const int64_t needed = (frames - 1) * hop + nFft;
  if (static_cast<int64_t>(iq.ElementLength()) < 2 * needed) {
    throw Range(env, "stftPower: " + std::to_string(frames) + " frames of " + std::to_string(nFft) + " with hop " + std::to_string(hop) +
                         " need " + std::to_string(needed) + " complex samples, got " + std::to_string(iq.ElementLength() / 2));
  }
  at::NoGradGuard noGrad;
  const float* x = iq.Data();
  const double* w = window.Data();
  at::Tensor framed = at::empty({frames, nFft}, at::kComplexDouble);
  auto* z = framed.data_ptr<c10::complex<double>>();
  for (int64_t f = 0; f < frames; f++) {
    const float* src = x + 2 * f * hop;
    c10::complex<double>* dst = z + f * nFft;
    for (int64_t n = 0; n < nFft; n++) dst[n] = c10::complex<double>(src[2 * n] * w[n], src[2 * n + 1] * w[n]);
  }
  at::Tensor spec = at::fft_fft(framed).contiguous();
  const auto* s = spec.data_ptr<c10::complex<double>>();
  auto out = Napi::Float64Array::New(env, static_cast<size_t>(frames * nFft));
  double* p = out.Data();
  for (int64_t i = 0; i < frames * nFft; i++) p[i] = (s[i].real() * s[i].real() + s[i].imag() * s[i].imag()) * scale;
  return out;
}

// melDb(power: Float64Array [frames][nFft], frames, start: Int32Array[bands + 1], bins: Int32Array,
//       weights: Float64Array, floorDb, out: Float32Array, offset)
//   Writes out[offset + b·frames + f] = max(floorDb, 10·log10(Σ_{j ∈ start[b] … start[b+1]−1} weights[j]·power[f][bins[j]])):
//   a sparse filterbank (each FFT bin feeds at most two bands, so ~2·nFft weights instead of a
//   dense bands × nFft matrix: 64× fewer multiplications at 128 bands) in float64, then dB.
static Napi::Value MelDb(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto power = Typed<Napi::Float64Array>(info, 0, napi_float64_array, "melDb", "power", "Float64Array");
  const int64_t frames = Int(info, 1);
  auto start = Typed<Napi::Int32Array>(info, 2, napi_int32_array, "melDb", "start", "Int32Array");
  auto bins = Typed<Napi::Int32Array>(info, 3, napi_int32_array, "melDb", "bins", "Int32Array");
  auto weights = Typed<Napi::Float64Array>(info, 4, napi_float64_array, "melDb", "weights", "Float64Array");
  const double floorDb = Num(info, 5);
  auto out = Typed<Napi::Float32Array>(info, 6, napi_float32_array, "melDb", "out", "Float32Array");
  const int64_t offset = Int(info, 7);
  const int64_t bands = static_cast<int64_t>(start.ElementLength()) - 1;
  if (frames < 1 || bands < 1 || power.ElementLength() % frames != 0) {
    throw Range(env, "melDb: " + std::to_string(power.ElementLength()) + " power values are not " + std::to_string(frames) +
                         " frames, or the filterbank has no band");
  }
  const int64_t nFft = static_cast<int64_t>(power.ElementLength()) / frames;
  const int32_t* st = start.Data();
  const int32_t* bi = bins.Data();
  const double* wt = weights.Data();
  const int64_t nnz = static_cast<int64_t>(bins.ElementLength());
  if (static_cast<int64_t>(weights.ElementLength()) != nnz || st[0] != 0 || st[bands] != nnz) {
    throw Range(env, "melDb: the filterbank's start, bins and weights disagree (" + std::to_string(nnz) + " bins, " +
                         std::to_string(weights.ElementLength()) + " weights, start ends at " + std::to_string(st[bands]) + ")");
  }
  for (int64_t b = 0; b < bands; b++) {
    if (st[b + 1] < st[b]) throw Range(env, "melDb: filterbank start decreases at band " + std::to_string(b));
  }
  for (int64_t j = 0; j < nnz; j++) {
    if (bi[j] < 0 || bi[j] >= nFft) throw Range(env, "melDb: filterbank bin " + std::to_string(bi[j]) + " is outside 0 … " + std::to_string(nFft - 1));
  }
  if (offset < 0 || offset + bands * frames > static_cast<int64_t>(out.ElementLength())) {
    throw Range(env, "melDb: " + std::to_string(bands) + " × " + std::to_string(frames) + " values do not fit the output (" +
                         std::to_string(out.ElementLength()) + " values) at offset " + std::to_string(offset));
  }
  at::NoGradGuard noGrad;
  at::Tensor sums = at::empty({bands, frames}, at::kDouble);
  double* acc = sums.data_ptr<double>();
  const double* p = power.Data();
  for (int64_t f = 0; f < frames; f++) {
    const double* row = p + f * nFft;
    for (int64_t b = 0; b < bands; b++) {
      double sum = 0;
      for (int32_t j = st[b]; j < st[b + 1]; j++) sum += wt[j] * row[bi[j]];
      acc[b * frames + f] = sum;
    }
  }
  // log10(0) = −inf is clamped to the floor like any power below it (weights and powers are ≥ 0).
  at::from_blob(out.Data() + offset, {bands, frames}, at::kFloat).copy_(sums.log10_().mul_(10.0).clamp_min_(floorDb));
  return env.Undefined();
}

void RegisterSignal(Napi::Env env, Napi::Object e) {
  Export<StftPower>(env, e, "stftPower");
  Export<MelDb>(env, e, "melDb");
}

}  // namespace ht
