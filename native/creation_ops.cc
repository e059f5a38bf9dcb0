// Tensor creation, data transfer in and out, random sampling and generator state.
#include "common.h"

#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/bernoulli.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/eye.h>
#include <ATen/ops/full.h>
#include <ATen/ops/linspace.h>
#include <ATen/ops/normal.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/randperm.h>
#include <ATen/ops/uniform.h>

#include <cstring>

namespace sdarts {
namespace {

at::TensorOptions Opts(const Napi::CallbackInfo& info, size_t dtypeIdx, size_t deviceIdx) {
  return at::TensorOptions().dtype(ArgDtype(info, dtypeIdx)).device(ArgDevice(info, deviceIdx));
}

void CheckShape(const std::vector<int64_t>& shape) {
  for (auto s : shape) {
    if (s < 0) throw ArgError("shape entries must be >= 0, got " + std::to_string(s), true);
  }
}

// fromData(bytes: ArrayBufferView, shape, dtype, device): copies the bytes into a new tensor.
Napi::Value FromData(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray()) throw ArgError("argument 0 must be a typed array");
  auto view = info[0].As<Napi::TypedArray>();
  auto shape = ArgIntList(info, 1);
  CheckShape(shape);
  auto dtype = ArgDtype(info, 2);
  auto device = ArgDevice(info, 3);
  auto t = at::empty(shape, at::TensorOptions().dtype(dtype));
  size_t nbytes = t.nbytes();
  if (view.ByteLength() != nbytes) {
    throw ArgError("data holds " + std::to_string(view.ByteLength()) + " bytes but shape and dtype need " +
                   std::to_string(nbytes), true);
  }
  auto* src = static_cast<uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset();
  if (nbytes > 0) std::memcpy(t.data_ptr(), src, nbytes);
  if (!device.is_cpu()) t = t.to(device);
  return Ret(info, std::move(t));
}

// toData(h, dst: ArrayBuffer): copies the contiguous CPU bytes of the tensor into dst, which must be
// exactly their size. JS allocates dst (`new ArrayBuffer(n)` throws a catchable RangeError when the
// host is out of memory, where napi_create_arraybuffer would abort the process).
Napi::Value ToData(const Napi::CallbackInfo& info) {
  at::Tensor t = ArgTensor(info, 0);
  if (info.Length() < 2 || !info[1].IsArrayBuffer()) throw ArgError("argument 1 must be an ArrayBuffer to copy the data into");
  auto buf = info[1].As<Napi::ArrayBuffer>();
  at::Tensor c = t.detach();
  size_t nbytes = static_cast<size_t>(c.numel()) * c.element_size();
  if (buf.ByteLength() != nbytes) {
    throw ArgError("the destination holds " + std::to_string(buf.ByteLength()) + " bytes but the tensor has " + std::to_string(nbytes), true);
  }
  if (nbytes == 0) return buf;
  if (!c.device().is_cpu()) c = c.to(c10::kCPU);
  c = c.contiguous();
  std::memcpy(buf.Data(), c.data_ptr(), nbytes);
  return buf;
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  at::Tensor& t = ArgTensor(info, 0);
  if (t.numel() != 1) throw ArgError("item() needs a tensor with one element, got " + std::to_string(t.numel()), true);
  auto s = t.item();
  if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
  return Napi::Number::New(info.Env(), s.toDouble());
}

// meta(h) -> [dtype, device, requiresGrad(0/1), ...shape]: one call gives everything the JS side caches.
Napi::Value Meta(const Napi::CallbackInfo& info) {
  at::Tensor& t = ArgTensor(info, 0);
  auto env = info.Env();
  auto sizes = t.sizes();
  auto arr = Napi::Array::New(env, 3 + sizes.size());
  arr.Set(0u, Napi::Number::New(env, static_cast<int>(t.scalar_type())));
  arr.Set(1u, Napi::Number::New(env, DeviceCode(t.device())));
  arr.Set(2u, Napi::Number::New(env, t.requires_grad() ? 1 : 0));
  for (size_t k = 0; k < sizes.size(); k++) arr.Set(static_cast<uint32_t>(3 + k), Napi::Number::New(env, static_cast<double>(sizes[k])));
  return arr;
}

Napi::Value Full(const Napi::CallbackInfo& info) {
  auto shape = ArgIntList(info, 0);
  CheckShape(shape);
  return Ret(info, at::full(shape, ArgScalar(info, 1), Opts(info, 2, 3)));
}

Napi::Value Empty(const Napi::CallbackInfo& info) {
  auto shape = ArgIntList(info, 0);
  CheckShape(shape);
  return Ret(info, at::empty(shape, Opts(info, 1, 2)));
}

Napi::Value Arange(const Napi::CallbackInfo& info) {
  return Ret(info, at::arange(ArgScalar(info, 0), ArgScalar(info, 1), ArgScalar(info, 2), Opts(info, 3, 4)));
}

Napi::Value Linspace(const Napi::CallbackInfo& info) {
  return Ret(info, at::linspace(ArgScalar(info, 0), ArgScalar(info, 1), ArgInt(info, 2), Opts(info, 3, 4)));
}

Napi::Value Eye(const Napi::CallbackInfo& info) {
  return Ret(info, at::eye(ArgInt(info, 0), ArgInt(info, 1), Opts(info, 2, 3)));
}

Napi::Value Rand(const Napi::CallbackInfo& info) {
  auto shape = ArgIntList(info, 0);
  CheckShape(shape);
  return Ret(info, at::rand(shape, Opts(info, 1, 2)));
}

Napi::Value Randn(const Napi::CallbackInfo& info) {
  auto shape = ArgIntList(info, 0);
  CheckShape(shape);
  return Ret(info, at::randn(shape, Opts(info, 1, 2)));
}

Napi::Value Randint(const Napi::CallbackInfo& info) {
  auto shape = ArgIntList(info, 2);
  CheckShape(shape);
  return Ret(info, at::randint(ArgInt(info, 0), ArgInt(info, 1), shape, Opts(info, 3, 4)));
}

Napi::Value Randperm(const Napi::CallbackInfo& info) {
  return Ret(info, at::randperm(ArgInt(info, 0), Opts(info, 1, 2)));
}

Napi::Value Uniform_(const Napi::CallbackInfo& info) {
  ArgTensor(info, 0).uniform_(ArgDouble(info, 1), ArgDouble(info, 2));
  return info.Env().Undefined();
}

Napi::Value Normal_(const Napi::CallbackInfo& info) {
  ArgTensor(info, 0).normal_(ArgDouble(info, 1), ArgDouble(info, 2));
  return info.Env().Undefined();
}

Napi::Value BernoulliScalar_(const Napi::CallbackInfo& info) {
  ArgTensor(info, 0).bernoulli_(ArgDouble(info, 1));
  return info.Env().Undefined();
}

// bernoulli(p): a new tensor with one draw per element of probabilities p.
Napi::Value Bernoulli(const Napi::CallbackInfo& info) {
  return Ret(info, at::bernoulli(ArgTensor(info, 0)));
}

// manualSeed(seed): a number or a bigint in [-2^63, 2^64 - 1], as torch.manual_seed accepts (a
// negative seed is taken modulo 2^64, as there).
Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  uint64_t seed;
  if (info.Length() > 0 && info[0].IsBigInt()) {
    bool lossless = true;
    auto big = info[0].As<Napi::BigInt>();
    int64_t s = big.Int64Value(&lossless);
    if (lossless) {
      seed = static_cast<uint64_t>(s);
    } else {
      seed = big.Uint64Value(&lossless);
      if (!lossless) throw ArgError("seed must be an integer in [-2^63, 2^64 - 1]", true);
    }
  } else {
    seed = static_cast<uint64_t>(ArgInt(info, 0));
  }
  at::manual_seed(seed);
  return info.Env().Undefined();
}

