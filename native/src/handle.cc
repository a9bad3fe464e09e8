#include "handle.h"

#include <cmath>

namespace ht {

struct Slot {
  at::Tensor t;
  uint32_t gen = 0;
};

static constexpr uint64_t kIndexBits = 24;
static constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;
static constexpr uint32_t kGenMask = (uint32_t{1} << 28) - 1;  // keeps ids below 2^52 (exact doubles)
static std::vector<Slot> g_slots;
static std::vector<uint32_t> g_free;
static int64_t g_live = 0;

int64_t LiveHandles() { return g_live; }

Napi::Value Wrap(Napi::Env env, at::Tensor t) {
  uint32_t index;
  if (!g_free.empty()) {
    index = g_free.back();
    g_free.pop_back();
  } else {
    if (g_slots.size() > kIndexMask) throw Napi::RangeError::New(env, "too many live tensors (16M): dispose tensors or use tidy()");
    index = static_cast<uint32_t>(g_slots.size());
    g_slots.emplace_back();
  }
  Slot& s = g_slots[index];
  s.t = std::move(t);
  g_live++;
  return Napi::Number::New(env, static_cast<double>((static_cast<uint64_t>(s.gen) << kIndexBits) | index));
}

// The live slot an id refers to, or nullptr for a stale/invalid id.
static Slot* Lookup(const Napi::Value& v) {
  if (!v.IsNumber()) return nullptr;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 4503599627370496.0) return nullptr;
  uint64_t id = static_cast<uint64_t>(d);
  uint64_t index = id & kIndexMask;
  uint64_t gen = id >> kIndexBits;
  if (index >= g_slots.size()) return nullptr;
  Slot& s = g_slots[index];
  if (s.gen != gen || !s.t.defined()) return nullptr;
  return &s;
}

at::Tensor& Arg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a tensor handle");
  }
  Slot* s = Lookup(info[i]);
  if (s == nullptr) throw Napi::Error::New(info.Env(), "argument " + std::to_string(i) + " is a disposed tensor");
  return s->t;
}

c10::optional<at::Tensor> OptArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return Arg(info, i);
}

std::vector<at::Tensor> TensorList(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an array of tensors");
  }
  Napi::Array arr = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr[k];
    Slot* s = Lookup(v);
    if (s == nullptr) throw Napi::Error::New(info.Env(), "element " + std::to_string(k) + " is not a live tensor");
    out.push_back(s->t);
  }
  return out;
}

std::vector<int64_t> Ints(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an array of integers");
  }
  Napi::Array arr = info[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr[k];
    if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " has a non-number");
    out[k] = v.As<Napi::Number>().Int64Value();
  }
  return out;
}

c10::optional<std::vector<int64_t>> OptInts(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return Ints(info, i);
}

double Num(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  }
  return info[i].As<Napi::Number>().DoubleValue();
}

at::Scalar ScalarArg(const Napi::CallbackInfo& info, size_t i) {
  double v = Num(info, i);
  if (std::trunc(v) == v && std::abs(v) < 9.0e15) return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

int64_t Int(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an integer");
  }
  return info[i].As<Napi::Number>().Int64Value();
}

bool Bool(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsBoolean()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a boolean");
  }
  return info[i].As<Napi::Boolean>().Value();
}

at::ScalarType DType(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsString()) return at::kFloat;
  std::string s = info[i].As<Napi::String>().Utf8Value();
  if (s == "float32") return at::kFloat;
  if (s == "float64") return at::kDouble;
  if (s == "int32") return at::kInt;
  if (s == "int64") return at::kLong;
  if (s == "uint8") return at::kByte;
  if (s == "bool") return at::kBool;
  throw Napi::TypeError::New(info.Env(), "unknown dtype '" + s + "' (expected float32, float64, int32, int64, uint8 or bool)");
}

std::string DTypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kInt: return "int32";
    case at::kLong: return "int64";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return std::string("unsupported:") + c10::toString(t);
  }
}

bool DisposeHandle(const Napi::Value& v) {
  Slot* s = Lookup(v);
  if (s == nullptr) return false;
  s->t.reset();
  s->gen = (s->gen + 1) & kGenMask;
  g_free.push_back(static_cast<uint32_t>(s - g_slots.data()));
  g_live--;
  return true;
}

}  // namespace ht
