// Module entry: per-environment instance data and registration of every translation unit's functions.
#include "common.h"

namespace sdarts {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<AddonData>(new AddonData());
  RegisterCreation(env, exports);
  RegisterPointwise(env, exports);
  RegisterReduction(env, exports);
  RegisterShape(env, exports);
  RegisterNN(env, exports);
  RegisterAutograd(env, exports);
  RegisterRuntime(env, exports);
  RegisterBenchFloor(env, exports);
  return exports;
}

}  // namespace sdarts

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return sdarts::Init(env, exports); }

NODE_API_MODULE(sdarts_native, InitAddon)
