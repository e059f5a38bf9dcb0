// Autograd: requires_grad, .grad, backward, autograd.grad (incl. create_graph for second order), grad mode.
#include "common.h"

#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/autograd.h>

namespace sdarts {
namespace {

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  ArgTensor(info, 0).requires_grad_(ArgBool(info, 1));
  return info.Env().Undefined();
}

Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ArgTensor(info, 0).requires_grad());
}

Napi::Value IsLeaf(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), ArgTensor(info, 0).is_leaf()); }

// grad(h) -> handle of the .grad tensor, or -1 if it is undefined.
Napi::Value Grad(const Napi::CallbackInfo& info) {
  const at::Tensor& g = ArgTensor(info, 0).grad();
  if (!g.defined()) return Napi::Number::New(info.Env(), -1);
  return Ret(info, g);
}

// setGrad(h, g|null)
Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  at::Tensor& t = ArgTensor(info, 0);
  auto g = ArgOptTensor(info, 1);
  t.mutable_grad() = g ? *g : at::Tensor();
  return info.Env().Undefined();
}

// backward(h, gradient|null, retainGraph, createGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  at::Tensor& t = ArgTensor(info, 0);
  auto g = ArgOptTensor(info, 1);
  bool retain = ArgBool(info, 2);
  bool create = ArgBool(info, 3);
  t.backward(g ? *g : at::Tensor(), retain, create);
  return info.Env().Undefined();
}

// autogradGrad(outputs[], inputs[], gradOutputs[]|null, retainGraph, createGraph, allowUnused) -> handles (-1 = none)
Napi::Value AutogradGrad(const Napi::CallbackInfo& info) {
  auto outputs = ArgTensorList(info, 0);
  auto inputs = ArgTensorList(info, 1);
  std::vector<at::Tensor> gradOutputs;
  if (info.Length() > 2 && !info[2].IsNull() && !info[2].IsUndefined()) gradOutputs = ArgTensorList(info, 2);
  bool retain = ArgBool(info, 3);
  bool create = ArgBool(info, 4);
  bool allowUnused = ArgBool(info, 5);
  auto grads = torch::autograd::grad(outputs, inputs, gradOutputs, retain, create, allowUnused);
  return RetList(info, grads);
}

Napi::Value Detach(const Napi::CallbackInfo& info) { return Ret(info, ArgTensor(info, 0).detach()); }

Napi::Value Detach_(const Napi::CallbackInfo& info) {
  ArgTensor(info, 0).detach_();
  return info.Env().Undefined();
}

// setGradEnabled(enabled) -> previous value
Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool prev = at::GradMode::is_enabled();
  at::GradMode::set_enabled(ArgBool(info, 0));
  return Napi::Boolean::New(info.Env(), prev);
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

}  // namespace

void RegisterAutograd(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "setRequiresGrad", SetRequiresGrad);
  Export(env, exports, "requiresGrad", RequiresGrad);
  Export(env, exports, "isLeaf", IsLeaf);
  Export(env, exports, "grad", Grad);
  Export(env, exports, "setGrad", SetGrad);
  Export(env, exports, "backward", Backward);
  Export(env, exports, "autogradGrad", AutogradGrad);
  Export(env, exports, "detach", Detach);
  Export(env, exports, "detach_", Detach_);
  Export(env, exports, "setGradEnabled", SetGradEnabled);
  Export(env, exports, "isGradEnabled", IsGradEnabled);
}

}  // namespace sdarts
