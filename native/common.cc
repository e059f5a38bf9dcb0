#include "common.h"
#include "op_list.h"

#include <ATen/core/Reduction.h>

#include <c10/util/Exception.h>

#include <cmath>

namespace sdarts {

int32_t TensorTable::Put(at::Tensor t) {
  if (!free_.empty()) {
    int32_t h = free_.back();
    free_.pop_back();
    slots_[h] = std::move(t);
    return h;
  }
  slots_.push_back(std::move(t));
  return static_cast<int32_t>(slots_.size() - 1);
}

at::Tensor& TensorTable::Get(int32_t h) {
  if (h < 0 || static_cast<size_t>(h) >= slots_.size() || !slots_[h].defined()) {
    throw ArgError("tensor handle " + std::to_string(h) + " is not live (the tensor was disposed)");
  }
  return slots_[h];
}

bool TensorTable::Release(int32_t h) {
  if (h < 0 || static_cast<size_t>(h) >= slots_.size() || !slots_[h].defined()) return false;
  slots_[h] = at::Tensor();
  free_.push_back(h);
  return true;
}

namespace {

std::string CleanTorchMessage(const char* raw) {
  std::string msg(raw ? raw : "unknown LibTorch error");
  // LibTorch appends C++ locations; a JS user needs the sentence, not the backtrace.
  for (const char* marker : {"\nException raised from", "Exception raised from", " (Triggered internally at"}) {
    auto pos = msg.find(marker);
    if (pos != std::string::npos) msg.erase(pos);
  }
  // Dispatcher errors list every registered kernel with its .cpp location: keep the first paragraph.
  auto para = msg.find("\n\n");
  if (para != std::string::npos && msg.find(".cpp", para) != std::string::npos) msg.erase(para);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

[[noreturn]] void ThrowJs(Napi::Env env, const char* kind, const std::string& msg, const char* code) {
  Napi::Error err;
  if (kind[0] == 'T') {
    err = Napi::TypeError::New(env, msg);
  } else if (kind[0] == 'R') {
    err = Napi::RangeError::New(env, msg);
  } else {
    err = Napi::Error::New(env, msg);
  }
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

// LibTorch sometimes names the op itself ("select(): index 9 out of range"): don't say it twice.
std::string Prefixed(const std::string& prefix, const std::string& msg) {
  return msg.rfind(prefix, 0) == 0 ? msg : prefix + msg;
}

[[noreturn]] Napi::Value Rethrow(const Napi::CallbackInfo& info, const std::string& prefix);

Napi::Value Guarded(const Napi::CallbackInfo& info) {
  auto* entry = static_cast<ExportEntry*>(info.Data());
  try {
    return entry->fn(info);
  } catch (...) {
    // The message prefix is built only on failure: the success path must not allocate.
    return Rethrow(info, entry->name + "(): ");
  }
}

// Called inside a catch handler: rethrows the active exception as the right JS error.
[[noreturn]] Napi::Value Rethrow(const Napi::CallbackInfo& info, const std::string& prefix) {
  try {
    throw;
  } catch (const Napi::Error&) {
    throw;
  } catch (const ArgError& e) {
    ThrowJs(info.Env(), e.range ? "R" : "T", prefix + e.what(), "ERR_SDARTS_NATIVE_ARG");
  } catch (const c10::IndexError& e) {
    ThrowJs(info.Env(), "R", Prefixed(prefix, CleanTorchMessage(e.what_without_backtrace())), "ERR_SDARTS_TORCH");
  } catch (const c10::TypeError& e) {
    ThrowJs(info.Env(), "T", Prefixed(prefix, CleanTorchMessage(e.what_without_backtrace())), "ERR_SDARTS_TORCH");
  } catch (const c10::Error& e) {
    ThrowJs(info.Env(), "E", Prefixed(prefix, CleanTorchMessage(e.what_without_backtrace())), "ERR_SDARTS_TORCH");
  } catch (const std::bad_alloc&) {
    ThrowJs(info.Env(), "E", prefix + "out of memory", "ERR_SDARTS_OUT_OF_MEMORY");
  } catch (const std::exception& e) {
    ThrowJs(info.Env(), "E", Prefixed(prefix, CleanTorchMessage(e.what())), "ERR_SDARTS_TORCH");
  } catch (...) {
    ThrowJs(info.Env(), "E", prefix + "unknown native error", "ERR_SDARTS_TORCH");
  }
}

void Need(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length()) throw ArgError("missing argument " + std::to_string(i) + " (" + what + ")");
}

bool IsNullish(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

}  // namespace

void Export(Napi::Env env, Napi::Object exports, const char* name, NativeFn fn) {
  auto* data = env.GetInstanceData<AddonData>();
  data->entries.push_back(std::make_unique<ExportEntry>(ExportEntry{name, fn, data}));
  exports.Set(name, Napi::Function::New(env, Guarded, name, data->entries.back().get()));
}

at::Tensor& ArgTensor(const Napi::CallbackInfo& info, size_t i) {
  Need(info, i, "tensor handle");
  if (!info[i].IsNumber()) throw ArgError("argument " + std::to_string(i) + " must be a tensor handle (number)");
  return Table(info).Get(info[i].As<Napi::Number>().Int32Value());
}

std::optional<at::Tensor> ArgOptTensor(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || IsNullish(info[i])) return std::nullopt;
  return ArgTensor(info, i);
}

std::vector<at::Tensor> ArgTensorList(const Napi::CallbackInfo& info, size_t i) {
  Need(info, i, "tensor handle list");
  if (!info[i].IsArray()) throw ArgError("argument " + std::to_string(i) + " must be an array of tensor handles");
  auto arr = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  auto& table = Table(info);
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr[k];
    if (!v.IsNumber()) throw ArgError("element " + std::to_string(k) + " of argument " + std::to_string(i) + " must be a tensor handle");
    out.push_back(table.Get(v.As<Napi::Number>().Int32Value()));
  }
  return out;
}

int64_t ArgInt(const Napi::CallbackInfo& info, size_t i) {
  Need(info, i, "integer");
  if (!info[i].IsNumber() && info[i].IsBigInt()) {
    bool lossless = true;
    return info[i].As<Napi::BigInt>().Int64Value(&lossless);
  }
  if (!info[i].IsNumber()) throw ArgError("argument " + std::to_string(i) + " must be an integer");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d == d) || d != static_cast<double>(static_cast<int64_t>(d))) {
    throw ArgError("argument " + std::to_string(i) + " must be an integer, got " + std::to_string(d), true);
  }
  return static_cast<int64_t>(d);
}

