// Functional neural-network ops with PyTorch's semantics (torch.nn.functional counterparts).
#include "common.h"

#include <ATen/ops/adaptive_avg_pool2d.h>
#include <ATen/ops/avg_pool2d.h>
#include <ATen/ops/batch_norm.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/cross_entropy_loss.h>
#include <ATen/ops/dropout.h>
#include <ATen/ops/embedding.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/log_softmax.h>
#include <ATen/ops/max_pool2d.h>
#include <ATen/ops/nll_loss_nd.h>
#include <ATen/ops/pad.h>
#include <ATen/ops/softmax.h>

namespace sdarts {
namespace {

// conv2d(x, w, b|null, stride[2], padding[2], dilation[2], groups)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  auto bias = ArgOptTensor(info, 2);
  return Ret(info, at::conv2d(ArgTensor(info, 0), ArgTensor(info, 1), bias, ArgIntList(info, 3), ArgIntList(info, 4),
                              ArgIntList(info, 5), ArgInt(info, 6)));
}

// batchNorm(x, weight|null, bias|null, runningMean|null, runningVar|null, training, momentum, eps)
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  auto w = ArgOptTensor(info, 1);
  auto b = ArgOptTensor(info, 2);
  auto rm = ArgOptTensor(info, 3);
  auto rv = ArgOptTensor(info, 4);
  return Ret(info, at::batch_norm(ArgTensor(info, 0), w, b, rm, rv, ArgBool(info, 5), ArgDouble(info, 6),
                                  ArgDouble(info, 7), /*cudnn_enabled=*/true));
}

// maxPool2d(x, kernel[2], stride[2], padding[2], dilation[2], ceilMode)
Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
  return Ret(info, at::max_pool2d(ArgTensor(info, 0), ArgIntList(info, 1), ArgIntList(info, 2), ArgIntList(info, 3),
                                  ArgIntList(info, 4), ArgBool(info, 5)));
}

// avgPool2d(x, kernel[2], stride[2], padding[2], ceilMode, countIncludePad, divisorOverride|null)
Napi::Value AvgPool2d(const Napi::CallbackInfo& info) {
  return Ret(info, at::avg_pool2d(ArgTensor(info, 0), ArgIntList(info, 1), ArgIntList(info, 2), ArgIntList(info, 3),
                                  ArgBool(info, 4), ArgBool(info, 5), ArgOptInt(info, 6)));
}

Napi::Value AdaptiveAvgPool2d(const Napi::CallbackInfo& info) {
  return Ret(info, at::adaptive_avg_pool2d(ArgTensor(info, 0), ArgIntList(info, 1)));
}

Napi::Value Linear(const Napi::CallbackInfo& info) {
  auto bias = ArgOptTensor(info, 2);
  return Ret(info, at::linear(ArgTensor(info, 0), ArgTensor(info, 1), bias));
}

Napi::Value Softmax(const Napi::CallbackInfo& info) { return Ret(info, at::softmax(ArgTensor(info, 0), ArgInt(info, 1))); }
Napi::Value LogSoftmax(const Napi::CallbackInfo& info) {
  return Ret(info, at::log_softmax(ArgTensor(info, 0), ArgInt(info, 1)));
}

// crossEntropy(logits, target, weight|null, reduction (op_list.h), ignoreIndex, labelSmoothing)
Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  auto weight = ArgOptTensor(info, 2);
  return Ret(info, at::cross_entropy_loss(ArgTensor(info, 0), ArgTensor(info, 1), weight, ArgReduction(info, 3), ArgInt(info, 4),
                                          ArgDouble(info, 5)));
}

// nllLoss(logProbs, target, weight|null, reduction, ignoreIndex)
Napi::Value NllLoss(const Napi::CallbackInfo& info) {
  auto weight = ArgOptTensor(info, 2);
  return Ret(info, at::nll_loss_nd(ArgTensor(info, 0), ArgTensor(info, 1), weight, ArgReduction(info, 3), ArgInt(info, 4)));
}

Napi::Value Dropout(const Napi::CallbackInfo& info) {
  return Ret(info, at::dropout(ArgTensor(info, 0), ArgDouble(info, 1), ArgBool(info, 2)));
}

// embedding(weight, indices, paddingIdx)
Napi::Value Embedding(const Napi::CallbackInfo& info) {
  return Ret(info, at::embedding(ArgTensor(info, 0), ArgTensor(info, 1), ArgInt(info, 2), false, false));
}

// pad(x, pads, mode, value|null)
Napi::Value Pad(const Napi::CallbackInfo& info) {
  return Ret(info, at::pad(ArgTensor(info, 0), ArgIntList(info, 1), ArgString(info, 2), ArgOptDouble(info, 3)));
}

}  // namespace

void RegisterNN(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "conv2d", Conv2d);
  Export(env, exports, "batchNorm", BatchNorm);
  Export(env, exports, "maxPool2d", MaxPool2d);
  Export(env, exports, "avgPool2d", AvgPool2d);
  Export(env, exports, "adaptiveAvgPool2d", AdaptiveAvgPool2d);
  Export(env, exports, "linear", Linear);
  Export(env, exports, "softmax", Softmax);
  Export(env, exports, "logSoftmax", LogSoftmax);
  Export(env, exports, "crossEntropy", CrossEntropy);
  Export(env, exports, "nllLoss", NllLoss);
  Export(env, exports, "dropout", Dropout);
  Export(env, exports, "embedding", Embedding);
  Export(env, exports, "pad", Pad);
}

}  // namespace sdarts
