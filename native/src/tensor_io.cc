// Tensor creation, copies between JavaScript typed arrays and tensors, metadata,
// random-number state and threading.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/csrc/api/include/torch/version.h>

#include <cstring>
#include <mutex>

#include "handle.h"

namespace ht {

static at::ScalarType TypedArrayDType(Napi::Env env, napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array: return at::kFloat;
    case napi_float64_array: return at::kDouble;
    case napi_int32_array: return at::kInt;
    case napi_bigint64_array: return at::kLong;
    case napi_uint8_array: return at::kByte;
    default: throw Napi::TypeError::New(env, "fromArray: unsupported typed array (use Float32Array, Float64Array, Int32Array, BigInt64Array or Uint8Array)");
  }
}

// fromArray(typedArray, shape, asBool?) -> copy of the data as a tensor of that shape
static Napi::Value FromArray(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "fromArray: argument 0 must be a typed array");
  Napi::TypedArray arr = info[0].As<Napi::TypedArray>();
  at::ScalarType dtype = TypedArrayDType(info.Env(), arr.TypedArrayType());
  std::vector<int64_t> shape = Ints(info, 1);
  int64_t numel = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Napi::RangeError::New(info.Env(), "fromArray: negative dimension in shape");
    numel *= d;
  }
  if (numel != static_cast<int64_t>(arr.ElementLength())) {
    throw Napi::RangeError::New(info.Env(), "fromArray: shape holds " + std::to_string(numel) + " elements but the array has " + std::to_string(arr.ElementLength()));
  }
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  if (numel > 0) {
    const uint8_t* src = static_cast<const uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
    std::memcpy(t.data_ptr(), src, arr.ByteLength());
  }
  if (info.Length() > 2 && info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value()) t = t.to(at::kBool);
  return Wrap(info.Env(), t);
}

// toArray(t) -> a typed array holding a copy of the elements in row-major order
static Napi::Value ToArray(const Napi::CallbackInfo& info) {
  at::Tensor t = Arg(info, 0).detach().contiguous();
  if (t.scalar_type() == at::kBool) t = t.to(at::kByte);
  Napi::Env env = info.Env();
  size_t bytes = t.numel() * t.element_size();
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0) std::memcpy(buf.Data(), t.data_ptr(), bytes);
  size_t n = t.numel();
  switch (t.scalar_type()) {
    case at::kFloat: return Napi::Float32Array::New(env, n, buf, 0);
    case at::kDouble: return Napi::Float64Array::New(env, n, buf, 0);
    case at::kInt: return Napi::Int32Array::New(env, n, buf, 0);
    case at::kLong: return Napi::TypedArrayOf<int64_t>::New(env, n, buf, 0, napi_bigint64_array);
    case at::kByte: return Napi::Uint8Array::New(env, n, buf, 0);
    default: throw Napi::TypeError::New(env, "toArray: unsupported dtype " + DTypeName(t.scalar_type()));
  }
}

static Napi::Value Shape(const Napi::CallbackInfo& info) {
  at::Tensor& t = Arg(info, 0);
  Napi::Array out = Napi::Array::New(info.Env(), t.dim());
  for (int64_t k = 0; k < t.dim(); k++) out.Set(static_cast<uint32_t>(k), Napi::Number::New(info.Env(), static_cast<double>(t.size(k))));
  return out;
}

static Napi::Value DTypeOf(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), DTypeName(Arg(info, 0).scalar_type())); }

static Napi::Value Item(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), Arg(info, 0).item<double>()); }

static Napi::Value Zeros(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::zeros(Ints(info, 0), at::TensorOptions().dtype(DType(info, 1)))); }
static Napi::Value Ones(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::ones(Ints(info, 0), at::TensorOptions().dtype(DType(info, 1)))); }
static Napi::Value Full(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::full(Ints(info, 0), Num(info, 1), at::TensorOptions().dtype(DType(info, 2)))); }
static Napi::Value Randn(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::randn(Ints(info, 0), at::TensorOptions().dtype(DType(info, 1)))); }
static Napi::Value Rand(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::rand(Ints(info, 0), at::TensorOptions().dtype(DType(info, 1)))); }
static Napi::Value Randperm(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::randperm(Int(info, 0), at::TensorOptions().dtype(at::kLong))); }
static Napi::Value Arange(const Napi::CallbackInfo& info) {
  return Wrap(info.Env(), at::arange(Num(info, 0), Num(info, 1), Num(info, 2), at::TensorOptions().dtype(DType(info, 3))));
}

static Napi::Value Clone(const Napi::CallbackInfo& info) { return Wrap(info.Env(), Arg(info, 0).clone()); }
static Napi::Value Detach(const Napi::CallbackInfo& info) { return Wrap(info.Env(), Arg(info, 0).detach()); }
static Napi::Value Contiguous(const Napi::CallbackInfo& info) { return Wrap(info.Env(), Arg(info, 0).contiguous()); }
static Napi::Value To(const Napi::CallbackInfo& info) { return Wrap(info.Env(), Arg(info, 0).to(DType(info, 1))); }

static Napi::Value Dispose(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "dispose: argument 0 must be a tensor handle");
  return Napi::Boolean::New(info.Env(), DisposeHandle(info[0]));
}

static Napi::Value Live(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(LiveHandles())); }

static Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  at::manual_seed(static_cast<uint64_t>(Int(info, 0)));
  return info.Env().Undefined();
}

static Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return Wrap(info.Env(), gen.get_state());
}

static Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(Arg(info, 0));
  return info.Env().Undefined();
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = Int(info, 0);
  if (n < 1) throw Napi::RangeError::New(info.Env(), "setNumThreads: thread count must be >= 1");
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), at::get_num_threads()); }

static Napi::Value Version(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), TORCH_VERSION); }

void RegisterTensorIo(Napi::Env env, Napi::Object e) {
  Export<FromArray>(env, e, "fromArray");
  Export<ToArray>(env, e, "toArray");
  Export<Shape>(env, e, "shape");
  Export<DTypeOf>(env, e, "dtype");
  Export<Item>(env, e, "item");
  Export<Zeros>(env, e, "zeros");
  Export<Ones>(env, e, "ones");
  Export<Full>(env, e, "full");
  Export<Randn>(env, e, "randn");
  Export<Rand>(env, e, "rand");
  Export<Randperm>(env, e, "randperm");
  Export<Arange>(env, e, "arange");
  Export<Clone>(env, e, "clone");
  Export<Detach>(env, e, "detach");
  Export<Contiguous>(env, e, "contiguous");
  Export<To>(env, e, "to");
  Export<Dispose>(env, e, "dispose");
  Export<Live>(env, e, "liveHandles");
  Export<ManualSeed>(env, e, "manualSeed");
  Export<GetRngState>(env, e, "getRngState");
  Export<SetRngState>(env, e, "setRngState");
  Export<SetNumThreads>(env, e, "setNumThreads");
  Export<GetNumThreads>(env, e, "getNumThreads");
  Export<Version>(env, e, "version");
}

}  // namespace ht
