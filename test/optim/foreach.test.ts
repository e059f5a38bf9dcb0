/**
 * SGD and clipGradNorm_ run as LibTorch foreach ops (src/optim/sgd.ts, clip-grad-norm.ts): the results are
 * those of the per-tensor ops (written out below, in the order of torch's single-tensor SGD and of the
 * per-gradient clip) bit for bit, and a step is a fixed number of ATen calls, whatever the number of
 * parameters.
 */
import { describe, expect, it } from 'vitest';
import { countOps, keep, manualSeed, memory, noGrad, randn, stack, tidy, type DType, type Tensor } from '../../src/index.js';
import { SGD, clipGradNorm_, type SGDOptions } from '../../src/optim/index.js';

const SHAPES = [[4, 3], [5], [], [2, 3, 2], [7, 1]];

function bits(t: Tensor): number[] {
  const a = t.toTypedArray();
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** Two identical sets of parameters (float32 and float64 mixed when dtype is 'mixed'). */
function twins(dtype: DType | 'mixed', n = SHAPES.length): [Tensor[], Tensor[]] {
  const a = Array.from({ length: n }, (_, i) => {
    const dt = dtype === 'mixed' ? (i % 2 === 0 ? 'float32' : 'float64') : dtype;
    return keep(randn(SHAPES[i % SHAPES.length]!, { dtype: dt }).requiresGrad_(true));
  });
  return [a, a.map((p) => keep(noGrad(() => p.clone()).requiresGrad_(true)))];
}

/** torch.optim.SGD's single-tensor update, one parameter at a time (the per-tensor reference). */
function referenceStep(params: Tensor[], bufs: (Tensor | null)[], o: SGDOptions): void {
  noGrad(() =>
    params.forEach((p, i) =>
      tidy(() => {
        let g = p.grad;
        if (g === null) return;
        if (o.weightDecay !== 0) g = g.add(p, o.weightDecay);
        if (o.momentum !== 0) {
          const old = bufs[i];
          const buf = old ?? keep(g.clone());
          if (old) buf.mul_(o.momentum).add_(g, 1 - o.dampening);
          bufs[i] = buf;
          g = o.nesterov ? g.add(buf, o.momentum) : buf;
        }
        p.add_(g, -o.lr);
      }),
    ),
  );
}

/** Gives both twins the same fresh gradients; parameter `skip` gets none (and its .grad is cleared). */
function setGrads(a: Tensor[], b: Tensor[], skip: number): void {
  a.forEach((p, i) => {
    const g = i === skip ? null : randn(p.shape, { dtype: p.dtype });
    p.grad = g;
    b[i]!.grad = g === null ? null : g.clone();
    g?.dispose();
  });
}

const VARIANTS: [string, Partial<SGDOptions>][] = [
  ['plain', {}],
  ['momentum', { momentum: 0.9 }],
  ['momentum + weight decay', { momentum: 0.9, weightDecay: 3e-4 }],
  ['dampening + weight decay', { momentum: 0.5, dampening: 0.25, weightDecay: 0.01 }],
  ['nesterov + weight decay', { momentum: 0.9, weightDecay: 3e-4, nesterov: true }],
  ['nesterov, no weight decay', { momentum: 0.7, nesterov: true }],
];

describe('SGD foreach path', () => {
  describe.each(['float32', 'float64', 'mixed'] as const)('%s', (dtype) => {
    it.each(VARIANTS)('%s: 5 steps equal the per-tensor update bit for bit (parameters and momentum buffers)', (_, v) => {
      manualSeed(7);
      const o: SGDOptions = { lr: 0.05, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...v };
      const [a, b] = twins(dtype);
      const opt = new SGD(a, o);
      const bufs: (Tensor | null)[] = b.map(() => null);
      // Parameter 1 has no gradient on the first two steps: its buffer starts later (a first step
      // for some parameters, a momentum step for the others), and it is not moved meanwhile.
      for (let step = 0; step < 5; step++) {
        setGrads(a, b, step < 2 ? 1 : step === 3 ? 4 : -1);
        opt.step();
        referenceStep(b, bufs, o);
        a.forEach((p, i) => expect(bits(p), `step ${step} param ${i}`).toEqual(bits(b[i]!)));
        a.forEach((p, i) => {
          const buf = opt.momentumBuffer(p);
          expect(buf === null, `step ${step} buffer ${i} presence`).toBe(bufs[i] === null);
          if (buf !== null) expect(bits(buf), `step ${step} buffer ${i}`).toEqual(bits(bufs[i]!));
        });
      }
      // The gradients are read, never written (Nesterov's update makes new tensors).
      a.forEach((p, i) => {
        if (p.grad !== null) expect(bits(p.grad)).toEqual(bits(b[i]!.grad!));
      });
      opt.dispose();
      [...a, ...b, ...bufs].forEach((t) => t?.dispose());
    });
  });

  // Steady state (every buffer exists): weight decay 1 (foreach add), momentum 2 (foreach mul_, add_),
  // Nesterov 1 (foreach add), the parameter update 1 (foreach add_). A first momentum step clones each
  // buffer instead of the mul_/add_ pair: 1 + N + 1 calls.
  it.each([
    [{ momentum: 0.9, weightDecay: 3e-4 }, 3, 4],
    [{ momentum: 0.9, weightDecay: 3e-4, nesterov: true }, 4, 5],
    [{}, 1, 1],
    [{ weightDecay: 1e-3 }, 2, 2],
  ] as [Partial<SGDOptions>, number, number][])('%o: a step is a fixed number of top-level ATen calls for N = 3 and N = 50', (v, _, calls) => {
    for (const n of [3, 50]) {
      const [a, b] = twins('float32', n);
      const opt = new SGD(a, { lr: 0.1, ...v });
      setGrads(a, b, -1);
      const first = countOps(() => opt.step()).counts.topLevel;
      if ((v.momentum ?? 0) !== 0) expect(first, `first step, N = ${n}`).toBe(1 + n + 1 + (v.nesterov ? 1 : 0));
      else expect(first, `first step, N = ${n}`).toBe(calls);
      expect(countOps(() => opt.step()).counts.topLevel, `steady step, N = ${n}`).toBe(calls);
      opt.dispose();
      [...a, ...b].forEach((t) => t.dispose());
    }
  });

  it('a group whose parameters have no gradient makes no call', () => {
    const [a, b] = twins('float32', 3);
    const opt = new SGD(a, { lr: 0.1, momentum: 0.9 });
    expect(countOps(() => opt.step()).counts.topLevel).toBe(0);
    expect(a.map((p) => opt.momentumBuffer(p))).toEqual([null, null, null]);
    opt.dispose();
    [...a, ...b].forEach((t) => t.dispose());
  });

  it('steps keep the live-tensor count flat once the buffers exist', () => {
    const [a, b] = twins('mixed');
    const opt = new SGD(a, { lr: 0.1, momentum: 0.9, weightDecay: 1e-3, nesterov: true });
    setGrads(a, b, -1);
    opt.step();
    const before = memory();
    for (let k = 0; k < 20; k++) opt.step();
    expect(memory()).toEqual(before);
    opt.dispose();
    [...a, ...b].forEach((t) => t.dispose());
  });
});

describe('clipGradNorm_ foreach path', () => {
  /** torch's per-gradient clip: total = ‖(‖g_i‖)‖, coef = clamp(maxNorm / (total + 1e-6), max 1), g_i.mul_(coef). */
  function referenceClip(params: Tensor[], maxNorm: number, normType: number): number {
    return noGrad(() =>
      tidy(() => {
        const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
        const total = stack(grads.map((g) => g.norm(normType))).norm(normType);
        const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1);
        for (const g of grads) g.mul_(coef);
        return total.item();
      }),
    );
  }

  it.each([
    ['float32', 2, 0.5],
    ['float64', 2, 0.5],
    ['mixed', 2, 0.5],
    ['float32', Infinity, 0.1],
    ['float64', 1, 1e6],
    ['mixed', 3, 0.2],
  ] as const)('%s, order %s, maxNorm %s: total norm and clipped gradients equal the per-tensor clip bit for bit', (dtype, normType, maxNorm) => {
    manualSeed(11);
    const [a, b] = twins(dtype);
    setGrads(a, b, 2);
    expect(clipGradNorm_(a, maxNorm, normType)).toBe(referenceClip(b, maxNorm, normType));
    a.forEach((p, i) => {
      if (p.grad === null) expect(b[i]!.grad).toBeNull();
      else expect(bits(p.grad), `grad ${i}`).toEqual(bits(b[i]!.grad!));
    });
    [...a, ...b].forEach((t) => t.dispose());
  });

  // foreach norm, stack, norm, item, + 1e-6, reciprocal, × maxNorm, clamp, foreach mul_: 9 calls.
  it('is 9 top-level ATen calls for N = 3 and N = 50', () => {
    for (const n of [3, 50]) {
      const [a, b] = twins('float32', n);
      setGrads(a, b, -1);
      expect(countOps(() => clipGradNorm_(a, 0.5)).counts.topLevel, `N = ${n}`).toBe(9);
      [...a, ...b].forEach((t) => t.dispose());
    }
  });
});
