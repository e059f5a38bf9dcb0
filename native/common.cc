#include "common.h"
#include "op_list.h"

#include <ATen/core/Reduction.h>

#include <c10/util/Exception.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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

// "out of memory: LibTorch could not allocate 4398046511104 bytes (4096.0 GiB)", the size read from
// LibTorch's message ("you tried to allocate N bytes" on the CPU, "Tried to allocate 2.00 GiB" on CUDA).
std::string OutOfMemoryMessage(const std::string& prefix, const char* raw) {
  std::string msg(raw ? raw : "");
  std::string out = prefix + "out of memory";
  auto pos = msg.find("you tried to allocate ");
  if (pos != std::string::npos) {
    char* end = nullptr;
    double bytes = std::strtod(msg.c_str() + pos + 22, &end);
    if (end != msg.c_str() + pos + 22) {
      char buf[96];
      std::snprintf(buf, sizeof buf, ": LibTorch could not allocate %.0f bytes (%.2f GiB) on the CPU", bytes, bytes / 1073741824.0);
      return out + buf;
    }
  }
  pos = msg.find("Tried to allocate ");
  if (pos != std::string::npos) {
    // "Tried to allocate 2.00 GiB. GPU 0 has ...": the number, a space, the unit.
    size_t start = pos + 18, space = msg.find(' ', start);
    size_t unitEnd = space == std::string::npos ? std::string::npos : msg.find_first_of(". ;(\n", space + 1);
    if (unitEnd != std::string::npos) return out + ": LibTorch could not allocate " + msg.substr(start, unitEnd - start) + " on the GPU";
  }
  return out + ": " + CleanTorchMessage(raw);
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
  } catch (const c10::OutOfMemoryError& e) {
    ThrowJs(info.Env(), "E", OutOfMemoryMessage(prefix, e.what_without_backtrace()), "ERR_SDARTS_OUT_OF_MEMORY");
  } catch (const c10::Error& e) {
    const char* raw = e.what_without_backtrace();
    // The CPU allocator's failure is a plain enforce ("[enforce fail at alloc_cpu.cpp:N] ... can't
    // allocate memory: you tried to allocate N bytes"): it is an out-of-memory error all the same.
    if (raw != nullptr && std::strstr(raw, "DefaultCPUAllocator") != nullptr && std::strstr(raw, "you tried to allocate") != nullptr) {
      ThrowJs(info.Env(), "E", OutOfMemoryMessage(prefix, raw), "ERR_SDARTS_OUT_OF_MEMORY");
    }
    ThrowJs(info.Env(), "E", Prefixed(prefix, CleanTorchMessage(raw)), "ERR_SDARTS_TORCH");
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

// A handle is an int32 >= 0: a fraction, or 2^32 + h, must not alias tensor h (Int32Value would wrap).
int32_t HandleValue(const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) throw ArgError(what + " must be a tensor handle (number)");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 2147483647.0) || d != static_cast<double>(static_cast<int32_t>(d))) {
    throw ArgError(what + " is not a tensor handle (an integer in [0, 2^31 - 1]), got " + std::to_string(d), true);
  }
  return static_cast<int32_t>(d);
}

int32_t ArgHandle(const Napi::CallbackInfo& info, size_t i) {
  Need(info, i, "tensor handle");
  return HandleValue(info[i], "argument " + std::to_string(i));
}

at::Tensor& ArgTensor(const Napi::CallbackInfo& info, size_t i) {
  Need(info, i, "tensor handle");
  Napi::Value v = info[i];
  if (v.IsNumber()) {
    // The fast path: one N-API call, no string built unless the handle is bad.
    double d = v.As<Napi::Number>().DoubleValue();
    if (d >= 0 && d <= 2147483647.0 && d == static_cast<double>(static_cast<int32_t>(d))) return Table(info).Get(static_cast<int32_t>(d));
  }
  return Table(info).Get(HandleValue(v, "argument " + std::to_string(i)));
}

int32_t ArgOpCode(const Napi::CallbackInfo& info, size_t i, const char* family) {
  int64_t code = ArgInt(info, i);
  // Checked before the int cast: 2^32 + k must not become op k.
  if (code < 0 || code > 2147483647) throw ArgError("unknown " + std::string(family) + " op code " + std::to_string(code), true);
  return static_cast<int32_t>(code);
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
    out.push_back(table.Get(HandleValue(v, "element " + std::to_string(k) + " of argument " + std::to_string(i))));
  }
  return out;
}

int64_t ArgInt(const Napi::CallbackInfo& info, size_t i) {
  Need(info, i, "integer");
  if (!info[i].IsNumber() && info[i].IsBigInt()) {
    bool lossless = true;
    int64_t v = info[i].As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) throw ArgError("argument " + std::to_string(i) + " must be an integer in [-2^63, 2^63 - 1]", true);
    return v;
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
      int64_t x = v.As<Napi::BigInt>().Int64Value(&lossless);
      if (!lossless) throw ArgError("argument " + std::to_string(i) + " must be a bigint in [-2^63, 2^63 - 1]", true);
      return at::Scalar(x);
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