std::optional<int64_t> ArgOptInt(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || IsNullish(info[i])) return std::nullopt;
  return ArgInt(info, i);
}

double ArgDouble(const Napi::CallbackInfo& info, size_t i) {
  Need(info, i, "number");
  if (!info[i].IsNumber()) throw ArgError("argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

std::optional<double> ArgOptDouble(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || IsNullish(info[i])) return std::nullopt;
  return ArgDouble(info, i);
}

bool ArgBool(const Napi::CallbackInfo& info, size_t i) {
  Need(info, i, "boolean");
  if (!info[i].IsBoolean()) throw ArgError("argument " + std::to_string(i) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i) {
  Need(info, i, "string");
  if (!info[i].IsString()) throw ArgError("argument " + std::to_string(i) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

std::vector<int64_t> ArgIntList(const Napi::CallbackInfo& info, size_t i) {
  Need(info, i, "integer list");
  if (!info[i].IsArray()) throw ArgError("argument " + std::to_string(i) + " must be an array of integers");
  auto arr = info[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr[k];
    if (!v.IsNumber()) throw ArgError("element " + std::to_string(k) + " of argument " + std::to_string(i) + " must be an integer");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d == d) || d != static_cast<double>(static_cast<int64_t>(d))) {
      throw ArgError("element " + std::to_string(k) + " of argument " + std::to_string(i) + " must be an integer", true);
    }
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}

std::optional<std::vector<int64_t>> ArgOptIntList(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || IsNullish(info[i])) return std::nullopt;
  return ArgIntList(info, i);
}

at::Scalar ArgScalar(const Napi::CallbackInfo& info, size_t i) {
  Need(info, i, "scalar");
  Napi::Value v = info[i];
  if (!v.IsNumber()) {
    if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
    if (v.IsBigInt()) {
      bool lossless = true;
      return at::Scalar(static_cast<int64_t>(v.As<Napi::BigInt>().Int64Value(&lossless)));
    }
    throw ArgError("argument " + std::to_string(i) + " must be a number or boolean");
  }
  double d = v.As<Napi::Number>().DoubleValue();
  // JS has one number type: integral values become integral scalars (as a Python int would), so
  // `intTensor.add_(1)` keeps its dtype and float tensors are unaffected.
  if (d == std::trunc(d) && std::fabs(d) <= 9007199254740992.0) return at::Scalar(static_cast<int64_t>(d));
  return at::Scalar(d);
}

// Dtype and reduction codes are validated against their lists in op_list.h.
c10::ScalarType ArgDtype(const Napi::CallbackInfo& info, size_t i) {
  int64_t code = ArgInt(info, i);
  switch (code) {
#define SDARTS_ROW(name, type) case static_cast<int64_t>(c10::ScalarType::type):
    SDARTS_DTYPES(SDARTS_ROW)
#undef SDARTS_ROW
      return static_cast<c10::ScalarType>(code);
    default:
      throw ArgError("unsupported dtype code " + std::to_string(code), true);
  }
}

int64_t ArgReduction(const Napi::CallbackInfo& info, size_t i) {
  int64_t code = ArgInt(info, i);
  switch (code) {
#define SDARTS_ROW(name, value) case at::Reduction::value:
    SDARTS_REDUCTIONS(SDARTS_ROW)
#undef SDARTS_ROW
      return code;
    default:
      throw ArgError("unknown reduction code " + std::to_string(code), true);
  }
}

// Devices cross the boundary as integers: -1 = cpu, k >= 0 = cuda:k.
c10::Device ArgDevice(const Napi::CallbackInfo& info, size_t i) {
  int64_t code = ArgInt(info, i);
  if (code == -1) return c10::Device(c10::kCPU);
  if (code >= 0 && code < 64) return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(code));
  throw ArgError("invalid device code " + std::to_string(code), true);
}

int32_t DeviceCode(const c10::Device& d) {
  if (d.is_cpu()) return -1;
  if (d.is_cuda()) return d.has_index() ? d.index() : 0;
  return -2;
}

Napi::Value Ret(const Napi::CallbackInfo& info, at::Tensor t) {
  return Napi::Number::New(info.Env(), Table(info).Put(std::move(t)));
}

Napi::Value RetList(const Napi::CallbackInfo& info, const std::vector<at::Tensor>& ts) {
  auto env = info.Env();
  auto arr = Napi::Array::New(env, ts.size());
  auto& table = Table(info);
  for (size_t k = 0; k < ts.size(); k++) {
    arr.Set(static_cast<uint32_t>(k), Napi::Number::New(env, ts[k].defined() ? table.Put(ts[k]) : -1));
  }
  return arr;
}

}  // namespace sdarts
