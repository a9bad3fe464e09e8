// Elementwise arithmetic (broadcasting, tensor or scalar right-hand side), unary functions,
// comparisons and reductions.
#include "handle.h"

namespace ht {

// The right-hand side of a binary op: a tensor, or a JavaScript number taken as a scalar.
static bool RhsIsTensor(const Napi::CallbackInfo& info) { return IsTensor(info, 1); }

static Napi::Value Add(const Napi::CallbackInfo& info) {
  const at::Tensor& a = Arg(info, 0);
  at::Scalar alpha = info.Length() > 2 && info[2].IsNumber() ? ScalarArg(info, 2) : at::Scalar(static_cast<int64_t>(1));
  return Wrap(info.Env(), RhsIsTensor(info) ? at::add(a, Arg(info, 1), alpha) : at::add(a, ScalarArg(info, 1), alpha));
}
static Napi::Value Sub(const Napi::CallbackInfo& info) {
  const at::Tensor& a = Arg(info, 0);
  return Wrap(info.Env(), RhsIsTensor(info) ? at::sub(a, Arg(info, 1)) : at::sub(a, ScalarArg(info, 1)));
}
static Napi::Value Mul(const Napi::CallbackInfo& info) {
  const at::Tensor& a = Arg(info, 0);
  return Wrap(info.Env(), RhsIsTensor(info) ? at::mul(a, Arg(info, 1)) : at::mul(a, ScalarArg(info, 1)));
}
static Napi::Value Div(const Napi::CallbackInfo& info) {
  const at::Tensor& a = Arg(info, 0);
  return Wrap(info.Env(), RhsIsTensor(info) ? at::div(a, Arg(info, 1)) : at::div(a, ScalarArg(info, 1)));
}
static Napi::Value Pow(const Napi::CallbackInfo& info) {
  const at::Tensor& a = Arg(info, 0);
  return Wrap(info.Env(), RhsIsTensor(info) ? at::pow(a, Arg(info, 1)) : at::pow(a, ScalarArg(info, 1)));
}
static Napi::Value Maximum(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::maximum(Arg(info, 0), Arg(info, 1))); }
static Napi::Value Minimum(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::minimum(Arg(info, 0), Arg(info, 1))); }
static Napi::Value Atan2(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::atan2(Arg(info, 0), Arg(info, 1))); }

#define HT_UNARY(NAME, EXPR)                                   \
  static Napi::Value NAME(const Napi::CallbackInfo& info) {    \
    const at::Tensor& x = Arg(info, 0);                        \
    return Wrap(info.Env(), EXPR);                             \
  }
HT_UNARY(Neg, at::neg(x))
HT_UNARY(Exp, at::exp(x))
HT_UNARY(Log, at::log(x))
HT_UNARY(Log1p, at::log1p(x))
HT_UNARY(Sqrt, at::sqrt(x))
HT_UNARY(Abs, at::abs(x))
HT_UNARY(Relu, at::relu(x))
HT_UNARY(Sigmoid, at::sigmoid(x))
HT_UNARY(Tanh, at::tanh(x))
HT_UNARY(Sin, at::sin(x))
HT_UNARY(Cos, at::cos(x))
HT_UNARY(IsFinite, at::isfinite(x))
#undef HT_UNARY

// softplus(x, beta, threshold): log(1 + exp(beta x)) / beta, linear above threshold (PyTorch semantics)
static Napi::Value Softplus(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::softplus(Arg(info, 0), Num(info, 1), Num(info, 2))); }

// clamp(x, min|null, max|null)
static Napi::Value Clamp(const Napi::CallbackInfo& info) {
  c10::optional<at::Scalar> lo, hi;
  if (info.Length() > 1 && info[1].IsNumber()) lo = ScalarArg(info, 1);
  if (info.Length() > 2 && info[2].IsNumber()) hi = ScalarArg(info, 2);
  return Wrap(info.Env(), at::clamp(Arg(info, 0), lo, hi));
}

static Napi::Value Where(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::where(Arg(info, 0), Arg(info, 1), Arg(info, 2))); }

