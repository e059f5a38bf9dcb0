#!/usr/bin/env bash
# The GPU check, run in one call on a lent device machine (see README "GPU"): build the addon against
# that machine's CUDA PyTorch, load it, run the tensor op parity tests on CUDA, the CUDA smoke checks,
# and a short search on CUDA. Needs the carried .device/node.xz, .device/node_modules.tar.xz and dist/.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/sdarts-device-out}
mkdir -p "$OUT" .device/bin
xz -dc .device/node.xz > .device/bin/node && chmod +x .device/bin/node
export PATH="$PWD/.device/bin:$PATH"
[ -d /usr/local/cuda/bin ] && export PATH="$PATH:/usr/local/cuda/bin"
tar -xJf .device/node_modules.tar.xz
{ nvidia-smi -L; python3 -c "import torch;print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available())"; node --version; nproc; } 2>&1 | tee "$OUT/env.txt"
rm -rf build
( time TORCH_PYTHON=python3 node scripts/build-native.mjs ) > "$OUT/build.txt" 2>&1; echo "build exit $?"; grep -E "sdarts:|error|Error" "$OUT/build.txt" | head -20
LD_BIND_NOW=1 node -e "const n=require('./build/Release/sdarts_native.node'); console.log('load ok', JSON.stringify(n.buildInfo()), 'cuda', n.cudaIsAvailable(), n.cudaDeviceCount())" 2>&1 | tee "$OUT/load.txt"
SDARTS_TEST_DEVICE=cuda node node_modules/vitest/vitest.mjs run test/tensor/ops-parity.test.ts test/tensor/autograd.test.ts > "$OUT/tests.txt" 2>&1; echo "cuda op tests exit $?"
grep -E "Tests |Test Files|FAIL|×" "$OUT/tests.txt" | head -30
node scripts/gpu-smoke.mjs 2>&1 | tee "$OUT/smoke.txt"
node dist/cli/main.js search --device cuda --dataset fashion-mnist --space s5 --perturb pgd_linf --epochs 1 --layers 5 --init-channels 16 --batch-size 64 --limit-train 1024 --json --save "$OUT/run-pgd" > "$OUT/search-pgd.jsonl" 2> "$OUT/search-pgd.err"; echo "cuda search exit $?"
for p in none random pgd_linf; do
  node dist/cli/main.js search --device cuda --dataset fashion-mnist --space s5 --perturb $p --epochs 1 --layers 8 --init-channels 16 --batch-size 64 --limit-train 1280 --json --save "$OUT/run8-$p" > "$OUT/search8-$p.jsonl" 2>> "$OUT/search8.err"
  node -e "const ev=require('fs').readFileSync('$OUT/search8-$p.jsonl','utf8').trim().split('\n').map(JSON.parse).filter(e=>e.type==='step'); const s=ev.slice(2).map(e=>e.seconds).sort((a,b)=>a-b); console.log('$p: median s/step (C=16, 8 cells, batch 64, 28x28 input, cuda)', s[Math.floor(s.length/2)], 'steps', ev.length)"
done
tail -c 400 "$OUT/search-pgd.err"
