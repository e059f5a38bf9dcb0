/**
 * SGD / Adam / ASGD against PyTorch 2.13 (fixture: scripts/fixtures/make_optim_fixtures.py).
 *
 * float64 (algorithmic parity): each case replays the script's float64 run — 10 steps of
 * zeroGrad → loss → backward → (clip) → step from the float32 initial values cast to float64 — and
 * compares the loss, the clip norm, every parameter after every step and the final optimizer state
 * with the twin's per tensor (expectParity: max|a − b| ≤ 1e-10·max|b|).
 *
 * float32 (as torch.testing.assert_close, test/helpers/tolerance.ts): the network replay only one step
 * deep (later steps amplify rounding that differs by CPU); the update rule alone, fed torch's float32
 * gradients, for all 10 steps at the 'elementwise' tolerance (not bitwise: LibTorch's vectorized
 * kernels fuse multiply-adds that its default-capability kernels round twice, so the same op differs
 * in the last bit between CPUs); the final state; and the state-dict layout.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/index.js';
import { ASGD, SGD, clipGradNorm_, type Optimizer } from '../../src/optim/index.js';
import { expectClose, expectParity } from '../helpers/tolerance.js';
import { T, fixture, initialParams, lossBackward, makeOptimizer, order, release, type FixtureCase } from './replay.js';

/** The fixture's float32 gradients of step k into .grad, then the step. */
function stepWithTorchGrads(name: string, c: FixtureCase, opt: Optimizer<{ lr: number }>, P: Record<string, Tensor>, k: number): void {
  opt.zeroGrad();
  for (const n of order(c)) {
    const g = T[`${name}.grad${k}.${n}`];
    if (g !== undefined) P[n]!.grad = g.clone();
  }
  opt.step();
}

/** The optimizer state's keys, tensors (compared by `tensorCheck`) and 0-d numbers against the fixture's. */
function checkState(
  c: FixtureCase,
  opt: Optimizer<{ lr: number }>,
  prefix: string,
  numbers: Record<string, Record<string, number>>,
  tensorCheck: (actual: Tensor, expected: Tensor, label: string) => void,
): void {
  const sd = opt.stateDict();
  // Same parameter indices with state (the never-used parameter has none) and the same keys.
  expect(Object.keys(sd.state).sort()).toEqual(Object.keys(c.stateKeys).sort());
  for (const [idx, keys] of Object.entries(c.stateKeys)) {
    const st = sd.state[Number(idx)]!;
    expect(Object.keys(st).sort(), `state[${idx}] keys`).toEqual(keys);
    for (const key of keys) {
      const v = st[key]!;
      if (v instanceof Tensor) {
        const want = T[`${prefix}.state.${idx}.${key}`]!;
        expect(v.dtype, `state[${idx}].${key} dtype`).toBe(want.dtype);
        tensorCheck(v, want, `state[${idx}].${key}`);
      } else {
        // step / eta / mu: torch keeps them as float32 0-d tensors (for float64 parameters too), read
        // as doubles; ours are Math.fround-ed numbers computed on the host: exactly equal.
        expect(v, `state[${idx}].${key}`).toBe(numbers[idx]![key]);
      }
    }
  }
}

describe.each(Object.entries(fixture.cases))(`%s (torch ${fixture.torch} fixture)`, (name, c) => {
  it('float64: loss → backward → (clip) → step for 10 steps; loss, clip norm, every parameter after every step and the final state match the twin', () => {
    const f = c.float64;
    const P = initialParams('float64');
    const opt = makeOptimizer(c, P);
    for (let k = 0; k < fixture.steps; k++) {
      opt.zeroGrad();
      expectParity(lossBackward(P, k), f.losses[k]!, `${name} loss ${k}`);
      if (c.clipMaxNorm !== null) {
        expectParity(
          clipGradNorm_(
            order(c).map((n) => P[n]!),
            c.clipMaxNorm,
          ),
          f.clipTotalNorms[k]!,
          `${name} clip norm ${k}`,
        );
      }
      opt.step();
      for (const n of order(c)) {
        const want = T[`f64.${name}.step${k}.${n}`]!;
        expect(P[n]!.dtype).toBe('float64');
        expect(want.dtype).toBe('float64');
        expectParity(P[n]!, want, `${name} step ${k} ${n}`);
      }
    }
    checkState(c, opt, `f64.${name}`, f.stateNumbers, (a, b, label) => expectParity(a, b, `${name} ${label}`));
    release(P, opt);
  });

  it('float32, one step deep: loss, clip norm and the parameters after the first step', () => {
    const P = initialParams();
    const opt = makeOptimizer(c, P);
    opt.zeroGrad();
    expectClose(lossBackward(P, 0), c.losses[0]!, 'float32', 'reduction', `${name} loss 0`);
    if (c.clipMaxNorm !== null) {
      expectClose(
        clipGradNorm_(
          order(c).map((n) => P[n]!),
          c.clipMaxNorm,
        ),
        c.clipTotalNorms[0]!,
        'float32',
        'reduction',
        `${name} clip norm 0`,
      );
    }
    opt.step();
    for (const n of order(c)) expectClose(P[n]!, T[`${name}.step0.${n}`]!, 'float32', 'step', `${name} step 0 ${n}`);
    release(P, opt);
  });

  it("float32, given torch's gradients: every parameter after each of the 10 updates, then torch's optimizer state", () => {
    const P = initialParams();
    const opt = makeOptimizer(c, P);
    for (let k = 0; k < fixture.steps; k++) {
      stepWithTorchGrads(name, c, opt, P, k);
      for (const n of order(c)) expectClose(P[n]!, T[`${name}.step${k}.${n}`]!, 'float32', 'elementwise', `${name} step ${k} ${n}`);
    }
    checkState(c, opt, name, c.stateNumbers, (a, b, label) => expectClose(a, b, 'float32', 'elementwise', `${name} ${label}`));
    release(P, opt);
  });

  it("state-dict layout: torch's keys and hyperparameters, params as torch's flat indices; the accessors return the state", () => {
    const P = initialParams();
    const opt = makeOptimizer(c, P);
    for (let k = 0; k < fixture.steps; k++) stepWithTorchGrads(name, c, opt, P, k);
    const sd = opt.stateDict();
    // The accessors the architect (SGD momentum buffer) and NT-ASGD evaluation (ASGD ax) use.
    order(c).forEach((n, idx) => {
      const viaAccessor = opt instanceof SGD ? opt.momentumBuffer(P[n]!) : opt instanceof ASGD ? opt.ax(P[n]!) : undefined;
      if (viaAccessor !== undefined) {
        const key = opt instanceof SGD ? 'momentum_buffer' : 'ax';
        expect(viaAccessor, `${key} of ${n}`).toBe(sd.state[idx]?.[key] ?? null); // null: plain SGD keeps no buffer
      }
    });
    // Every hyperparameter we save has torch's key and value.
    expect(sd.paramGroups.length).toBe(c.torchParamGroups.length);
    sd.paramGroups.forEach((g, i) => {
      const torchGroup = c.torchParamGroups[i]!;
      for (const [key, v] of Object.entries(g)) expect(v, `paramGroups[${i}].${key}`).toEqual(torchGroup[key]);
    });
    release(P, opt);
  });
});
