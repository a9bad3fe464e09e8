// Shared plumbing of the binding: how a libtorch tensor travels to JavaScript and back,
// how arguments are read, and how libtorch errors become JavaScript errors.
// The binding stays thin on purpose: tensors and ops only, no model, loop or data logic.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ht {

// A tensor reaches JavaScript as a plain number: an index into a slot table plus the slot's
// generation (id = generation * 2^24 + index). Numbers cost no allocation and need no N-API
// finalizer; Node defers finalizers to the event loop, so a synchronous training loop would
// pile up native memory until it yields. Release is explicit (dispose), with a JavaScript
// FinalizationRegistry as the backstop. A stale id (disposed, reused slot) is detected by its
// generation and reported, never dereferenced.
int64_t LiveHandles();

Napi::Value Wrap(Napi::Env env, at::Tensor t);
at::Tensor& Arg(const Napi::CallbackInfo& info, size_t i);          // a live tensor
c10::optional<at::Tensor> OptArg(const Napi::CallbackInfo& info, size_t i);  // null/undefined = none
std::vector<at::Tensor> TensorList(const Napi::CallbackInfo& info, size_t i);
std::vector<int64_t> Ints(const Napi::CallbackInfo& info, size_t i);
c10::optional<std::vector<int64_t>> OptInts(const Napi::CallbackInfo& info, size_t i);
int64_t Int(const Napi::CallbackInfo& info, size_t i);
double Num(const Napi::CallbackInfo& info, size_t i);
// A JS number as a libtorch scalar: integral values stay integral so integer tensors accept them.
at::Scalar ScalarArg(const Napi::CallbackInfo& info, size_t i);
bool Bool(const Napi::CallbackInfo& info, size_t i);
at::ScalarType DType(const Napi::CallbackInfo& info, size_t i);
std::string DTypeName(at::ScalarType t);
// Releases the tensor behind an id; false if the id was already stale.
bool DisposeHandle(const Napi::Value& v);

using Fn = Napi::Value (*)(const Napi::CallbackInfo&);

// Runs an op and turns libtorch's c10::Error (shape mismatch, dtype error...) into a JS Error
// carrying libtorch's message without its C++ backtrace, so no error ever crashes the process.
template <Fn F>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

template <Fn F>
void Export(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New(env, Guarded<F>, name));
}

// Each ops_*.cc file registers its functions through one of these.
void RegisterTensorIo(Napi::Env env, Napi::Object exports);
void RegisterMath(Napi::Env env, Napi::Object exports);
void RegisterShape(Napi::Env env, Napi::Object exports);
void RegisterNn(Napi::Env env, Napi::Object exports);
void RegisterInplace(Napi::Env env, Napi::Object exports);
void RegisterAutograd(Napi::Env env, Napi::Object exports);

}  // namespace ht
