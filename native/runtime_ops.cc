// Runtime: disposal and live-tensor accounting, threads, CUDA queries, version info, the op counter.
#include "common.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <ATen/record_function.h>
#include <torch/headeronly/version.h>

#include <malloc.h>

#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>

#ifdef SDARTS_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace sdarts {
namespace {

// dispose(h) -> true if the handle was live. Idempotent: disposing twice returns false.
Napi::Value Dispose(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Table(info).Release(ArgHandle(info, 0)));
}

// disposeMany(Int32Array of handles) -> number released. One boundary crossing for a whole scope.
Napi::Value DisposeMany(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw ArgError("argument 0 must be an Int32Array of tensor handles");
  }
  auto arr = info[0].As<Napi::Int32Array>();
  auto& table = Table(info);
  double n = 0;
  for (size_t k = 0; k < arr.ElementLength(); k++) n += table.Release(arr[k]) ? 1 : 0;
  return Napi::Number::New(info.Env(), n);
}

// memory() -> { liveTensors, bytes: { cpu, cuda:0, ... } } counting each storage once (views share).
Napi::Value Memory(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto& table = Table(info);
  std::unordered_set<const void*> seen;
  std::map<std::string, double> bytes;
  bytes["cpu"] = 0;
  for (const auto& t : table.Slots()) {
    if (!t.defined() || !t.has_storage()) continue;
    const void* key = t.storage().unsafeGetStorageImpl();
    if (!seen.insert(key).second) continue;
    bytes[t.device().str()] += static_cast<double>(t.storage().nbytes());
  }
  auto out = Napi::Object::New(env);
  out.Set("liveTensors", Napi::Number::New(env, static_cast<double>(table.Live())));
  auto b = Napi::Object::New(env);
  for (const auto& [k, v] : bytes) b.Set(k, Napi::Number::New(env, v));
  out.Set("bytes", b);
  return out;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = ArgInt(info, 0);
  if (n < 1) throw ArgError("thread count must be >= 1", true);
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), at::get_num_threads()); }

Napi::Value CudaIsAvailable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::hasCUDA() && at::detail::getCUDAHooks().getNumGPUs() > 0);
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0);
}

Napi::Value CudaSynchronize(const Napi::CallbackInfo& info) {
  auto idx = static_cast<c10::DeviceIndex>(ArgInt(info, 0));
  if (!at::hasCUDA()) throw ArgError("CUDA is not available in this LibTorch build or on this machine", true);
  at::detail::getCUDAHooks().deviceSynchronize(idx);
  return info.Env().Undefined();
}

// cudaMemoryStats(idx) -> { allocated, allocatedPeak, reserved, reservedPeak } in bytes (caching allocator).
Napi::Value CudaMemoryStats(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto idx = static_cast<c10::DeviceIndex>(ArgInt(info, 0));
#ifdef SDARTS_WITH_CUDA
  if (!at::hasCUDA()) throw ArgError("CUDA is not available on this machine", true);
  auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(idx);
  constexpr size_t agg = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
  auto out = Napi::Object::New(env);
  out.Set("allocated", Napi::Number::New(env, static_cast<double>(stats.allocated_bytes[agg].current)));
  out.Set("allocatedPeak", Napi::Number::New(env, static_cast<double>(stats.allocated_bytes[agg].peak)));
  out.Set("reserved", Napi::Number::New(env, static_cast<double>(stats.reserved_bytes[agg].current)));
  out.Set("reservedPeak", Napi::Number::New(env, static_cast<double>(stats.reserved_bytes[agg].peak)));
  return out;
#else
  (void)idx;
  throw ArgError("this addon was built against a CPU-only LibTorch; rebuild against a CUDA LibTorch for CUDA memory stats", true);
  return env.Undefined();
#endif
}

// mallocTune(mmapThreshold, trimThreshold) -> true if glibc accepted both. Keeps freed tensor memory
// in the heap instead of returning it to the OS after every step (page faults cost more than the ops
// on small machines: measured 2x per search step on CPU). The JS loader calls it once.
Napi::Value MallocTune(const Napi::CallbackInfo& info) {
  int64_t mmapThreshold = ArgInt(info, 0);
  int64_t trimThreshold = ArgInt(info, 1);
  constexpr int64_t kMax = 2147483647;
  if (mmapThreshold < 0 || mmapThreshold > kMax || trimThreshold < 0 || trimThreshold > kMax) {
    throw ArgError("thresholds must be byte counts in [0, 2^31 - 1]", true);
  }
  bool ok = true;
#ifdef __GLIBC__
  ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmapThreshold)) == 1 && ok;
  ok = mallopt(M_TRIM_THRESHOLD, static_cast<int>(trimThreshold)) == 1 && ok;
#else
  (void)mmapThreshold;
  (void)trimThreshold;
  ok = false;
