#!/usr/bin/env node
// npm run bench:rnn — seconds per recurrent search step (none / random / pgd_linf, first order) and per evaluation-
// training step, sdarts vs the PyTorch twin (scripts/fixtures/bench_rnn_twin.py) run side by side in this invocation,
// at the reference's default sizes and at a small size; then live tensors over many small search steps.
// Usage: node scripts/bench-rnn.mjs [--device cpu|cuda] [--sizes small,default] [--cases none,random,pgd_linf,eval] [--steps 3] [--threads 0] [--flat-steps 1000]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  manualSeed,
  randint,
  zeros,
  tidy,
  keep,
  memory,
  setNumThreads,
  getNumThreads,
  cuda,
  buildInfo,
  Architect,
  rnnSearchStep,
  rnnTrainStep,
  optim,
  rnn,
  getRnnGenotype,
} from '../dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** @template {string | number} T @param {string} k @param {T} d @returns {string | T} */
const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const device = /** @type {import('../dist/tensor/device.js').Device} */ (arg('device', 'cpu'));
const steps = +arg('steps', 3),
  threads = +arg('threads', 0),
  flatSteps = +arg('flat-steps', 1000);
const sizes = String(arg('sizes', 'small,default')).split(',');
const cases = String(arg('cases', 'none,random,pgd_linf,eval')).split(',');
if (threads > 0) setNumThreads(threads);
const sync = () => {
  if (device !== 'cpu') cuda.synchronize(device);
};
const NTOKEN = 10000,
  BPTT = 35;
