#!/usr/bin/env node
// npm run bench:ops — per-op overhead from TS vs the C++ floor (loops in C++, an addon of its own) vs PyTorch
// from Python, run side by side in this one invocation. Prints µs/op and ratios.
//
// The three are measured in interleaved rounds (TS, C++, Python, TS, C++, Python, ...) with Python
// kept running in a child process between rounds, so a burst of load on a shared machine hits all
// three alike. Each ratio is the median of the per-round ratios.
// Python is taken from SDARTS_PYTHON, else .venv-py/bin/python, else python3 (skipped if no torch).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ones, randn, tidy, F, setNumThreads, getNumThreads, buildInfo } from '../dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// The C++ floor is its own addon (native/bench_floor.cc), never part of sdarts_native.node: build it,
// and the product addon if its sources changed, before anything loads (incremental: cheap when current).
if (process.env.SDARTS_BENCH_PINNED === undefined) {
  const b = spawnSync(process.execPath, [join(root, 'scripts', 'build-native.mjs'), '--bench-floor'], { stdio: ['ignore', 2, 2] });
  if (b.status !== 0) {
    console.error('bench:ops: building the C++ floor addon failed (node scripts/build-native.mjs --bench-floor)');
    process.exit(1);
  }
}

// Pin this process — and so the Python child, which inherits it — to one CPU, so both sides run on
// the same core: on a shared VM one vCPU can be much slower than another for minutes at a time.
// BENCH_PIN=none disables; BENCH_PIN=k picks CPU k (default: the last one).
const pinWanted = process.env.BENCH_PIN ?? String(cpus().length - 1);
if (process.platform === 'linux' && pinWanted !== 'none' && process.env.SDARTS_BENCH_PINNED === undefined) {
  const r = spawnSync('taskset', ['-c', pinWanted, process.execPath, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, SDARTS_BENCH_PINNED: pinWanted },
  });
  if (r.error === undefined) process.exit(r.status ?? 1);
  console.error(`(taskset unavailable: ${r.error.message}; running unpinned)`);
}
const pinned = process.env.SDARTS_BENCH_PINNED;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const N = Number(process.env.BENCH_N ?? 100_000);
const NCONV = Number(process.env.BENCH_NCONV ?? 20);
const threads = Number(process.env.BENCH_THREADS ?? 1);
setNumThreads(threads);

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** @param {(m: number) => void} fn @param {number} n */
function time(fn, n) {
  const t0 = process.hrtime.bigint();
  fn(n);
  return Number(process.hrtime.bigint() - t0) / 1e3 / n;
}

// ---- TS ----
const a = ones([1]),
  b = ones([1]),
  acc = ones([1]);
const x = randn([64, 16, 32, 32]);
const w = randn([16, 16, 3, 3], { requiresGrad: true });
/** @type {Record<string, (n: number) => number>} */
const tsRun = {
  // A tidy scope per 1,000 ops, as a training step would hold them.
  alloc: (n) =>
    time((m) => {
      for (let i = 0; i < m; i += 1000)
        tidy(() => {
          for (let k = 0; k < 1000; k++) a.add(b);
        });
    }, n),
  // Outside every scope, freed at once (a notebook's `using c = a.add(b)`).
  allocDispose: (n) =>
    time((m) => {
      for (let i = 0; i < m; i++) a.add(b).dispose();
    }, n),
  inplace: (n) =>
    time((m) => {
      for (let i = 0; i < m; i++) acc.add_(b);
    }, n),
  conv: (n) =>
    time((m) => {
      for (let i = 0; i < m; i++)
        tidy(() => {
          F.conv2d(x, w, null, { padding: 1 }).sum().backward();
        });
    }, n),
};

// ---- C++ floors (native/bench_floor.cc, build/Release/sdarts_bench_floor.node) ----
// "C++ API": LibTorch's public C++ API as a C++ user writes it (c = a.add(b), full dispatcher) — the
// floor of the bar. "C++ path": the allocating add through the addon's own native function, with its
// dispatch shortcut — the same native work as TS, minus the boundary.
const nat = /** @type {{ benchFloor(kind: number, iterations: number): number }} */ (
  createRequire(import.meta.url)(join(root, 'build', 'Release', 'sdarts_bench_floor.node'))
);
/** @type {Record<string, (n: number) => number>} */
const cppRun = {
  alloc: (n) => nat.benchFloor(0, n),
  allocDispose: (n) => nat.benchFloor(0, n),
  allocPath: (n) => nat.benchFloor(3, n),
  inplace: (n) => nat.benchFloor(1, n),
  conv: (n) => nat.benchFloor(2, n),
};

