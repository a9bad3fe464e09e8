// In-place updates, used by optimizers and initializers under a no-grad scope.
// Each returns undefined: the target handle keeps pointing at the updated tensor.
#include "handle.h"

namespace ht {

static Napi::Value Done(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }

static at::Scalar Alpha(const Napi::CallbackInfo& info) {
  return info.Length() > 2 && info[2].IsNumber() ? ScalarArg(info, 2) : at::Scalar(static_cast<int64_t>(1));
}
// mul_(t, tensor) / mulScalar_(t, number)
static Napi::Value MulInplace(const Napi::CallbackInfo& info) {
  Arg(info, 0).mul_(Arg(info, 1));
  return Done(info);
}
static Napi::Value MulScalarInplace(const Napi::CallbackInfo& info) {
  Arg(info, 0).mul_(ScalarArg(info, 1));
  return Done(info);
}
// add_(t, tensor, alpha) / addScalar_(t, number, alpha)
static Napi::Value AddInplace(const Napi::CallbackInfo& info) {
  Arg(info, 0).add_(Arg(info, 1), Alpha(info));
  return Done(info);
}
static Napi::Value AddScalarInplace(const Napi::CallbackInfo& info) {
  Arg(info, 0).add_(ScalarArg(info, 1), Alpha(info));
  return Done(info);
}
// addcmul_(t, a, b, value): t += value * a * b
static Napi::Value AddcmulInplace(const Napi::CallbackInfo& info) {
  Arg(info, 0).addcmul_(Arg(info, 1), Arg(info, 2), Num(info, 3));
  return Done(info);
}
// addcdiv_(t, a, b, value): t += value * a / b
static Napi::Value AddcdivInplace(const Napi::CallbackInfo& info) {
  Arg(info, 0).addcdiv_(Arg(info, 1), Arg(info, 2), Num(info, 3));
  return Done(info);
}
static Napi::Value CopyInplace(const Napi::CallbackInfo& info) {
  Arg(info, 0).copy_(Arg(info, 1));
  return Done(info);
}
static Napi::Value ZeroInplace(const Napi::CallbackInfo& info) {
  Arg(info, 0).zero_();
  return Done(info);
}
static Napi::Value FillInplace(const Napi::CallbackInfo& info) {
  Arg(info, 0).fill_(ScalarArg(info, 1));
  return Done(info);
}
static Napi::Value UniformInplace(const Napi::CallbackInfo& info) {
  Arg(info, 0).uniform_(Num(info, 1), Num(info, 2));
  return Done(info);
}
static Napi::Value NormalInplace(const Napi::CallbackInfo& info) {
  Arg(info, 0).normal_(Num(info, 1), Num(info, 2));
  return Done(info);
}

void RegisterInplace(Napi::Env env, Napi::Object e) {
  Export<MulInplace>(env, e, "mul_");
  Export<MulScalarInplace>(env, e, "mulScalar_");
  Export<AddInplace>(env, e, "add_");
  Export<AddScalarInplace>(env, e, "addScalar_");
  Export<AddcmulInplace>(env, e, "addcmul_");
  Export<AddcdivInplace>(env, e, "addcdiv_");
  Export<CopyInplace>(env, e, "copy_");
  Export<ZeroInplace>(env, e, "zero_");
  Export<FillInplace>(env, e, "fill_");
  Export<UniformInplace>(env, e, "uniform_");
  Export<NormalInplace>(env, e, "normal_");
}

}  // namespace ht
