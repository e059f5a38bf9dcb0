#!/usr/bin/env node
// CUDA smoke checks for the device machine (scripts/device-check.sh): device queries, memory stats,
// RNG state, transfers, an autograd step on CUDA vs CPU, and the per-op overhead on CUDA.
import { cuda, buildInfo, randn, tensor, tidy, F, grad, memory, getRngState, setRngState, manualSeed } from '../dist/index.js';

/** @param {string} k @param {unknown} v */
const out = (k, v) => console.log(`${k.padEnd(28)} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
out('build', buildInfo());
out('cuda.isAvailable', cuda.isAvailable());
out('cuda.deviceCount', cuda.deviceCount());
manualSeed(0);
const x = randn([64, 16, 32, 32]);
const w = randn([32, 16, 3, 3]);
const xc = x.to('cuda'),
  wc = w.to('cuda').requiresGrad_(true);
const wcpu = w.clone().requiresGrad_(true);
const [g1] = tidy(() =>
  grad(F.conv2d(xc, wc, null, { padding: 1 }).relu().sum(), [wc]).map((g) => {
    if (!g) throw new Error('no gradient for wc');
    return g.cpu();
  }),
);
const [g2] = tidy(() => grad(F.conv2d(x, wcpu, null, { padding: 1 }).relu().sum(), [wcpu]));
if (!g1 || !g2) throw new Error('no gradient for w');
const a = g1.toArray(),
  b = g2.toArray();
let num = 0,
  den = 0;
for (let i = 0; i < a.length; i++) {
  num += (a[i] - b[i]) ** 2;
  den += b[i] ** 2;
}
out('conv grad cuda vs cpu', `‖Δ‖/‖ref‖ = ${Math.sqrt(num / den).toExponential(3)} (TF32 cuDNN expected ~1e-4..1e-3)`);
cuda.synchronize();
out('cuda.memoryStats', cuda.memoryStats());
out('memory()', memory());
const st = getRngState('cuda');
const r1 = randn([4], { device: 'cuda' }).toArray();
setRngState(st, 'cuda');
const r2 = randn([4], { device: 'cuda' }).toArray();
out('cuda RNG state round trip', JSON.stringify(r1) === JSON.stringify(r2) ? 'PASS' : 'FAIL');
// Per-op overhead of a tiny allocating op on CUDA (asynchronous launches).
const s = tensor([1]).to('cuda'),
  t = tensor([1]).to('cuda');
for (let i = 0; i < 1000; i++) tidy(() => s.add(t));
cuda.synchronize();
const t0 = process.hrtime.bigint();
const N = 20000;
for (let i = 0; i < N; i += 1000)
  tidy(() => {
    for (let k = 0; k < 1000; k++) s.add(t);
  });
cuda.synchronize();
out('tiny add on cuda (µs/op)', (Number(process.hrtime.bigint() - t0) / 1e3 / N).toFixed(3));
