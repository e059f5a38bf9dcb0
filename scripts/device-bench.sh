#!/usr/bin/env bash
# GPU benchmark on a lent device machine: build against its CUDA PyTorch, then bench:search on CUDA at
# the default search network (sdarts vs the PyTorch twin in the same call) and bench:ops' tiny-op cost.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/sdarts-device-out}
mkdir -p "$OUT" .device/bin
xz -dc .device/node.xz > .device/bin/node && chmod +x .device/bin/node
export PATH="$PWD/.device/bin:$PATH"
[ -d /usr/local/cuda/bin ] && export PATH="$PATH:/usr/local/cuda/bin"
tar -xJf .device/node_modules.tar.xz
nvidia-smi -L
rm -rf build
TORCH_PYTHON=python3 node scripts/build-native.mjs > "$OUT/build.txt" 2>&1; echo "build exit $?"
SDARTS_PYTHON=python3 node scripts/bench-search.mjs --device cuda --C 16 --layers 8 --batch 64 --steps 5 2>&1 | tee "$OUT/bench-search-cuda.txt"
SDARTS_PYTHON=python3 BENCH_N=50000 node scripts/bench-ops.mjs 2>&1 | tee "$OUT/bench-ops-device-cpu.txt"