at::Generator DefaultGenerator(const c10::Device& device) {
  if (device.is_cpu()) return at::detail::getDefaultCPUGenerator();
  return at::detail::getCUDAHooks().getDefaultGenerator(device.index());
}

// getRngState(device) -> Uint8Array of the generator's serialised state.
Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  auto gen = DefaultGenerator(ArgDevice(info, 0));
  at::Tensor state;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    state = gen.get_state();
  }
  auto buf = Napi::ArrayBuffer::New(info.Env(), state.nbytes());
  std::memcpy(buf.Data(), state.data_ptr(), state.nbytes());
  return Napi::Uint8Array::New(info.Env(), state.nbytes(), buf, 0);
}

Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  auto gen = DefaultGenerator(ArgDevice(info, 0));
  if (info.Length() < 2 || !info[1].IsTypedArray()) throw ArgError("argument 1 must be a Uint8Array");
  auto view = info[1].As<Napi::TypedArray>();
  auto state = at::empty({static_cast<int64_t>(view.ByteLength())}, at::TensorOptions().dtype(at::kByte));
  std::memcpy(state.data_ptr(), static_cast<uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset(), view.ByteLength());
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
  return info.Env().Undefined();
}

}  // namespace

void RegisterCreation(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "fromData", FromData);
  Export(env, exports, "toData", ToData);
  Export(env, exports, "item", Item);
  Export(env, exports, "meta", Meta);
  Export(env, exports, "full", Full);
  Export(env, exports, "empty", Empty);
  Export(env, exports, "arange", Arange);
  Export(env, exports, "linspace", Linspace);
  Export(env, exports, "eye", Eye);
  Export(env, exports, "rand", Rand);
  Export(env, exports, "randn", Randn);
  Export(env, exports, "randint", Randint);
  Export(env, exports, "randperm", Randperm);
  Export(env, exports, "uniform_", Uniform_);
  Export(env, exports, "normal_", Normal_);
  Export(env, exports, "bernoulliScalar_", BernoulliScalar_);
  Export(env, exports, "bernoulli", Bernoulli);
  Export(env, exports, "manualSeed", ManualSeed);
  Export(env, exports, "getRngState", GetRngState);
  Export(env, exports, "setRngState", SetRngState);
}

}  // namespace sdarts