// ---- PyTorch from Python: a child process that times one kind per request line ----
function findPython() {
  const cands = [process.env.SDARTS_PYTHON, join(root, '.venv-py', 'bin', 'python'), 'python3'].filter((p) => typeof p === 'string');
  for (const p of cands) {
    if (p.includes('/') && !existsSync(p)) continue;
    const r = spawnSync(p, ['-c', 'import torch,sys;sys.stdout.write(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: p, version: r.stdout };
  }
  return null;
}
const PY = `
import torch, time, sys
torch.set_num_threads(${threads})
a = torch.ones(1); b = torch.ones(1); acc = torch.ones(1)
x = torch.randn(64, 16, 32, 32); w = torch.randn(16, 16, 3, 3, requires_grad=True)
def alloc(n):
    t = time.perf_counter()
    for _ in range(n): c = a.add(b)
    return (time.perf_counter() - t) * 1e6 / n
def inplace(n):
    t = time.perf_counter()
    for _ in range(n): acc.add_(b)
    return (time.perf_counter() - t) * 1e6 / n
def conv(n):
    t = time.perf_counter()
    for _ in range(n): torch.nn.functional.conv2d(x, w, None, padding=1).sum().backward()
    return (time.perf_counter() - t) * 1e6 / n
print("ready", flush=True)
for line in sys.stdin:
    kind, n = line.split()
    print(repr({"alloc": alloc, "allocDispose": alloc, "inplace": inplace, "conv": conv}[kind](int(n))), flush=True)
`;
const py = findPython();
/** @typedef {import('node:child_process').ChildProcessByStdio<import('node:stream').Writable, import('node:stream').Readable, null>} PyProc */
let pyProc = /** @type {PyProc | null} */ (null);
let pyLines = /** @type {AsyncIterator<string> | null} */ (null);
async function pyStart() {
  if (!py) return false;
  pyProc = spawn(py.python, ['-c', PY], { stdio: ['pipe', 'pipe', 'inherit'] });
  pyLines = createInterface({ input: pyProc.stdout })[Symbol.asyncIterator]();
  const first = await pyLines.next();
  if (first.done || first.value !== 'ready') {
    console.error('python benchmark failed to start');
    return false;
  }
  return true;
}
/** @param {string} kind @param {number} n */
async function pyRun(kind, n) {
  if (!pyProc || !pyLines) throw new Error('python benchmark not started');
  pyProc.stdin.write(`${kind} ${n}\n`);
  const r = await pyLines.next();
  if (r.done) throw new Error('python benchmark exited early');
  return Number(r.value);
}
const pyOk = await pyStart();

// ---- interleaved rounds ----
const kinds = { alloc: N, allocDispose: N, inplace: N, conv: NCONV };
/** @type {Record<'ts' | 'cpp' | 'py', Record<string, number[]>>} */
const res = { ts: {}, cpp: {}, py: {} };
for (const k of [...Object.keys(kinds), 'allocPath']) {
  res.ts[k] = [];
  res.cpp[k] = [];
  res.py[k] = [];
}
// Warm-up: one short pass of each so no round pays for first-call costs.
for (const [k, n] of Object.entries(kinds)) {
  tsRun[k](Math.ceil(n / 10));
  cppRun[k](Math.ceil(n / 10));
  if (pyOk) await pyRun(k, Math.ceil(n / 10));
}
cppRun.allocPath(N / 10);
for (let r = 0; r < ROUNDS; r++) {
  for (const [k, n] of Object.entries(kinds)) {
    res.ts[k].push(tsRun[k](n));
    res.cpp[k].push(cppRun[k](n));
    if (k === 'alloc') res.cpp.allocPath.push(cppRun.allocPath(n));
    if (pyOk) res.py[k].push(await pyRun(k, n));
  }
}
if (pyProc) pyProc.stdin.end();

/** @param {number[]} num @param {number[]} den @returns {number | null} */
const ratios = (num, den) => (den.length === num.length && den.length > 0 ? median(num.map((v, i) => v / den[i])) : null);
/** @param {number | null | undefined} v */
const f = (v) => (v === undefined || v === null ? '     n/a' : v.toFixed(3).padStart(8));
/** @param {number | null} v */
const fr = (v) => (v === null ? 'n/a' : v.toFixed(2) + '×').padStart(7);
console.log(
  `sdarts bench:ops — LibTorch ${buildInfo().torchVersion}, ${getNumThreads()} intra-op thread(s), node ${process.version}${py ? `, python torch ${py.version}` : ', no python torch found'}`,
);
console.log(
  `${pinned !== undefined ? `all on CPU ${pinned}; ` : 'unpinned; '}${ROUNDS} interleaved rounds (TS, C++, Python); tiny ops ×${N} per round, conv2d fwd+bwd (64×16×32×32, 16→16 3×3) ×${NCONV}`,
);
console.log('µs per op, median over rounds; ratios are medians of the per-round ratios');
console.log('op                          TS µs  C++ API  C++ path    Py µs  TS/C++  TS/Py');
const rows = [
  ['alloc', 'c = a.add(b) (allocating)'],
  ['allocDispose', '  …disposed, outside tidy'],
  ['inplace', 'acc.add_(b) (in place)'],
  ['conv', 'conv2d fwd+bwd'],
];
/** @type {Record<string, { rc: number | null, rp: number | null }>} */
const summary = {};
for (const [k, label] of rows) {
  const rc = ratios(res.ts[k], res.cpp[k]),
    rp = pyOk ? ratios(res.ts[k], res.py[k]) : null;
  summary[k] = { rc, rp };
  console.log(
    `${label.padEnd(26)} ${f(median(res.ts[k]))} ${f(median(res.cpp[k]))} ${f(k === 'alloc' ? median(res.cpp.allocPath) : null)} ${f(pyOk ? median(res.py[k]) : null)} ${fr(rc)} ${fr(rp)}`,
  );
}
// The floor of the bar is LibTorch's public C++ API (column "C++ API"), as in the issue and the
// prototype. The addon's own native path skips the autograd layer when nothing needs a graph, so
// TS against that path is reported too: it is the pure cost of the JS boundary, table and tidy.
const rPath = ratios(res.ts.alloc, res.cpp.allocPath);
console.log(`allocating op, TS / C++ path (the addon's own native function in a C++ loop): ${fr(rPath).trim()}`);
const { rc, rp } = summary.alloc;
const bar1 = rp === null ? null : rp <= 0.7;
const bar2 = rc !== null && rc <= 1.5;
console.log(
  `bar: allocating tiny op ≤ 0.7× PyTorch-Python: ${bar1 === null ? 'n/a (no python torch)' : bar1 ? 'PASS' : 'FAIL'}; ≤ 1.5× the C++ floor (LibTorch API): ${bar2 ? 'PASS' : 'FAIL'}`,
);
