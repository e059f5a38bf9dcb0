#!/usr/bin/env node
// npm run bench:search — one SDARTS search step, sdarts (TypeScript) vs the PyTorch twin
// (scripts/fixtures/bench_search_twin.py), timed in interleaved rounds, each side of each case in its own
// process (so peak RSS is that side's), with the ATen calls of one step counted on both sides (the
// addon's op counter and torch.profiler: docs/performance.md "Kernel counts"), and sdarts' RSS after
// 100 and 1,000 steps of the overhead-bound shape. Writes bench/results.json.
//
// Usage: node scripts/bench-search.mjs [--shapes overhead,compute,default,oneshot (all; the default network takes ~1 min a step on 2 CPUs)]
//          [--variants none/1st,random/1st,pgd_linf/1st,none/2nd (all)] [--rounds 3] [--steps 3]
//          [--warmup 1] [--threads 1] [--device cpu] [--rss-steps 1000] [--out bench/results.json] [--merge]
//   --merge keeps the cases (and the RSS figures) of an earlier results file that this run does not measure.
//   node scripts/bench-search.mjs --worker '<case json>'   (one sdarts side; prints one JSON line)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const here = fileURLToPath(import.meta.url);
/** @param {string} k @param {string} d */
const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? (process.argv[i + 1] ?? d) : d;
};

/** The shapes of issue 16: [C, layers, batch, H×W] (DARTS spaces: s5). @type {Record<string, {kind: string, space: string | number, C: number, layers: number, batch: number, hw: number}>} */
const SHAPES = {
  overhead: { kind: 'darts', space: 's5', C: 4, layers: 5, batch: 2, hw: 8 },
  compute: { kind: 'darts', space: 's5', C: 8, layers: 5, batch: 16, hw: 32 },
  default: { kind: 'darts', space: 's5', C: 16, layers: 8, batch: 64, hw: 32 },
  oneshot: { kind: 'oneshot', space: 3, C: 16, layers: 9, batch: 32, hw: 32 },
};
/** Variants per shape: first order none / random / pgd_linf, second order none (1Shot1: first order none / random / pgd_linf). */
const VARIANTS = [
  { perturb: 'none', unrolled: false },
  { perturb: 'random', unrolled: false },
  { perturb: 'pgd_linf', unrolled: false },
  { perturb: 'none', unrolled: true },
];

const peakRssMB = () => {
  // VmHWM: the resident high-water mark of this process (Linux); ru_maxrss elsewhere.
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS / 1024;
};

/** @param {any} cfg */
async function worker(cfg) {
  const { manualSeed, randn, randint, tidy, setNumThreads, countOps, SearchNetwork, Architect, searchStep, optim, oneshot, cuda } =
    await import('../dist/index.js');
  setNumThreads(cfg.threads);
  const device = cfg.device ?? 'cpu';
  manualSeed(0);
  const net =
    cfg.kind === 'oneshot'
      ? new oneshot.OneShotNetwork({ space: cfg.space, C: cfg.C, layers: cfg.layers, numClasses: 10, device })
      : new SearchNetwork({ space: cfg.space, C: cfg.C, layers: cfg.layers, numClasses: 10, device });
  const wOpt = new optim.SGD(net.parameters(), { lr: 0.025, momentum: 0.9, weightDecay: 3e-4 });
  const arch = new Architect(net);
  const shape = [cfg.batch, 3, cfg.hw, cfg.hw];
  const batch = {
    xTrain: randn(shape, { device }),
    yTrain: randint(0, 10, [cfg.batch], { device }),
    xValid: randn(shape, { device }),
    yValid: randint(0, 10, [cfg.batch], { device }),
  };
  const sync = () => device !== 'cpu' && cuda.synchronize(device);
  const stepCfg = { perturbation: cfg.perturb, epsilon: 0.1, pgdSteps: 7, pgdRandomStart: true, gradClip: 5, unrolled: cfg.unrolled, updateArch: true };
  const step = () => tidy(() => searchStep(net, arch, wOpt, batch, stepCfg));
  for (let s = 0; s < cfg.warmup; s++) step();
  const times = [];
  /** @type {Record<string, number>} */
  const rss = {};
  const total = cfg.rssSteps ?? cfg.steps;
  for (let s = 1; s <= total; s++) {
    sync();
    const t0 = process.hrtime.bigint();
    step();
    sync();
    if (s <= cfg.steps) times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (cfg.rssAt?.includes(s)) rss[String(s)] = process.memoryUsage().rss / 2 ** 20;
  }
  const peak = peakRssMB(); // before the counted step (as the twin: the counter's tables are not the step's)
  const ops = cfg.count ? countOps(step, { byName: true }).counts : null;
  return { times, peakRssMB: peak, ops, rssMB: rss };
}

