// Autograd: libtorch records the graph; JavaScript asks for gradients and toggles grad mode.
#include <c10/core/GradMode.h>

#include "handle.h"

namespace ht {

static Napi::Value RequiresGrad(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), Arg(info, 0).requires_grad()); }

static Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  Arg(info, 0).requires_grad_(Bool(info, 1));
  return info.Env().Undefined();
}

static Napi::Value IsLeaf(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), Arg(info, 0).is_leaf()); }

// grad(t) -> a new handle on t's accumulated gradient, or null when there is none
static Napi::Value Grad(const Napi::CallbackInfo& info) {
  const at::Tensor& g = Arg(info, 0).grad();
  if (!g.defined()) return info.Env().Null();
  return Wrap(info.Env(), g);
}

// setGrad(t, g|null): replaces (or clears) the accumulated gradient
static Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  at::Tensor& t = Arg(info, 0);
  auto g = OptArg(info, 1);
  t.mutable_grad() = g ? *g : at::Tensor();
  return info.Env().Undefined();
}

// backward(t, grad|null, retainGraph)
static Napi::Value Backward(const Napi::CallbackInfo& info) {
  at::Tensor& t = Arg(info, 0);
  auto g = OptArg(info, 1);
  bool retain = info.Length() > 2 && info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
  t.backward(g ? *g : at::Tensor(), retain);
  return info.Env().Undefined();
}

static Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled()); }

static Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  c10::GradMode::set_enabled(Bool(info, 0));
  return info.Env().Undefined();
}

void RegisterAutograd(Napi::Env env, Napi::Object e) {
  Export<RequiresGrad>(env, e, "requiresGrad");
  Export<SetRequiresGrad>(env, e, "setRequiresGrad");
  Export<IsLeaf>(env, e, "isLeaf");
  Export<Grad>(env, e, "grad");
  Export<SetGrad>(env, e, "setGrad");
  Export<Backward>(env, e, "backward");
  Export<IsGradEnabled>(env, e, "isGradEnabled");
  Export<SetGradEnabled>(env, e, "setGradEnabled");
}

}  // namespace ht