#endif
  return Napi::Boolean::New(info.Env(), ok);
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto out = Napi::Object::New(env);
  out.Set("torchVersion", Napi::String::New(env, TORCH_VERSION));
#ifdef SDARTS_WITH_CUDA
  out.Set("cudaBuild", Napi::Boolean::New(env, true));
#else
  out.Set("cudaBuild", Napi::Boolean::New(env, false));
#endif
  out.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  return out;
}


// ---- the op counter (docs/performance.md "Kernel counts") ----
// Counts the ATen operator calls the dispatcher reports to RecordFunction observers in the FUNCTION
// scope (every op entering the dispatcher through Dispatcher::call, including those an autograd
// backward node calls; the node itself is BACKWARD_FUNCTION scope and is not counted). `topLevel` counts
// the calls made while no other counted op is running on this thread (what user code and backward nodes
// call); `all` counts nested calls too (the ops a composite op decomposes into). The callback is
// thread-local: it sees the ops of the thread that turned it on, which on the CPU includes backward
// (the autograd engine runs CPU work on the calling thread). Off, it costs nothing: the callback is
// removed, not muted.
struct OpCounter {
  at::CallbackHandle handle = 0;
  bool byName = false;
  int64_t depth = 0;
  double topLevel = 0;
  double all = 0;
  std::unordered_map<std::string, double> names;     // top-level calls by operator name, when byName
  std::unordered_map<std::string, double> allNames;  // every call by operator name, when byName
};
thread_local OpCounter tlsCounter;

std::unique_ptr<at::ObserverContext> CountStart(const at::RecordFunction& fn) {
  auto& c = tlsCounter;
  c.all += 1;
  if (c.byName) c.allNames[fn.name()] += 1;
  if (c.depth++ == 0) {
    c.topLevel += 1;
    if (c.byName) c.names[fn.name()] += 1;
  }
  return nullptr;
}

void CountEnd(const at::RecordFunction&, at::ObserverContext*) { tlsCounter.depth -= 1; }

Napi::Value CounterReport(Napi::Env env, const OpCounter& c) {
  auto out = Napi::Object::New(env);
  out.Set("on", Napi::Boolean::New(env, c.handle != 0));
  out.Set("topLevel", Napi::Number::New(env, c.topLevel));
  out.Set("all", Napi::Number::New(env, c.all));
  auto names = Napi::Object::New(env);
  for (const auto& [k, v] : c.names) names.Set(k, Napi::Number::New(env, v));
  out.Set("byName", names);
  auto allNames = Napi::Object::New(env);
  for (const auto& [k, v] : c.allNames) allNames.Set(k, Napi::Number::New(env, v));
  out.Set("allByName", allNames);
  return out;
}

// opCounter('on', byName) resets the counts and starts counting; opCounter('read') reports them;
// opCounter('off') stops counting (the callback is removed) and reports the final counts.
// Report: { on, topLevel, all, byName: { 'aten::add': n, ... }, allByName } (by name: empty unless asked for).
Napi::Value OpCounterFn(const Napi::CallbackInfo& info) {
  auto mode = ArgString(info, 0);
  auto& c = tlsCounter;
  if (mode == "on") {
    bool byName = info.Length() > 1 && !info[1].IsUndefined() && ArgBool(info, 1);
    if (c.handle == 0) {
      c.handle = at::addThreadLocalCallback(at::RecordFunctionCallback(CountStart, CountEnd).needsInputs(false).scopes({at::RecordScope::FUNCTION}));
    }
    c.byName = byName;
    c.depth = 0;
    c.topLevel = 0;
    c.all = 0;
    c.names.clear();
    c.allNames.clear();
    return CounterReport(info.Env(), c);
  }
  if (mode == "read") return CounterReport(info.Env(), c);
  if (mode == "off") {
    if (c.handle != 0) at::removeCallback(c.handle);
    c.handle = 0;
    return CounterReport(info.Env(), c);
  }
  throw ArgError("op counter mode must be 'on', 'off' or 'read', got '" + mode + "'", true);
}

}  // namespace

void RegisterRuntime(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "dispose", Dispose);
  Export(env, exports, "disposeMany", DisposeMany);
  Export(env, exports, "memory", Memory);
  Export(env, exports, "setNumThreads", SetNumThreads);
  Export(env, exports, "getNumThreads", GetNumThreads);
  Export(env, exports, "cudaIsAvailable", CudaIsAvailable);
  Export(env, exports, "cudaDeviceCount", CudaDeviceCount);
  Export(env, exports, "cudaSynchronize", CudaSynchronize);
  Export(env, exports, "cudaMemoryStats", CudaMemoryStats);
  Export(env, exports, "buildInfo", BuildInfo);
  Export(env, exports, "mallocTune", MallocTune);
  Export(env, exports, "opCounter", OpCounterFn);
}

}  // namespace sdarts