if (process.argv[2] === '--worker') {
  console.log(JSON.stringify(await worker(JSON.parse(process.argv[3]))));
  process.exit(0);
}

const shapes = arg('shapes', 'overhead,compute,default,oneshot').split(',');
const rounds = +arg('rounds', '3'),
  warmup = +arg('warmup', '1'),
  steps = +arg('steps', '3'),
  threads = +arg('threads', '1'),
  device = arg('device', 'cpu'),
  rssSteps = +arg('rss-steps', '1000'),
  out = resolve(root, arg('out', 'bench/results.json'));
const python = [process.env.SDARTS_PYTHON, join(root, '.venv-py', 'bin', 'python')].find((p) => p && existsSync(p)) ?? 'python3';

/** @param {'sdarts' | 'pytorch'} side @param {object} cfg */
function runSide(side, cfg) {
  const json = JSON.stringify(cfg);
  const r =
    side === 'sdarts'
      ? spawnSync(process.execPath, [here, '--worker', json], { encoding: 'utf8', maxBuffer: 1 << 28 })
      : spawnSync(python, [join(root, 'scripts', 'fixtures', 'bench_search_twin.py'), 'case', json], {
          encoding: 'utf8',
          maxBuffer: 1 << 28,
          env: { ...process.env, PYTHONWARNINGS: 'ignore' },
        });
  if (r.status !== 0) throw new Error(`${side} side of ${json} failed (exit ${r.status}): ${(r.stderr ?? '').slice(-1500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
}

const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
// --variants none/1st,pgd_linf/1st: only these (default: all four).
const variants = arg('variants', '');
const wanted = (/** @type {{perturb: string, unrolled: boolean}} */ v) =>
  variants === '' || variants.split(',').includes(`${v.perturb}/${v.unrolled ? '2nd' : '1st'}`);
const cases = shapes.flatMap((name) =>
  VARIANTS.filter((v) => !(SHAPES[name].kind === 'oneshot' && v.unrolled) && wanted(v)).map((v) => ({
    name: `${name}/${v.perturb}/${v.unrolled ? '2nd' : '1st'}`,
    shape: name,
    ...SHAPES[name],
    ...v,
  })),
);
/** @type {Record<string, {sdarts: any[], pytorch: any[]}>} */
const raw = Object.fromEntries(cases.map((c) => [c.name, { sdarts: [], pytorch: [] }]));
const startedAt = new Date().toISOString();
const prettier = await import('prettier').catch(() => null);
/** @type {Record<string, number>} */
const rssFlat = {};
const { buildInfo } = await import('../dist/index.js');
/** Summarises the rounds run so far and writes the results file (after every round: an interrupted run keeps them). */
async function writeResults() {
  const results = cases
    .filter((c) => raw[c.name].sdarts.length > 0 && raw[c.name].pytorch.length > 0)
    .map((c) => {
      const { sdarts, pytorch } = raw[c.name];
      // Per round: the median step of each side; the case's figure is the median over rounds.
      const ts = sdarts.map((x) => median(x.times)),
        tp = pytorch.map((x) => median(x.times));
      const opsS = sdarts[0].ops,
        opsP = pytorch[0].ops;
      return {
        case: c.name,
        config: { kind: c.kind, space: c.space, C: c.C, layers: c.layers, batch: c.batch, hw: c.hw, perturb: c.perturb, unrolled: c.unrolled },
        seconds: { sdarts: median(ts), pytorch: median(tp), ratio: median(ts.map((t, i) => t / tp[i])), sdartsRounds: ts, pytorchRounds: tp },
        atenCalls: {
          sdarts: { topLevel: opsS.topLevel, all: opsS.all },
          pytorch: { topLevel: opsP.topLevel, all: opsP.all },
          ratio: { topLevel: opsS.topLevel / opsP.topLevel, all: opsS.all / opsP.all },
        },
        peakRssMB: { sdarts: median(sdarts.map((x) => x.peakRssMB)), pytorch: median(pytorch.map((x) => x.peakRssMB)) },
        profile: { sdarts: opsS.byName, pytorch: opsP.byName, sdartsAll: opsS.allByName, pytorchAll: opsP.allByName },
      };
    });
  /** @type {Record<string, any>} */
  const doc = {
    date: startedAt,
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      libtorch: buildInfo().torchVersion,
    },
    method: { rounds, stepsPerRound: steps, warmup, threads, device },
    results,
    rssAfterSteps: rssFlat,
  };
  if (process.argv.includes('--merge') && existsSync(out)) {
    const prev = JSON.parse(readFileSync(out, 'utf8'));
    const mine = new Set(results.map((r) => r.case));
    doc.results = [...prev.results.filter((/** @type {{case: string}} */ r) => !mine.has(r.case)), ...results];
    if (Object.keys(rssFlat).length === 0) doc.rssAfterSteps = prev.rssAfterSteps ?? {};
    doc.runs = [
      ...(prev.runs ?? [{ date: prev.date, method: prev.method, cases: prev.results.map((/** @type {{case: string}} */ r) => r.case) }]).filter(
        (/** @type {{date: string}} */ run) => run.date !== startedAt,
      ),
      { date: doc.date, method: doc.method, cases: [...mine] },
    ];
  }
  mkdirSync(dirname(out), { recursive: true });
  const text = JSON.stringify(doc, null, 2) + '\n';
  // In the repository's own style when prettier is installed (the file is committed; `npm run lint` checks it).
  const styled = prettier ? await prettier.format(text, { ...((await prettier.resolveConfig(out)) ?? {}), parser: 'json' }) : text;
  writeFileSync(out + '.tmp', styled);
  renameSync(out + '.tmp', out);

  return { doc, results };
}

for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    const cfg = { ...c, steps, warmup, threads, device, count: r === 0 };
    // Alternate which side goes first, so neither always runs on a warmer (or busier) machine.
    /** @type {('sdarts' | 'pytorch')[]} */
    const order = (r + cases.indexOf(c)) % 2 === 0 ? ['sdarts', 'pytorch'] : ['pytorch', 'sdarts'];
    for (const side of order) raw[c.name][side].push(runSide(side, cfg));
    process.stderr.write(`round ${r + 1}/${rounds} ${c.name}\n`);
  }
  await writeResults();
}
if (shapes.includes('overhead') && rssSteps > 100) {
  const r = runSide('sdarts', {
    ...SHAPES.overhead,
    perturb: 'none',
    unrolled: false,
    steps: 0,
    warmup: 0,
    threads,
    device,
    count: false,
    rssSteps,
    rssAt: [100, rssSteps],
  });
  Object.assign(rssFlat, r.rssMB);
}

const { doc, results } = await writeResults();

console.log(
  `sdarts bench:search — ${device}, ${threads} thread(s), LibTorch ${doc.machine.libtorch}; ${rounds} rounds × ${steps} steps, medians; results in ${out}`,
);
console.log('case                      sdarts s   PyTorch s  ratio   ATen top-level sdarts/PyTorch (ratio)   all (ratio)            peak RSS MB');
for (const r of results) {
  const a = r.atenCalls;
  console.log(
    `${r.case.padEnd(24)} ${r.seconds.sdarts.toFixed(3).padStart(9)} ${r.seconds.pytorch.toFixed(3).padStart(10)}  ${r.seconds.ratio.toFixed(2)}×   ` +
      `${String(a.sdarts.topLevel).padStart(7)} / ${String(a.pytorch.topLevel).padEnd(7)} (${a.ratio.topLevel.toFixed(2)}×)   ` +
      `${String(a.sdarts.all).padStart(7)} / ${String(a.pytorch.all).padEnd(7)} (${a.ratio.all.toFixed(2)}×)   ${r.peakRssMB.sdarts.toFixed(0)} / ${r.peakRssMB.pytorch.toFixed(0)}`,
  );
}
if (rssFlat['100'] !== undefined) {
  const k = String(rssSteps);
  console.log(
    `sdarts RSS, overhead-bound none: ${rssFlat['100'].toFixed(1)} MB after 100 steps, ${rssFlat[k].toFixed(1)} MB after ${k} (${((rssFlat[k] / rssFlat['100'] - 1) * 100).toFixed(1)} %)`,
  );
}
