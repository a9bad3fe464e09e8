// heimdall_dsp: the signal kernels of feature extraction on plain typed arrays — the complex
// STFT's power (FFTW) and the sparse mel filterbank product in dB, in float64.
//
// A separate addon from heimdall_torch on purpose: loading libtorch costs ~0.65 s, and `inspect`
// or `predict` of one recording needs only these two kernels. This one links FFTW alone and loads
// in milliseconds.
//
// Threads: feature extraction runs in worker_threads, one recording per call, each call on the
// calling thread. FFTW's planner is not thread-safe, so plans are created under a mutex, once per
// nFft, and cached for the life of the process; executing a plan on new arrays (fftw_execute_dft)
// is thread-safe. Plans use FFTW_ESTIMATE only: FFTW_MEASURE times candidate algorithms and may
// pick a different one on each run, which would change the last bits of the features.
// No JS state is global, so the module is context-aware (one instance per worker is fine).
#include <fftw3.h>
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace {

// Arrays handed to FFTW: aligned like the ones the plans were made with, so SIMD plans apply.
struct FftwFree {
  void operator()(fftw_complex* p) const { fftw_free(p); }
};
using Buffer = std::unique_ptr<fftw_complex, FftwFree>;

Buffer Allocate(int64_t n) {
  auto* p = static_cast<fftw_complex*>(fftw_malloc(sizeof(fftw_complex) * static_cast<size_t>(n)));
  if (p == nullptr) throw std::bad_alloc();
  return Buffer(p);
}

std::mutex plannerMutex;
std::map<int64_t, fftw_plan> plans;  // forward, out-of-place, one frame of nFft; never destroyed

// The cached plan for an nFft-point forward transform from one fftw_malloc'd array to another.
fftw_plan PlanFor(int64_t nFft) {
  std::lock_guard<std::mutex> lock(plannerMutex);
  auto it = plans.find(nFft);
  if (it != plans.end()) return it->second;
  Buffer in = Allocate(nFft);
  Buffer out = Allocate(nFft);
  fftw_plan plan = fftw_plan_dft_1d(static_cast<int>(nFft), in.get(), out.get(), FFTW_FORWARD, FFTW_ESTIMATE);
  if (plan == nullptr) throw std::runtime_error("stftPower: FFTW could not plan a transform of " + std::to_string(nFft) + " points");
  plans.emplace(nFft, plan);
  return plan;
}

template <typename T>
T Typed(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type, const char* fn, const char* what, const char* typeName) {
  if (i >= info.Length() || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type) {
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": argument " + std::to_string(i) + " (" + what + ") must be a " + typeName);
  }
  return info[i].As<T>();
}

int64_t Int(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* what) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": argument " + std::to_string(i) + " (" + what + ") must be an integer");
  }
  return info[i].As<Napi::Number>().Int64Value();
}

double Num(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* what) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": argument " + std::to_string(i) + " (" + what + ") must be a number");
  }
  return info[i].As<Napi::Number>().DoubleValue();
}

Napi::RangeError Range(Napi::Env env, const std::string& msg) { return Napi::RangeError::New(env, msg); }

// stftPower(iq: Float32Array of interleaved (re, im), nFft, hop, frames, window: Float64Array[nFft], scale)
//   → Float64Array [frames][nFft]: P[f][k] = scale·|Σₙ x[f·hop + n]·w[n]·e^{−j2πkn/nFft}|² in natural
//   FFT bin order: a two-sided complex STFT without centring or padding (torch.stft(center=False)),
//   in float64. Each frame is windowed into one aligned buffer and transformed into another.
Napi::Value StftPower(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto iq = Typed<Napi::Float32Array>(info, 0, napi_float32_array, "stftPower", "iq", "Float32Array");
  const int64_t nFft = Int(info, 1, "stftPower", "nFft");
  const int64_t hop = Int(info, 2, "stftPower", "hop");
  const int64_t frames = Int(info, 3, "stftPower", "frames");
  auto window = Typed<Napi::Float64Array>(info, 4, napi_float64_array, "stftPower", "window", "Float64Array");
  const double scale = Num(info, 5, "stftPower", "scale");
  if (nFft < 1 || frames < 1 || hop < 0 || nFft > INT32_MAX) {
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
  const fftw_plan plan = PlanFor(nFft);
  Buffer in = Allocate(nFft);
  Buffer spec = Allocate(nFft);
  const float* x = iq.Data();
  const double* w = window.Data();
  auto out = Napi::Float64Array::New(env, static_cast<size_t>(frames * nFft));
  double* p = out.Data();
  fftw_complex* z = in.get();
  const fftw_complex* s = spec.get();
  for (int64_t f = 0; f < frames; f++) {
    const float* src = x + 2 * f * hop;
    for (int64_t n = 0; n < nFft; n++) {
      z[n][0] = static_cast<double>(src[2 * n]) * w[n];
      z[n][1] = static_cast<double>(src[2 * n + 1]) * w[n];
    }
    fftw_execute_dft(plan, in.get(), spec.get());
    double* row = p + f * nFft;
    for (int64_t k = 0; k < nFft; k++) row[k] = (s[k][0] * s[k][0] + s[k][1] * s[k][1]) * scale;
  }
  return out;
}

// melDb(power: Float64Array [frames][nFft], frames, start: Int32Array[bands + 1], bins: Int32Array,
//       weights: Float64Array, floorDb, out: Float32Array, offset)
//   Writes out[offset + b·frames + f] = max(floorDb, 10·log10(Σ_{j ∈ start[b] … start[b+1]−1} weights[j]·power[f][bins[j]])):
//   a sparse filterbank (each FFT bin feeds at most two bands, so ~2·nFft weights instead of a
//   dense bands × nFft matrix: 64× fewer multiplications at 128 bands) in float64, then dB.
Napi::Value MelDb(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto power = Typed<Napi::Float64Array>(info, 0, napi_float64_array, "melDb", "power", "Float64Array");
  const int64_t frames = Int(info, 1, "melDb", "frames");
  auto start = Typed<Napi::Int32Array>(info, 2, napi_int32_array, "melDb", "start", "Int32Array");
  auto bins = Typed<Napi::Int32Array>(info, 3, napi_int32_array, "melDb", "bins", "Int32Array");
  auto weights = Typed<Napi::Float64Array>(info, 4, napi_float64_array, "melDb", "weights", "Float64Array");
  const double floorDb = Num(info, 5, "melDb", "floorDb");
  auto out = Typed<Napi::Float32Array>(info, 6, napi_float32_array, "melDb", "out", "Float32Array");
  const int64_t offset = Int(info, 7, "melDb", "offset");
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
  const double* p = power.Data();
  float* o = out.Data() + offset;
  for (int64_t f = 0; f < frames; f++) {
    const double* row = p + f * nFft;
    for (int64_t b = 0; b < bands; b++) {
      double sum = 0;
      for (int32_t j = st[b]; j < st[b + 1]; j++) sum += wt[j] * row[bi[j]];
      // log10(0) = −inf is raised to the floor like any power below it; NaN stays NaN.
      double db = 10.0 * std::log10(sum);
      if (db < floorDb) db = floorDb;
      o[b * frames + f] = static_cast<float>(db);
    }
  }
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("stftPower", Napi::Function::New(env, StftPower, "stftPower"));
  exports.Set("melDb", Napi::Function::New(env, MelDb, "melDb"));
  exports.Set("fftwVersion", Napi::String::New(env, fftw_version));
  return exports;
}

}  // namespace

NODE_API_MODULE(heimdall_dsp, Init)
