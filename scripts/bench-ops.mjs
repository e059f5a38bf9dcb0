#!/usr/bin/env node
// npm run bench:ops — per-op overhead from TS vs the C++ floor (a loop inside the addon) vs
// PyTorch from Python, run side by side in this one invocation. Prints µs/op and ratios.
// Python is taken from SDARTS_PYTHON, else .venv-py/bin/python, else python3 (skipped if no torch).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ones, randn, tidy, F, nativeAddon, setNumThreads, getNumThreads, buildInfo } from '../dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPS = 5;
const N = Number(process.env.BENCH_N ?? 100_000);
const NCONV = Number(process.env.BENCH_NCONV ?? 20);
const threads = Number(process.env.BENCH_THREADS ?? 1);
setNumThreads(threads);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn, n) {
  const t0 = process.hrtime.bigint();
  fn(n);
  return Number(process.hrtime.bigint() - t0) / 1e3 / n;
}

const a = ones([1]), b = ones([1]), acc = ones([1]);
const ts = {
  alloc: median(Array.from({ length: REPS }, () => time((n) => {
    // A tidy scope per 1,000 ops, as a training step would hold them.
    for (let i = 0; i < n; i += 1000) tidy(() => { for (let k = 0; k < 1000; k++) a.add(b); });
  }, N))),
  inplace: median(Array.from({ length: REPS }, () => time((n) => { for (let i = 0; i < n; i++) acc.add_(b); }, N))),
};
const x = randn([64, 16, 32, 32]);
const w = randn([16, 16, 3, 3], { requiresGrad: true });
ts.conv = median(Array.from({ length: REPS }, () => time((n) => {
  for (let i = 0; i < n; i++) tidy(() => { F.conv2d(x, w, null, { padding: 1 }).sum().backward(); });
}, NCONV)));

const nat = nativeAddon();
const cpp = {
  alloc: median(Array.from({ length: REPS }, () => nat.benchFloor(0, N))),
  inplace: median(Array.from({ length: REPS }, () => nat.benchFloor(1, N))),
  conv: median(Array.from({ length: REPS }, () => nat.benchFloor(2, NCONV))),
};

function findPython() {
  const cands = [process.env.SDARTS_PYTHON, join(root, '.venv-py', 'bin', 'python'), 'python3'].filter(Boolean);
  for (const p of cands) {
    if (p.includes('/') && !existsSync(p)) continue;
    const r = spawnSync(p, ['-c', 'import torch,sys;sys.stdout.write(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: p, version: r.stdout };
  }
  return null;
}
const PY = `
import torch, time, json, sys
torch.set_num_threads(${threads})
N, NCONV, REPS = ${N}, ${NCONV}, ${REPS}
def med(xs): return sorted(xs)[len(xs)//2]
a = torch.ones(1); b = torch.ones(1); acc = torch.ones(1)
def alloc(n):
    t = time.perf_counter()
    for _ in range(n): c = a.add(b)
    return (time.perf_counter() - t) * 1e6 / n
def inplace(n):
    t = time.perf_counter()
    for _ in range(n): acc.add_(b)
    return (time.perf_counter() - t) * 1e6 / n
x = torch.randn(64, 16, 32, 32); w = torch.randn(16, 16, 3, 3, requires_grad=True)
def conv(n):
    t = time.perf_counter()
    for _ in range(n): torch.nn.functional.conv2d(x, w, None, padding=1).sum().backward()
    return (time.perf_counter() - t) * 1e6 / n
print(json.dumps({"alloc": med([alloc(N) for _ in range(REPS)]), "inplace": med([inplace(N) for _ in range(REPS)]), "conv": med([conv(NCONV) for _ in range(REPS)])}))
`;
const py = findPython();
let pyRes = null;
if (py) {
  const r = spawnSync(py.python, ['-c', PY], { encoding: 'utf8', env: { ...process.env } });
  if (r.status === 0) pyRes = JSON.parse(r.stdout.trim().split('\n').pop());
  else console.error(`python benchmark failed: ${r.stderr.slice(-500)}`);
}

const f = (v) => (v === undefined || v === null ? '   n/a' : v.toFixed(3).padStart(8));
const ratio = (p, q) => (p && q ? (p / q).toFixed(2) + '×' : 'n/a');
console.log(`sdarts bench:ops — LibTorch ${buildInfo().torchVersion}, ${getNumThreads()} intra-op thread(s), node ${process.version}${py ? `, python torch ${py.version}` : ', no python torch found'}`);
console.log(`median of ${REPS} runs; tiny ops ×${N}, conv2d fwd+bwd (64×16×32×32, 16→16 3×3) ×${NCONV}`);
console.log('op                         TS µs   C++ µs    Py µs   TS/C++   TS/Py');
for (const [k, label] of [['alloc', 'c = a.add(b) (allocating)'], ['inplace', 'acc.add_(b) (in place)'], ['conv', 'conv2d fwd+bwd']]) {
  console.log(`${label.padEnd(26)} ${f(ts[k])} ${f(cpp[k])} ${f(pyRes?.[k])}   ${ratio(ts[k], cpp[k]).padStart(6)}  ${ratio(ts[k], pyRes?.[k]).padStart(6)}`);
}
const bar1 = pyRes ? ts.alloc <= 0.7 * pyRes.alloc : null;
const bar2 = ts.alloc <= 1.5 * cpp.alloc;
console.log(`bar: allocating tiny op ≤ 0.7× PyTorch-Python: ${bar1 === null ? 'n/a (no python torch)' : bar1 ? 'PASS' : 'FAIL'}; ≤ 1.5× C++ floor: ${bar2 ? 'PASS' : 'FAIL'}`);
