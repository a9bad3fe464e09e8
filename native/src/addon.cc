// Entry point of the heimdall_torch addon: registers every binding group.
#include "handle.h"

static Napi::Object InitHeimdallTorch(Napi::Env env, Napi::Object exports) {
  ht::RegisterTensorIo(env, exports);
  ht::RegisterMath(env, exports);
  ht::RegisterShape(env, exports);
  ht::RegisterNn(env, exports);
  ht::RegisterInplace(env, exports);
  ht::RegisterAutograd(env, exports);
  return exports;
}

NODE_API_MODULE(heimdall_torch, InitHeimdallTorch)
