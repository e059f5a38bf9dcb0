// Reductions and matrix products.
#include "common.h"

#include <ATen/ops/addmm.h>
#include <ATen/ops/bmm.h>
#include <ATen/ops/linalg_vector_norm.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/topk.h>

namespace sdarts {
namespace {

// sum(a, dims|null, keepdim, dtype|null)
Napi::Value Sum(const Napi::CallbackInfo& info) {
  at::Tensor& a = ArgTensor(info, 0);
  auto dims = ArgOptIntList(info, 1);
  bool keepdim = ArgBool(info, 2);
  std::optional<c10::ScalarType> dtype;
  if (info.Length() > 3 && !info[3].IsNull() && !info[3].IsUndefined()) dtype = ArgDtype(info, 3);
  if (!dims) return Ret(info, a.sum(dtype));
  return Ret(info, a.sum(at::OptionalIntArrayRef(*dims), keepdim, dtype));
}

Napi::Value Mean(const Napi::CallbackInfo& info) {
  at::Tensor& a = ArgTensor(info, 0);
  auto dims = ArgOptIntList(info, 1);
  bool keepdim = ArgBool(info, 2);
  if (!dims) return Ret(info, a.mean());
  return Ret(info, a.mean(at::OptionalIntArrayRef(*dims), keepdim));
}

// maxAll / minAll: the global extreme as a 0-d tensor.
Napi::Value MaxAll(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).max()); }
Napi::Value MinAll(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).min()); }

// maxDim(a, dim, keepdim) -> [values, indices]
Napi::Value MaxDim(const Napi::CallbackInfo& info) {
  auto r = ArgTensor(info, 0).max(ArgInt(info, 1), ArgBool(info, 2));
  return RetList(info, {std::get<0>(r), std::get<1>(r)});
}

Napi::Value MinDim(const Napi::CallbackInfo& info) {
  auto r = ArgTensor(info, 0).min(ArgInt(info, 1), ArgBool(info, 2));
  return RetList(info, {std::get<0>(r), std::get<1>(r)});
}

Napi::Value Argmax(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).argmax(ArgOptInt(info, 1), ArgBool(info, 2)));
}

Napi::Value Argmin(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).argmin(ArgOptInt(info, 1), ArgBool(info, 2)));
}

// topk(a, k, dim, largest, sorted) -> [values, indices]
Napi::Value Topk(const Napi::CallbackInfo& info) {
  auto r = at::topk(ArgTensor(info, 0), ArgInt(info, 1), ArgInt(info, 2), ArgBool(info, 3), ArgBool(info, 4));
  return RetList(info, {std::get<0>(r), std::get<1>(r)});
}

// norm(a, p, dims|null, keepdim): vector norm over the dims (all elements when null).
Napi::Value Norm(const Napi::CallbackInfo& info) {
  auto dims = ArgOptIntList(info, 2);
  at::OptionalIntArrayRef d = dims ? at::OptionalIntArrayRef(*dims) : at::OptionalIntArrayRef();
  return Ret(info, at::linalg_vector_norm(ArgTensor(info, 0), ArgScalar(info, 1), d, ArgBool(info, 3)));
}

Napi::Value Any(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).any()); }
Napi::Value All(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).all()); }

Napi::Value Matmul(const Napi::CallbackInfo& info) { return Ret(info, at::matmul(ArgTensor(info, 0), ArgTensor(info, 1))); }
Napi::Value Mm(const Napi::CallbackInfo& info) { return Ret(info, at::mm(ArgTensor(info, 0), ArgTensor(info, 1))); }
Napi::Value Bmm(const Napi::CallbackInfo& info) { return Ret(info, at::bmm(ArgTensor(info, 0), ArgTensor(info, 1))); }

// addmm(bias, a, b, beta, alpha) = beta*bias + alpha*(a@b)
Napi::Value Addmm(const Napi::CallbackInfo& info) {
  return Ret(info, at::addmm(ArgTensor(info, 0), ArgTensor(info, 1), ArgTensor(info, 2), ArgScalar(info, 3), ArgScalar(info, 4)));
}

}  // namespace

void RegisterReduction(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "sum", Sum);
  Export(env, exports, "mean", Mean);
  Export(env, exports, "maxAll", MaxAll);
  Export(env, exports, "minAll", MinAll);
  Export(env, exports, "maxDim", MaxDim);
  Export(env, exports, "minDim", MinDim);
  Export(env, exports, "argmax", Argmax);
  Export(env, exports, "argmin", Argmin);
  Export(env, exports, "topk", Topk);
  Export(env, exports, "norm", Norm);
  Export(env, exports, "any", Any);
  Export(env, exports, "all", All);
  Export(env, exports, "matmul", Matmul);
  Export(env, exports, "mm", Mm);
  Export(env, exports, "bmm", Bmm);
  Export(env, exports, "addmm", Addmm);
}

}  // namespace sdarts