#define HT_COMPARE(NAME, FN)                                                                  \
  static Napi::Value NAME(const Napi::CallbackInfo& info) {                                   \
    const at::Tensor& a = Arg(info, 0);                                                       \
    return Wrap(info.Env(), RhsIsTensor(info) ? FN(a, Arg(info, 1)) : FN(a, ScalarArg(info, 1))); \
  }
HT_COMPARE(Gt, at::gt)
HT_COMPARE(Lt, at::lt)
HT_COMPARE(Ge, at::ge)
HT_COMPARE(Le, at::le)
HT_COMPARE(Eq, at::eq)
#undef HT_COMPARE

// Reductions: (x, dims|null, keepdim). dims null reduces over every dimension.
static Napi::Value Sum(const Napi::CallbackInfo& info) {
  auto dims = OptInts(info, 1);
  const at::Tensor& x = Arg(info, 0);
  return Wrap(info.Env(), dims ? at::sum(x, *dims, Bool(info, 2)) : at::sum(x));
}
static Napi::Value Mean(const Napi::CallbackInfo& info) {
  auto dims = OptInts(info, 1);
  const at::Tensor& x = Arg(info, 0);
  return Wrap(info.Env(), dims ? at::mean(x, *dims, Bool(info, 2)) : at::mean(x));
}
static Napi::Value Amax(const Napi::CallbackInfo& info) {
  auto dims = OptInts(info, 1);
  return Wrap(info.Env(), at::amax(Arg(info, 0), dims ? *dims : std::vector<int64_t>{}, Bool(info, 2)));
}
static Napi::Value Amin(const Napi::CallbackInfo& info) {
  auto dims = OptInts(info, 1);
  return Wrap(info.Env(), at::amin(Arg(info, 0), dims ? *dims : std::vector<int64_t>{}, Bool(info, 2)));
}
static Napi::Value Argmax(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::argmax(Arg(info, 0), Int(info, 1), Bool(info, 2))); }
// norm(x, p, dims|null, keepdim): the vector p-norm
static Napi::Value Norm(const Napi::CallbackInfo& info) {
  auto dims = OptInts(info, 2);
  return Wrap(info.Env(), at::linalg_vector_norm(Arg(info, 0), Num(info, 1), dims ? at::OptionalIntArrayRef(*dims) : c10::nullopt, Bool(info, 3), c10::nullopt));
}

void RegisterMath(Napi::Env env, Napi::Object e) {
  Export<Add>(env, e, "add");
  Export<Sub>(env, e, "sub");
  Export<Mul>(env, e, "mul");
  Export<Div>(env, e, "div");
  Export<Pow>(env, e, "pow");
  Export<Maximum>(env, e, "maximum");
  Export<Minimum>(env, e, "minimum");
  Export<Atan2>(env, e, "atan2");
  Export<Neg>(env, e, "neg");
  Export<Exp>(env, e, "exp");
  Export<Log>(env, e, "log");
  Export<Log1p>(env, e, "log1p");
  Export<Sqrt>(env, e, "sqrt");
  Export<Abs>(env, e, "abs");
  Export<Relu>(env, e, "relu");
  Export<Sigmoid>(env, e, "sigmoid");
  Export<Tanh>(env, e, "tanh");
  Export<Sin>(env, e, "sin");
  Export<Cos>(env, e, "cos");
  Export<IsFinite>(env, e, "isfinite");
  Export<Softplus>(env, e, "softplus");
  Export<Clamp>(env, e, "clamp");
  Export<Where>(env, e, "where");
  Export<Gt>(env, e, "gt");
  Export<Lt>(env, e, "lt");
  Export<Ge>(env, e, "ge");
  Export<Le>(env, e, "le");
  Export<Eq>(env, e, "eq");
  Export<Sum>(env, e, "sum");
  Export<Mean>(env, e, "mean");
  Export<Amax>(env, e, "amax");
  Export<Amin>(env, e, "amin");
  Export<Argmax>(env, e, "argmax");
  Export<Norm>(env, e, "norm");
}

}  // namespace ht
