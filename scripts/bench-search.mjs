#!/usr/bin/env node
// npm run bench:search — seconds per SDARTS search step (S5, first order) for none / random / pgd_linf,
// sdarts (TypeScript) vs the PyTorch twin run in Python side by side in this invocation.
// Usage: node scripts/bench-search.mjs [--device cpu|cuda] [--C 16] [--layers 8] [--batch 64] [--steps 3] [--threads 0]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manualSeed, randn, randint, tidy, setNumThreads, getNumThreads, cuda, buildInfo, SearchNetwork, Architect, searchStep, optim } from '../dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** @template {string | number} T @param {string} k @param {T} d @returns {string | T} */
const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const device = /** @type {import('../dist/tensor/device.js').Device} */ (arg('device', 'cpu')),
  C = +arg('C', 16),
  L = +arg('layers', 8),
  B = +arg('batch', 64),
  steps = +arg('steps', 3),
  threads = +arg('threads', 0);
if (threads > 0) setNumThreads(threads);
const sync = () => {
  if (device !== 'cpu') cuda.synchronize(device);
};

// PyTorch first, in its own process: the two must not hold their peak memory at the same time.
const cands = [process.env.SDARTS_PYTHON, join(root, '.venv-py', 'bin', 'python'), 'python3'].filter((p) => typeof p === 'string');
/** @type {Record<string, number> | null} */
let py = null;
for (const p of cands) {
  if (p.includes('/') && !existsSync(p)) continue;
  const r = spawnSync(
    p,
    [join(root, 'scripts', 'fixtures', 'bench_search_twin.py'), device, String(C), String(L), String(B), String(steps), String(threads || getNumThreads())],
    { encoding: 'utf8' },
  );
  if (r.status === 0) {
    py = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
    break;
  }
}

/** @type {Record<string, number>} */
const ts = {};
for (const perturb of /** @type {const} */ (['none', 'random', 'pgd_linf'])) {
  manualSeed(0);
  const net = new SearchNetwork({ space: 's5', C, layers: L, numClasses: 10, device });
  const wOpt = new optim.SGD(net.parameters(), { lr: 0.025, momentum: 0.9, weightDecay: 3e-4 });
  const arch = new Architect(net);
  const batch = {
    xTrain: randn([B, 3, 32, 32], { device }),
    yTrain: randint(0, 10, [B], { device }),
    xValid: randn([B, 3, 32, 32], { device }),
    yValid: randint(0, 10, [B], { device }),
  };
  const times = [];
  for (let s = 0; s <= steps; s++) {
    sync();
    const t0 = process.hrtime.bigint();
    tidy(() =>
      searchStep(net, arch, wOpt, batch, {
        perturbation: perturb,
        epsilon: 0.1,
        pgdSteps: 7,
        pgdRandomStart: true,
        gradClip: 5,
        unrolled: false,
        updateArch: true,
      }),
    );
    sync();
    if (s > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  ts[perturb] = times[Math.floor(times.length / 2)];
  net.dispose();
  Object.values(batch).forEach((t) => t.dispose());
}

console.log(
  `sdarts bench:search — S5, C=${C}, ${L} cells, batch ${B}, 32×32, first order, ${device}, ${getNumThreads()} thread(s), LibTorch ${buildInfo().torchVersion}; median of ${steps} steps`,
);
console.log('perturb      sdarts s/step   PyTorch s/step   sdarts/PyTorch');
for (const p of ['none', 'random', 'pgd_linf']) {
  console.log(
    `${p.padEnd(12)} ${ts[p].toFixed(3).padStart(13)}   ${py ? py[p].toFixed(3).padStart(14) : '           n/a'}   ${py ? (ts[p] / py[p]).toFixed(2) + '×' : 'n/a'}`,
  );
}
