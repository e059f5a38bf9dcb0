// Module entry: per-environment instance data and registration of every translation unit's functions.
#include "common.h"

#include <c10/util/Exception.h>

#include <iostream>

namespace sdarts {

// LibTorch warns "Could not initialize NNPACK! Reason: Unsupported hardware." on every conv of some
// shapes on CPUs without NNPACK support (thousands of lines per search step). It is harmless (the
// default kernels are used); drop that one message and pass every other warning through.
class WarningFilter : public c10::WarningHandler {
 public:
  void process(const c10::Warning& w) override {
    const std::string& msg = w.msg();
    if (msg.find("NNPACK") != std::string::npos) return;
    std::cerr << "[LibTorch warning] " << msg << std::endl;
  }
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  static WarningFilter filter;
  c10::WarningUtils::set_warning_handler(&filter);
  env.SetInstanceData<AddonData>(new AddonData());
  RegisterCreation(env, exports);
  RegisterPointwise(env, exports);
  RegisterReduction(env, exports);
  RegisterShape(env, exports);
  RegisterNN(env, exports);
  RegisterAutograd(env, exports);
  RegisterForeach(env, exports);
  RegisterRuntime(env, exports);
  RegisterContract(env, exports);
  return exports;
}

}  // namespace sdarts

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return sdarts::Init(env, exports); }

NODE_API_MODULE(sdarts_native, InitAddon)
