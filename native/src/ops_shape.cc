// Views and re-arrangements: reshape, permute, concatenation, slicing and indexing.
#include "handle.h"

namespace ht {

static Napi::Value Reshape(const Napi::CallbackInfo& info) { return Wrap(info.Env(), Arg(info, 0).reshape(Ints(info, 1))); }
static Napi::Value Permute(const Napi::CallbackInfo& info) { return Wrap(info.Env(), Arg(info, 0).permute(Ints(info, 1))); }
static Napi::Value Transpose(const Napi::CallbackInfo& info) { return Wrap(info.Env(), Arg(info, 0).transpose(Int(info, 1), Int(info, 2))); }
static Napi::Value Flatten(const Napi::CallbackInfo& info) { return Wrap(info.Env(), Arg(info, 0).flatten(Int(info, 1), Int(info, 2))); }
static Napi::Value Unsqueeze(const Napi::CallbackInfo& info) { return Wrap(info.Env(), Arg(info, 0).unsqueeze(Int(info, 1))); }
static Napi::Value Squeeze(const Napi::CallbackInfo& info) {
  const at::Tensor& x = Arg(info, 0);
  return Wrap(info.Env(), info.Length() > 1 && info[1].IsNumber() ? x.squeeze(Int(info, 1)) : x.squeeze());
}
static Napi::Value Expand(const Napi::CallbackInfo& info) { return Wrap(info.Env(), Arg(info, 0).expand(Ints(info, 1))); }
static Napi::Value Cat(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::cat(TensorList(info, 0), Int(info, 1))); }
static Napi::Value Stack(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::stack(TensorList(info, 0), Int(info, 1))); }
// narrow(x, dim, start, length)
static Napi::Value Narrow(const Napi::CallbackInfo& info) { return Wrap(info.Env(), Arg(info, 0).narrow(Int(info, 1), Int(info, 2), Int(info, 3))); }
// slice(x, dim, start, end, step) with Python semantics for negative and out-of-range bounds
static Napi::Value Slice(const Napi::CallbackInfo& info) {
  return Wrap(info.Env(), Arg(info, 0).slice(Int(info, 1), Int(info, 2), Int(info, 3), Int(info, 4)));
}
static Napi::Value Select(const Napi::CallbackInfo& info) { return Wrap(info.Env(), Arg(info, 0).select(Int(info, 1), Int(info, 2))); }
static Napi::Value IndexSelect(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::index_select(Arg(info, 0), Int(info, 1), Arg(info, 2))); }

void RegisterShape(Napi::Env env, Napi::Object e) {
  Export<Reshape>(env, e, "reshape");
  Export<Permute>(env, e, "permute");
  Export<Transpose>(env, e, "transpose");
  Export<Flatten>(env, e, "flatten");
  Export<Unsqueeze>(env, e, "unsqueeze");
  Export<Squeeze>(env, e, "squeeze");
  Export<Expand>(env, e, "expand");
  Export<Cat>(env, e, "cat");
  Export<Stack>(env, e, "stack");
  Export<Narrow>(env, e, "narrow");
  Export<Slice>(env, e, "slice");
  Export<Select>(env, e, "select");
  Export<IndexSelect>(env, e, "indexSelect");
}

}  // namespace ht
