// Neural-network kernels: convolution, batch normalization, pooling, linear layers.
#include "handle.h"

namespace ht {

// conv2d(x, weight, bias|null, stride[2], padding[2], dilation[2], groups)
static Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  return Wrap(info.Env(), at::conv2d(Arg(info, 0), Arg(info, 1), OptArg(info, 2), Ints(info, 3), Ints(info, 4), Ints(info, 5), Int(info, 6)));
}

// batchNorm(x, weight|null, bias|null, runningMean|null, runningVar|null, training, momentum, eps)
// In training mode libtorch updates runningMean/runningVar in place (PyTorch's momentum convention).
static Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  return Wrap(info.Env(), at::batch_norm(Arg(info, 0), OptArg(info, 1), OptArg(info, 2), OptArg(info, 3), OptArg(info, 4), Bool(info, 5), Num(info, 6), Num(info, 7), false));
}

// maxPool2d(x, kernel[2], stride[2], padding[2], dilation[2], ceilMode)
static Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
  return Wrap(info.Env(), at::max_pool2d(Arg(info, 0), Ints(info, 1), Ints(info, 2), Ints(info, 3), Ints(info, 4), Bool(info, 5)));
}

// adaptiveAvgPool2d(x, outputSize[2])
static Napi::Value AdaptiveAvgPool2d(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::adaptive_avg_pool2d(Arg(info, 0), Ints(info, 1))); }

// linear(x, weight[out, in], bias|null) = x W^T + b
static Napi::Value Linear(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::linear(Arg(info, 0), Arg(info, 1), OptArg(info, 2))); }

static Napi::Value Matmul(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::matmul(Arg(info, 0), Arg(info, 1))); }

// dropout(x, p, training)
static Napi::Value Dropout(const Napi::CallbackInfo& info) { return Wrap(info.Env(), at::dropout(Arg(info, 0), Num(info, 1), Bool(info, 2))); }

void RegisterNn(Napi::Env env, Napi::Object e) {
  Export<Conv2d>(env, e, "conv2d");
  Export<BatchNorm>(env, e, "batchNorm");
  Export<MaxPool2d>(env, e, "maxPool2d");
  Export<AdaptiveAvgPool2d>(env, e, "adaptiveAvgPool2d");
  Export<Linear>(env, e, "linear");
  Export<Matmul>(env, e, "matmul");
  Export<Dropout>(env, e, "dropout");
}

}  // namespace ht