/** The reference's defaults (search 300-d at batch 256, evaluation 850-d at batch 64) and a small size. */
const SIZES = {
  default: { searchN: 300, searchB: 256, evalN: 850, evalB: 64 },
  small: { searchN: 16, searchB: 8, evalN: 32, evalB: 8 },
};
const SEARCH_DROP = { dropout: 0.75, dropouth: 0.25, dropoutx: 0.75, dropouti: 0.2, dropoute: 0 };
const EVAL_DROP = { dropout: 0.75, dropouth: 0.25, dropoutx: 0.75, dropouti: 0.2, dropoute: 0.1 };

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** @param {{searchN: number, searchB: number, evalN: number, evalB: number}} s */
function twin(s) {
  const cands = [process.env.SDARTS_PYTHON, join(root, '.venv-py', 'bin', 'python'), 'python3'].filter((p) => typeof p === 'string');
  for (const p of cands) {
    if (p.includes('/') && !existsSync(p)) continue;
    const r = spawnSync(
      p,
      [
        join(root, 'scripts', 'fixtures', 'bench_rnn_twin.py'),
        device,
        String(NTOKEN),
        String(s.searchN),
        String(s.searchB),
        String(s.evalN),
        String(s.evalB),
        String(BPTT),
        String(steps),
        String(threads || getNumThreads()),
        cases.join(','),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (r.status === 0) return JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
    process.stderr.write(r.stderr);
  }
  return null;
}

/**
 * @param {'none' | 'random' | 'pgd_linf'} perturb
 * @param {number} n @param {number} B @param {number} count
 * @param {(step: number) => void} [each]
 */
function searchBench(perturb, n, B, count, each) {
  manualSeed(0);
  const model = new rnn.RnnSearchModel({ ntoken: NTOKEN, ninp: n, nhid: n, nhidlast: n, ...SEARCH_DROP, device });
  const wOpt = new optim.SGD(model.parameters(), { lr: 20, momentum: 0, weightDecay: 5e-7 });
  const arch = new Architect(model, { archLearningRate: 3e-3, archWeightDecay: 1e-3, betas: [0.9, 0.999] });
  const batch = {
    xTrain: randint(0, NTOKEN, [BPTT, B], { device }),
    yTrain: randint(0, NTOKEN, [BPTT, B], { device }),
    xValid: randint(0, NTOKEN, [BPTT, B], { device }),
    yValid: randint(0, NTOKEN, [BPTT, B], { device }),
    seqLen: BPTT,
  };
  let hidden = { train: keep(zeros([1, B, n], { device })), valid: keep(zeros([1, B, n], { device })) };
  const times = [];
  for (let s = 0; s <= count; s++) {
    sync();
    const t0 = process.hrtime.bigint();
    const r = rnnSearchStep(model, arch, wOpt, batch, hidden, {
      perturbation: perturb,
      epsilon: 0.1,
      pgdSteps: 7,
      pgdRandomStart: true,
      gradClip: 0.25,
      unrolled: false,
      updateArch: true,
      bptt: BPTT,
      arAlpha: 0,
      tarBeta: 1e-3,
    });
    hidden.train.dispose();
    hidden.valid.dispose();
    hidden = r.hidden;
    sync();
    if (s > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    each?.(s);
  }
  hidden.train.dispose();
  hidden.valid.dispose();
  model.dispose();
  wOpt.dispose();
  arch.optimizer.dispose();
  for (const t of [batch.xTrain, batch.yTrain, batch.xValid, batch.yValid]) t.dispose();
  return median(times);
}

/** @param {number} n @param {number} B */
function evalBench(n, B) {
  manualSeed(0);
  const model = new rnn.RnnModel({ ntoken: NTOKEN, ninp: n, nhid: n, nhidlast: n, ...EVAL_DROP, genotype: getRnnGenotype('DARTS_V2'), device });
  const params = model.parameters();
  const opt = new optim.SGD(params, { lr: 20, weightDecay: 8e-7 });
  const x = randint(0, NTOKEN, [BPTT, B], { device }),
    y = randint(0, NTOKEN, [BPTT, B], { device });
  let hidden = keep(zeros([1, B, n], { device }));
  const times = [];
  for (let s = 0; s <= steps; s++) {
    sync();
    const t0 = process.hrtime.bigint();
    model.train();
    hidden = rnnTrainStep(model, opt, params, hidden, x, y, BPTT, { lr: 20, bptt: BPTT, clip: 0.25, alpha: 0, beta: 1e-3 }).hidden;
    sync();
    if (s > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  hidden.dispose();
  model.dispose();
  opt.dispose();
  x.dispose();
  y.dispose();
  return median(times);
}

const info = buildInfo();
console.log(
  `bench:rnn — ${device}, ${threads || getNumThreads()} threads, LibTorch ${info.torchVersion}; vocabulary ${NTOKEN}, bptt ${BPTT}, ${steps} timed steps (median)`,
);
/** @type {Record<string, unknown>} */
const results = {};
for (const name of sizes) {
  const s = SIZES[/** @type {'small' | 'default'} */ (name)];
  if (!s) throw new Error(`unknown size '${name}' (small, default)`);
  const py = twin(s);
  /** @type {Record<string, number>} */
  const ts = {};
  for (const p of /** @type {const} */ (['none', 'random', 'pgd_linf'])) if (cases.includes(p)) ts[p] = tidy(() => searchBench(p, s.searchN, s.searchB, steps));
  if (cases.includes('eval')) ts.eval = tidy(() => evalBench(s.evalN, s.evalB));
  console.log(`\n${name}: search ${s.searchN}-d batch ${s.searchB}, evaluation ${s.evalN}-d batch ${s.evalB}`);
  console.log('step          sdarts s/step   PyTorch s/step   ratio');
  for (const k of cases) {
    const a = ts[k],
      b = py ? py[k] : null;
    console.log(
      `${k.padEnd(12)}  ${a.toFixed(4).padStart(13)}   ${b === null ? '—'.padStart(14) : b.toFixed(4).padStart(14)}   ${b === null ? '—' : (a / b).toFixed(2) + '×'}`,
    );
  }
  results[name] = { sdarts: ts, pytorch: py };
}

// Live tensors over many small search steps (random smoothing): flat after the first step.
/** @type {[number, number][]} */
const counts = [];
searchBench('random', SIZES.small.searchN, SIZES.small.searchB, flatSteps, (s) => {
  if (s === 1 || s === 100 || s === flatSteps) counts.push([s, memory().liveTensors]);
});
console.log(`\nlive tensors over ${flatSteps} small search steps: ${counts.map(([s, n]) => `step ${s}: ${n}`).join(', ')}`);
console.log(JSON.stringify({ device, threads: threads || getNumThreads(), results, liveTensors: counts }));
