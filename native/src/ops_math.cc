// Elementwise arithmetic (broadcasting, tensor or scalar right-hand side), unary functions,
// comparisons and reductions.
#include "handle.h"

namespace ht {

// Each binary op has a tensor form (name) and a scalar form (nameScalar): tensor handles are
// numbers on the JavaScript side, so the two cannot share one entry point.
static at::Scalar Alpha(const Napi::CallbackInfo& info) {
  return info.Length() > 2 && info[2].IsNumber() ? ScalarArg(info, 2) : at::Scalar(static_cast<int64_t>(1));
}
static Napi::Value Add(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::add(Arg(info, 0), Arg(info, 1), Alpha(info))); }
static Napi::Value AddScalar(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::add(Arg(info, 0), ScalarArg(info, 1), Alpha(info))); }

#define HT_BINARY(NAME, FN)                                                                                      \
  static Napi::Value NAME(const Napi::CallbackInfo& info) { return Wrap(info.Env(), FN(Arg(info, 0), Arg(info, 1))); } \
  static Napi::Value NAME##Scalar(const Napi::CallbackInfo& info) { return Wrap(info.Env(), FN(Arg(info, 0), ScalarArg(info, 1))); }
HT_BINARY(Sub, at::sub)
HT_BINARY(Mul, at::mul)
HT_BINARY(Div, at::div)
HT_BINARY(Pow, at::pow)
HT_BINARY(Gt, at::gt)
HT_BINARY(Lt, at::lt)
HT_BINARY(Ge, at::ge)
HT_BINARY(Le, at::le)
HT_BINARY(Eq, at::eq)
#undef HT_BINARY
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
  Export<AddScalar>(env, e, "addScalar");
#define HT_EXPORT_BINARY(NAME, name) \
  Export<NAME>(env, e, name);        \
  Export<NAME##Scalar>(env, e, name "Scalar");
  HT_EXPORT_BINARY(Sub, "sub")
  HT_EXPORT_BINARY(Mul, "mul")
  HT_EXPORT_BINARY(Div, "div")
  HT_EXPORT_BINARY(Pow, "pow")
  HT_EXPORT_BINARY(Gt, "gt")
  HT_EXPORT_BINARY(Lt, "lt")
  HT_EXPORT_BINARY(Ge, "ge")
  HT_EXPORT_BINARY(Le, "le")
  HT_EXPORT_BINARY(Eq, "eq")
#undef HT_EXPORT_BINARY
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
  Export<Sum>(env, e, "sum");
  Export<Mean>(env, e, "mean");
  Export<Amax>(env, e, "amax");
  Export<Amin>(env, e, "amin");
  Export<Argmax>(env, e, "argmax");
  Export<Norm>(env, e, "norm");
}

}  // namespace ht
