// Views, reshaping, joining/splitting, indexing, copies and conversions.
#include "common.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/stack.h>
#include <ATen/core/List.h>

namespace sdarts {
namespace {

Napi::Value View(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).view(ArgIntList(info, 1))); }
Napi::Value Reshape(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).reshape(ArgIntList(info, 1))); }
Napi::Value Permute(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).permute(ArgIntList(info, 1))); }
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).transpose(ArgInt(info, 1), ArgInt(info, 2)));
}
Napi::Value Contiguous(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).contiguous()); }
Napi::Value Narrow(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).narrow(ArgInt(info, 1), ArgInt(info, 2), ArgInt(info, 3)));
}
// slice(a, dim, start|null, end|null, step)
Napi::Value Slice(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).slice(ArgInt(info, 1), ArgOptInt(info, 2), ArgOptInt(info, 3), ArgInt(info, 4)));
}
Napi::Value Select(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).select(ArgInt(info, 1), ArgInt(info, 2)));
}
// squeeze(a, dim|null)
Napi::Value Squeeze(const Napi::CallbackInfo& info) {
  auto dim = ArgOptInt(info, 1);
  return Ret(info, dim ? ArgTensor(info, 0).squeeze(*dim) : ArgTensor(info, 0).squeeze());
}
Napi::Value Unsqueeze(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).unsqueeze(ArgInt(info, 1))); }
Napi::Value Expand(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).expand(ArgIntList(info, 1))); }
Napi::Value Flatten(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).flatten(ArgInt(info, 1), ArgInt(info, 2)));
}
Napi::Value Flip(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).flip(ArgIntList(info, 1))); }
Napi::Value Repeat(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).repeat(ArgIntList(info, 1))); }
Napi::Value Cat(const Napi::CallbackInfo& info) { return Ret(info, at::cat(ArgTensorList(info, 0), ArgInt(info, 1))); }
Napi::Value Stack(const Napi::CallbackInfo& info) { return Ret(info, at::stack(ArgTensorList(info, 0), ArgInt(info, 1))); }

// split(a, sizeOrSizes, dim): a number splits into equal chunks of that size, an array into those sizes.
Napi::Value Split(const Napi::CallbackInfo& info) {
  at::Tensor& a = ArgTensor(info, 0);
  int64_t dim = ArgInt(info, 2);
  if (info.Length() > 1 && info[1].IsArray()) return RetList(info, a.split_with_sizes(ArgIntList(info, 1), dim));
  return RetList(info, a.split(ArgInt(info, 1), dim));
}
Napi::Value Chunk(const Napi::CallbackInfo& info) {
  return RetList(info, ArgTensor(info, 0).chunk(ArgInt(info, 1), ArgInt(info, 2)));
}
Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).index_select(ArgInt(info, 1), ArgTensor(info, 2)));
}
Napi::Value Gather(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).gather(ArgInt(info, 1), ArgTensor(info, 2)));
}
// scatter(a, dim, index, src)
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).scatter(ArgInt(info, 1), ArgTensor(info, 2), ArgTensor(info, 3)));
}
Napi::Value ScatterValue(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).scatter(ArgInt(info, 1), ArgTensor(info, 2), ArgScalar(info, 3)));
}
Napi::Value Scatter_(const Napi::CallbackInfo& info) {
  ArgTensor(info, 0).scatter_(ArgInt(info, 1), ArgTensor(info, 2), ArgTensor(info, 3));
  return info.Env().Undefined();
}
Napi::Value MaskedFill(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).masked_fill(ArgTensor(info, 1), ArgScalar(info, 2)));
}
Napi::Value MaskedFill_(const Napi::CallbackInfo& info) {
  ArgTensor(info, 0).masked_fill_(ArgTensor(info, 1), ArgScalar(info, 2));
  return info.Env().Undefined();
}

c10::List<std::optional<at::Tensor>> IndexList(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) throw ArgError("argument " + std::to_string(i) + " must be an array of tensor handles or null");
  auto arr = info[i].As<Napi::Array>();
  c10::List<std::optional<at::Tensor>> list;
  auto& table = Table(info);
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr[k];
    if (v.IsNull() || v.IsUndefined()) {
      list.push_back(std::nullopt);
    } else if (v.IsNumber()) {
      list.push_back(table.Get(HandleValue(v, "index " + std::to_string(k))));
    } else {
      throw ArgError("index " + std::to_string(k) + " must be a tensor handle or null");
    }
  }
  return list;
}

// index(a, [idx|null, ...]): advanced (integer / boolean) indexing, like a[idx0, idx1].
Napi::Value Index(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).index(IndexList(info, 1))); }

// indexPut_(a, [idx|null, ...], values, accumulate)
Napi::Value IndexPut_(const Napi::CallbackInfo& info) {
  ArgTensor(info, 0).index_put_(IndexList(info, 1), ArgTensor(info, 2), ArgBool(info, 3));
  return info.Env().Undefined();
}

Napi::Value Clone(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).clone()); }

// to(a, device, dtype, copy)
Napi::Value To(const Napi::CallbackInfo& info) {
  return Ret(info, ArgTensor(info, 0).to(ArgDevice(info, 1), ArgDtype(info, 2), false, ArgBool(info, 3)));
}

Napi::Value Copy_(const Napi::CallbackInfo& info) {
  ArgTensor(info, 0).copy_(ArgTensor(info, 1));
  return info.Env().Undefined();
}
Napi::Value Zero_(const Napi::CallbackInfo& info) {
  ArgTensor(info, 0).zero_();
  return info.Env().Undefined();
}
Napi::Value Fill_(const Napi::CallbackInfo& info) {
  ArgTensor(info, 0).fill_(ArgScalar(info, 1));
  return info.Env().Undefined();
}

}  // namespace

void RegisterShape(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "view", View);
  Export(env, exports, "reshape", Reshape);
  Export(env, exports, "permute", Permute);
  Export(env, exports, "transpose", Transpose);
  Export(env, exports, "contiguous", Contiguous);
  Export(env, exports, "narrow", Narrow);
  Export(env, exports, "slice", Slice);
  Export(env, exports, "select", Select);
  Export(env, exports, "squeeze", Squeeze);
  Export(env, exports, "unsqueeze", Unsqueeze);
  Export(env, exports, "expand", Expand);
  Export(env, exports, "flatten", Flatten);
  Export(env, exports, "flip", Flip);
  Export(env, exports, "repeat", Repeat);
  Export(env, exports, "cat", Cat);
  Export(env, exports, "stack", Stack);
  Export(env, exports, "split", Split);
  Export(env, exports, "chunk", Chunk);
  Export(env, exports, "indexSelect", IndexSelect);
  Export(env, exports, "gather", Gather);
  Export(env, exports, "scatter", Scatter);
  Export(env, exports, "scatterValue", ScatterValue);
  Export(env, exports, "scatter_", Scatter_);
  Export(env, exports, "maskedFill", MaskedFill);
  Export(env, exports, "maskedFill_", MaskedFill_);
  Export(env, exports, "index", Index);
  Export(env, exports, "indexPut_", IndexPut_);
  Export(env, exports, "clone", Clone);
  Export(env, exports, "to", To);
  Export(env, exports, "copy_", Copy_);
  Export(env, exports, "zero_", Zero_);
  Export(env, exports, "fill_", Fill_);
}

}  // namespace sdarts
