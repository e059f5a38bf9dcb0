// Shared plumbing of the addon: the handle table, argument conversion and the error guard.
// Every exported function is a plain `Napi::Value f(const Napi::CallbackInfo&)` registered through
// `Export`, which wraps it so C++ and LibTorch exceptions become JS errors with a `code`.
#pragma once
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include <napi.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sdarts {

// JS tensors hold an int32 handle into this table (not one ObjectWrap per tensor): allocation is a
// vector slot, and freeing is deterministic via dispose().
class TensorTable {
 public:
  int32_t Put(at::Tensor t);
  at::Tensor& Get(int32_t h);
  bool Release(int32_t h);
  size_t Live() const { return slots_.size() - free_.size(); }
  const std::vector<at::Tensor>& Slots() const { return slots_; }

 private:
  std::vector<at::Tensor> slots_;
  std::vector<int32_t> free_;
};

using NativeFn = Napi::Value (*)(const Napi::CallbackInfo&);
struct AddonData;

struct ExportEntry {
  std::string name;
  NativeFn fn;
  AddonData* data;  // the environment's state, reachable from info.Data() without another N-API call
};

// Per-environment state (vitest workers, worker threads): never statics.
struct AddonData {
  TensorTable table;
  std::vector<std::unique_ptr<ExportEntry>> entries;
  // Argument slots shared with JS for the hottest entry points (see pointwise_ops.cc BinaryFast):
  // JS writes op code and handles here, then calls with no arguments — no per-argument N-API calls.
  Napi::Reference<Napi::Int32Array> argRef;  // created by argSlots(), owned here
  int32_t* args = nullptr;
};

inline AddonData& Data(const Napi::CallbackInfo& info) {
  return *static_cast<ExportEntry*>(info.Data())->data;
}

// A malformed call (wrong N-API type, bad handle, out-of-range value). Becomes TypeError/RangeError.
struct ArgError : std::runtime_error {
  bool range;
  ArgError(const std::string& msg, bool isRange = false) : std::runtime_error(msg), range(isRange) {}
};

inline TensorTable& Table(const Napi::CallbackInfo& info) {
  return static_cast<ExportEntry*>(info.Data())->data->table;
}

void Export(Napi::Env env, Napi::Object exports, const char* name, NativeFn fn);

// ---- argument conversion (index i of info) ----
at::Tensor& ArgTensor(const Napi::CallbackInfo& info, size_t i);
int32_t ArgHandle(const Napi::CallbackInfo& info, size_t i);          // a well-formed handle, live or not
int32_t HandleValue(const Napi::Value& v, const std::string& what);  // the same, for a list element
int32_t ArgOpCode(const Napi::CallbackInfo& info, size_t i, const char* family);  // an int32 >= 0
std::optional<at::Tensor> ArgOptTensor(const Napi::CallbackInfo& info, size_t i);
std::vector<at::Tensor> ArgTensorList(const Napi::CallbackInfo& info, size_t i);
int64_t ArgInt(const Napi::CallbackInfo& info, size_t i);
std::optional<int64_t> ArgOptInt(const Napi::CallbackInfo& info, size_t i);
double ArgDouble(const Napi::CallbackInfo& info, size_t i);
std::optional<double> ArgOptDouble(const Napi::CallbackInfo& info, size_t i);
bool ArgBool(const Napi::CallbackInfo& info, size_t i);
std::string ArgString(const Napi::CallbackInfo& info, size_t i);
std::vector<int64_t> ArgIntList(const Napi::CallbackInfo& info, size_t i);
std::optional<std::vector<int64_t>> ArgOptIntList(const Napi::CallbackInfo& info, size_t i);
at::Scalar ArgScalar(const Napi::CallbackInfo& info, size_t i);
c10::ScalarType ArgDtype(const Napi::CallbackInfo& info, size_t i);
int64_t ArgReduction(const Napi::CallbackInfo& info, size_t i);  // an at::Reduction code
c10::Device ArgDevice(const Napi::CallbackInfo& info, size_t i);
int32_t DeviceCode(const c10::Device& d);

// ---- results ----
Napi::Value Ret(const Napi::CallbackInfo& info, at::Tensor t);
Napi::Value RetList(const Napi::CallbackInfo& info, const std::vector<at::Tensor>& ts);

// The out-of-place tensor-tensor pointwise path every binary op takes (pointwise_ops.cc); the bench
// floor addon (bench_floor.cc, built only for `npm run bench:ops`) times it directly so the TS
// overhead is measured against the same native work.
at::Tensor PointwiseBinary(int op, const at::Tensor& a, const at::Tensor& b, const at::Scalar& alpha);

// Registration, one per translation unit.
void RegisterCreation(Napi::Env env, Napi::Object exports);
void RegisterPointwise(Napi::Env env, Napi::Object exports);
void RegisterReduction(Napi::Env env, Napi::Object exports);
void RegisterShape(Napi::Env env, Napi::Object exports);
void RegisterNN(Napi::Env env, Napi::Object exports);
void RegisterAutograd(Napi::Env env, Napi::Object exports);
void RegisterForeach(Napi::Env env, Napi::Object exports);
void RegisterRuntime(Napi::Env env, Napi::Object exports);
void RegisterContract(Napi::Env env, Napi::Object exports);

}  // namespace sdarts
