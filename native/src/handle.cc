#include "handle.h"

#include <atomic>
#include <cmath>

namespace ht {

static std::atomic<int64_t> g_live{0};

int64_t LiveHandles() { return g_live.load(); }

static void Finalize(Napi::Env, Handle* h) {
  if (h->t.defined()) g_live--;
  delete h;
}

Napi::Value Wrap(Napi::Env env, at::Tensor t) {
  g_live++;
  return Napi::External<Handle>::New(env, new Handle{std::move(t)}, Finalize);
}

static Handle* GetHandle(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a tensor handle");
  }
  return info[i].As<Napi::External<Handle>>().Data();
}

at::Tensor& Arg(const Napi::CallbackInfo& info, size_t i) {
  Handle* h = GetHandle(info, i);
  if (!h->t.defined()) {
    throw Napi::Error::New(info.Env(), "argument " + std::to_string(i) + " is a disposed tensor");
  }
  return h->t;
}

bool IsTensor(const Napi::CallbackInfo& info, size_t i) { return i < info.Length() && info[i].IsExternal(); }

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
    if (!v.IsExternal()) throw Napi::TypeError::New(info.Env(), "element " + std::to_string(k) + " is not a tensor");
    Handle* h = v.As<Napi::External<Handle>>().Data();
    if (!h->t.defined()) throw Napi::Error::New(info.Env(), "element " + std::to_string(k) + " is a disposed tensor");
    out.push_back(h->t);
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

void DisposeHandle(const Napi::Value& v) {
  Handle* h = v.As<Napi::External<Handle>>().Data();
  if (h->t.defined()) {
    h->t.reset();
    g_live--;
  }
}

}  // namespace ht
