// The C++ floor for `npm run bench:ops`: the same ops timed in a tight C++ loop, so the TS overhead
// can be reported as a ratio against it. Benchmark support only: this file is its own addon,
// build/Release/sdarts_bench_floor.node (with common.cc and pointwise_ops.cc, for the addon's native
// path), built by `node scripts/build-native.mjs --bench-floor` and never part of sdarts_native.node.
#include "common.h"
#include "op_list.h"

#include <ATen/ops/conv2d.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randn.h>

#include <chrono>

namespace sdarts {
namespace {

// benchFloor(kind, iterations) -> microseconds per iteration.
// kind 0: c = a.add(b) on 1-element float tensors (allocating), LibTorch's public API as a C++ user
// writes it; 1: acc.add_(b) (in place); 2: conv2d forward + backward, 64x16x32x32 input, 16->16 3x3
// kernel; 3: the allocating add through the addon's own native path (PointwiseBinary, with its
// dispatch shortcut) — the same native work a TS `a.add(b)` does, minus the JS boundary and table.
Napi::Value BenchFloor(const Napi::CallbackInfo& info) {
  int64_t kind = ArgInt(info, 0);
  int64_t iters = ArgInt(info, 1);
  if (iters < 1) throw ArgError("iterations must be >= 1", true);
  auto opts = at::TensorOptions().dtype(at::kFloat);
  double us = 0;
  if (kind == 0 || kind == 1 || kind == 3) {
    at::Tensor a = at::ones({1}, opts), b = at::ones({1}, opts), acc = at::ones({1}, opts);
    auto t0 = std::chrono::steady_clock::now();
    if (kind == 0) {
      for (int64_t i = 0; i < iters; i++) {
        at::Tensor c = a.add(b);
      }
    } else if (kind == 3) {
      const at::Scalar one(1);
      for (int64_t i = 0; i < iters; i++) {
        at::Tensor c = PointwiseBinary(static_cast<int>(BinaryOp::add), a, b, one);
      }
    } else {
      for (int64_t i = 0; i < iters; i++) acc.add_(b);
    }
    auto t1 = std::chrono::steady_clock::now();
    us = std::chrono::duration<double, std::micro>(t1 - t0).count() / static_cast<double>(iters);
  } else if (kind == 2) {
    at::Tensor x = at::randn({64, 16, 32, 32}, opts);
    at::Tensor w = at::randn({16, 16, 3, 3}, opts).requires_grad_(true);
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < iters; i++) {
      at::Tensor y = at::conv2d(x, w, {}, {1, 1}, {1, 1});
      y.sum().backward();
    }
    auto t1 = std::chrono::steady_clock::now();
    us = std::chrono::duration<double, std::micro>(t1 - t0).count() / static_cast<double>(iters);
  } else {
    throw ArgError("unknown bench kind " + std::to_string(kind), true);
  }
  return Napi::Number::New(info.Env(), us);
}

}  // namespace

}  // namespace sdarts

static Napi::Object InitBenchFloor(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<sdarts::AddonData>(new sdarts::AddonData());
  sdarts::Export(env, exports, "benchFloor", sdarts::BenchFloor);
  return exports;
}

NODE_API_MODULE(sdarts_bench_floor, InitBenchFloor)
