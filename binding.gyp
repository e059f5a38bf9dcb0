{
  "variables": {
    "torch_root%": "<!(node scripts/find-libtorch.mjs --root)",
    "torch_cuda%": "<!(node -p \"process.env.SDARTS_TORCH_CUDA || '0'\")",
    "bench_floor%": "<!(node -p \"process.env.SDARTS_BENCH_FLOOR || '0'\")"
  },
  "target_defaults": {
    "include_dirs": [
      "<!(node -p \"require('node-addon-api').include_dir\")",
      "<(torch_root)/include",
      "<(torch_root)/include/torch/csrc/api/include"
    ],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS", "_GLIBCXX_USE_CXX11_ABI=1"],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    "cflags_cc": ["-std=c++20", "-fexceptions", "-frtti", "-O2", "-fvisibility=hidden"],
    "libraries": [
      "-L<(torch_root)/lib",
      "-ltorch", "-ltorch_cpu", "-lc10",
      "-Wl,-rpath,<(torch_root)/lib",
      "-Wl,--disable-new-dtags"
    ],
    "conditions": [
      ["torch_cuda=='1'", {
        "defines": ["SDARTS_WITH_CUDA"],
        "libraries": ["-ltorch_cuda", "-lc10_cuda"]
      }]
    ]
  },
  "targets": [
    {
      "target_name": "sdarts_native",
      "sources": [
        "native/addon.cc",
        "native/common.cc",
        "native/contract.cc",
        "native/creation_ops.cc",
        "native/pointwise_ops.cc",
        "native/reduction_ops.cc",
        "native/shape_ops.cc",
        "native/nn_ops.cc",
        "native/autograd_ops.cc",
        "native/foreach_ops.cc",
        "native/runtime_ops.cc"
      ]
    }
  ],
  "conditions": [
    ["bench_floor==1", {
      "targets": [
        {
          "target_name": "sdarts_bench_floor",
          "sources": [
            "native/bench_floor.cc",
            "native/common.cc",
            "native/pointwise_ops.cc"
          ]
        }
      ]
    }]
  ]
}
