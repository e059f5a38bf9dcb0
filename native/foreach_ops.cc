// LibTorch's multi-tensor (`_foreach_*`) ops: one call for a whole list of tensors (the optimiser, the
// gradient clip and the unrolled architect step, src/tensor/foreach.ts). On the CPU LibTorch runs them
// as a loop of the single-tensor kernels (aten/src/ATen/native/ForeachOpsKernels.cpp, the `_slow`
// kernels), so the results are those of the per-tensor ops bit for bit; on CUDA the fused kernels run.
// This layer converts, calls and maps errors only: the checks of the lists (lengths, dtypes, devices)
// are LibTorch's and src/tensor/foreach.ts's.
#include "common.h"

#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_foreach_copy.h>
#include <ATen/ops/_foreach_mul.h>
#include <ATen/ops/_foreach_norm.h>
#include <ATen/ops/_foreach_sub.h>

#include <utility>

namespace sdarts {
namespace {

// Two lists of one call (arguments 0 and 1) must pair up; LibTorch checks it too, but its message names
// neither argument.
std::pair<std::vector<at::Tensor>, std::vector<at::Tensor>> ArgPair(const Napi::CallbackInfo& info) {
  auto a = ArgTensorList(info, 0), b = ArgTensorList(info, 1);
  if (a.size() != b.size()) {
    throw ArgError("argument 1 has " + std::to_string(b.size()) + " tensor(s) but argument 0 has " + std::to_string(a.size()), true);
  }
  return {std::move(a), std::move(b)};
}

// foreachAdd(a[], b[], alpha) -> [a_i + alpha·b_i]; foreachAdd_ adds in place. Sub likewise.
Napi::Value ForeachAdd(const Napi::CallbackInfo& info) {
  auto [a, b] = ArgPair(info);
  return RetList(info, at::_foreach_add(a, b, ArgScalar(info, 2)));
}
Napi::Value ForeachAdd_(const Napi::CallbackInfo& info) {
  auto [a, b] = ArgPair(info);
  at::_foreach_add_(a, b, ArgScalar(info, 2));
  return info.Env().Undefined();
}
Napi::Value ForeachSub(const Napi::CallbackInfo& info) {
  auto [a, b] = ArgPair(info);
  return RetList(info, at::_foreach_sub(a, b, ArgScalar(info, 2)));
}
Napi::Value ForeachSub_(const Napi::CallbackInfo& info) {
  auto [a, b] = ArgPair(info);
  at::_foreach_sub_(a, b, ArgScalar(info, 2));
  return info.Env().Undefined();
}

// foreachAddScalar_(a[], s): a_i += s
Napi::Value ForeachAddScalar_(const Napi::CallbackInfo& info) {
  auto a = ArgTensorList(info, 0);
  at::_foreach_add_(a, ArgScalar(info, 1));
  return info.Env().Undefined();
}

// foreachMulScalar(a[], s) -> [a_i · s]
Napi::Value ForeachMulScalar(const Napi::CallbackInfo& info) {
  auto a = ArgTensorList(info, 0);
  return RetList(info, at::_foreach_mul(a, ArgScalar(info, 1)));
}

// foreachMulScalar_(a[], s): a_i ·= s
Napi::Value ForeachMulScalar_(const Napi::CallbackInfo& info) {
  auto a = ArgTensorList(info, 0);
  at::_foreach_mul_(a, ArgScalar(info, 1));
  return info.Env().Undefined();
}

// foreachMulTensor_(a[], t): a_i ·= t, t a 0-dim tensor (LibTorch's Tensor overload: no host read of t).
Napi::Value ForeachMulTensor_(const Napi::CallbackInfo& info) {
  auto a = ArgTensorList(info, 0);
  at::_foreach_mul_(a, ArgTensor(info, 1));
  return info.Env().Undefined();
}

// foreachMulList(a[], b[]) -> [a_i · b_i] (each pair broadcasts as the per-tensor product does)
Napi::Value ForeachMulList(const Napi::CallbackInfo& info) {
  auto [a, b] = ArgPair(info);
  return RetList(info, at::_foreach_mul(a, b));
}

// foreachNorm(a[], ord) -> [‖a_i‖_ord] (0-dim tensors)
Napi::Value ForeachNorm(const Napi::CallbackInfo& info) {
  auto a = ArgTensorList(info, 0);
  return RetList(info, at::_foreach_norm(a, ArgScalar(info, 1)));
}

// foreachCopy_(dst[], src[]): dst_i.copy_(src_i)
Napi::Value ForeachCopy_(const Napi::CallbackInfo& info) {
  auto [dst, src] = ArgPair(info);
  at::_foreach_copy_(dst, src, false);
  return info.Env().Undefined();
}

}  // namespace

void RegisterForeach(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "foreachAdd", ForeachAdd);
  Export(env, exports, "foreachAdd_", ForeachAdd_);
  Export(env, exports, "foreachAddScalar_", ForeachAddScalar_);
  Export(env, exports, "foreachSub", ForeachSub);
  Export(env, exports, "foreachSub_", ForeachSub_);
  Export(env, exports, "foreachMulScalar", ForeachMulScalar);
  Export(env, exports, "foreachMulScalar_", ForeachMulScalar_);
  Export(env, exports, "foreachMulTensor_", ForeachMulTensor_);
  Export(env, exports, "foreachMulList", ForeachMulList);
  Export(env, exports, "foreachNorm", ForeachNorm);
  Export(env, exports, "foreachCopy_", ForeachCopy_);
}

}  // namespace sdarts
