/**
 * Optimizer state dicts: saved as a checkpoint writer would (tensors → safetensors bytes, numbers
 * and hyperparameters → JSON text) and loaded into a fresh optimizer over fresh parameters, the
 * run continues bit-identically (same process, same kernels) and stays close to torch's run
 * (assert_close, float32 'elementwise': torch's fixture may come from another CPU's kernels);
 * dicts that do not fit are refused before anything changes.
 */
import { describe, expect, it } from 'vitest';
import { SdartsError, Tensor, decodeSafetensors, encodeSafetensors, keep, scalar, zeros, type NamedTensors } from '../../src/index.js';
import { Adam, SGD, type OptimizerStateDict, type Optimizer } from '../../src/optim/index.js';
import { expectClose } from '../helpers/tolerance.js';
import { expectError } from './expect-error.js';
import { T, fixture, initialParams, makeOptimizer, order, release } from './replay.js';

/** Apply the fixture's torch gradients of step k and take the step. */
function stepWithTorchGrads(name: string, opt: Optimizer<{ lr: number }>, P: Record<string, Tensor>, k: number): void {
  opt.zeroGrad();
  for (const n of order(fixture.cases[name]!)) {
    const g = T[`${name}.grad${k}.${n}`];
    if (g !== undefined) P[n]!.grad = g.clone();
  }
  opt.step();
}

/** Checkpoint round trip: state tensors through safetensors bytes, the rest through JSON text. */
function roundTrip(sd: OptimizerStateDict): OptimizerStateDict {
  const tensors: NamedTensors = {};
  const numbers: Record<string, Record<string, number>> = {};
  for (const [idx, st] of Object.entries(sd.state)) {
    numbers[idx] = {};
    for (const [key, v] of Object.entries(st)) {
      if (v instanceof Tensor) tensors[`state.${idx}.${key}`] = v;
      else numbers[idx]![key] = v;
    }
  }
  const bytes = encodeSafetensors(tensors);
  const json = JSON.parse(JSON.stringify({ numbers, paramGroups: sd.paramGroups })) as {
    numbers: typeof numbers;
    paramGroups: OptimizerStateDict['paramGroups'];
  };
  const back = decodeSafetensors(bytes).tensors;
  const state: OptimizerStateDict['state'] = {};
  for (const [idx, nums] of Object.entries(json.numbers)) state[Number(idx)] = { ...nums };
  for (const [name, t] of Object.entries(back)) {
    const [, idx, key] = name.split('.');
    state[Number(idx)]![key!] = t;
  }
  return { state, paramGroups: json.paramGroups };
}

describe('optimizer stateDict / loadStateDict', () => {
  it.each(['sgd_momentum_wd', 'sgd_nesterov_clip', 'adam_amsgrad_wd', 'asgd_averaging'])(
    '%s: save after 5 steps, load into a fresh optimizer, the next 5 steps are bit-identical',
    (name) => {
      const c = fixture.cases[name]!;
      const P = initialParams();
      const opt = makeOptimizer(c, P);
      for (let k = 0; k < 5; k++) stepWithTorchGrads(name, opt, P, k);
      const saved = roundTrip(opt.stateDict());
      // The resumed run: parameters restored from their values, optimizer from the checkpoint.
      const Q: Record<string, Tensor> = {};
      for (const [n, p] of Object.entries(P)) Q[n] = keep(p.detach().clone().requiresGrad_(true));
      const resumed = makeOptimizer(c, Q);
      resumed.paramGroups[0]!.lr = 123; // must be overwritten by the saved hyperparameters
      resumed.loadStateDict(saved);
      expect(resumed.paramGroups.map((g) => g.lr)).toEqual(opt.paramGroups.map((g) => g.lr));
      for (const t of Object.values(saved.state).flatMap((s) => Object.values(s))) if (t instanceof Tensor) t.dispose();
      for (let k = 5; k < fixture.steps; k++) {
        stepWithTorchGrads(name, opt, P, k);
        stepWithTorchGrads(name, resumed, Q, k);
        for (const n of order(c)) {
          expect(Q[n]!.toArray(), `${name} step ${k} ${n}`).toEqual(P[n]!.toArray());
          expectClose(Q[n]!, T[`${name}.step${k}.${n}`]!, 'float32', 'elementwise', `${name} step ${k} ${n} vs torch`);
        }
      }
      release(P, opt);
      release(Q, resumed);
    },
  );

  it("accepts PyTorch's form of counters (0-d tensors for step) and copies state tensors", () => {
    const p = keep(zeros([3]).requiresGrad_(true));
    const opt = new Adam([p]);
    const expAvg = zeros([3]).add_(0.5);
    const step = scalar(7);
    const expAvgSq = zeros([3]);
    opt.loadStateDict({ state: { 0: { step, exp_avg: expAvg, exp_avg_sq: expAvgSq } }, paramGroups: opt.stateDict().paramGroups });
    const st = opt.stateDict().state[0]!;
    expect(st['step']).toBe(7);
    expect(st['exp_avg']).not.toBe(expAvg); // a copy: the caller may free what it loaded
    [expAvg, step, expAvgSq].forEach((t) => t.dispose());
    expect((st['exp_avg'] as Tensor).toArray()).toEqual([0.5, 0.5, 0.5]);
    opt.dispose();
    p.dispose();
  });

  describe('refuses a state dict that does not fit, leaving the optimizer unchanged', () => {
    function setup(): { opt: SGD; a: Tensor; b: Tensor; good: OptimizerStateDict } {
      const a = keep(zeros([2, 2]).requiresGrad_(true));
      const b = keep(zeros([3]).requiresGrad_(true));
      const opt = new SGD([a, b], { lr: 0.1, momentum: 0.9 });
      a.grad = keep(zeros([2, 2]).add_(1));
      b.grad = keep(zeros([3]).add_(2));
      opt.step();
      return { opt, a, b, good: opt.stateDict() };
    }
    const cases: [string, (g: OptimizerStateDict, a: Tensor) => unknown, RegExp][] = [
      ['two groups', (g) => ({ ...g, paramGroups: [g.paramGroups[0], g.paramGroups[0]] }), /it has 2 parameter group\(s\) but this optimizer has 1/],
      [
        'wrong parameter count',
        (g) => ({ ...g, paramGroups: [{ ...g.paramGroups[0], params: [0] }] }),
        /parameter group 0 has 1 parameter\(s\) but this optimizer's group 0 has 2/,
      ],
      [
        'a wrongly shaped buffer',
        (g) => ({ ...g, state: { ...g.state, 1: { momentum_buffer: zeros([4]) } } }),
        /state\[1\]\.momentum_buffer has shape \[4\] but parameter 1 has shape \[3\]/,
      ],
      [
        'an Adam key in SGD state',
        (g) => ({ ...g, state: { 0: { exp_avg: zeros([2, 2]) } } }),
        /state\[0\] has the key 'exp_avg', which SGD does not use \(expected keys: momentum_buffer\)/,
      ],
      ['a missing key', (g) => ({ ...g, state: { 0: {} } }), /state\[0\] lacks 'momentum_buffer'/],
      ['an index past the parameters', (g) => ({ ...g, state: { 5: g.state[0] } }), /entry for parameter index '5' but this optimizer has parameters 0\.\.1/],
      [
        'a number where a tensor belongs',
        (g) => ({ ...g, state: { 0: { momentum_buffer: 3 } } }),
        /state\[0\]\.momentum_buffer should be a Tensor but is 3 \(number\)/,
      ],
    ];
    it.each(cases)('%s', (_label, mutate, message) => {
      const { opt, a, b, good } = setup();
      const before = (opt.momentumBuffer(a) as Tensor).toArray();
      const bad = mutate(good, a) as OptimizerStateDict;
      expectError(() => opt.loadStateDict(bad), SdartsError, 'ERR_SDARTS_OPTIM_STATE_DICT', message);
      expectError(
        () => opt.loadStateDict(bad),
        SdartsError,
        'ERR_SDARTS_OPTIM_STATE_DICT',
        /^SGD\.loadStateDict\(\): the state dict does not fit this optimizer: .*\. Load a state dict saved from the same optimizer over the same parameter groups\.$/,
      );
      expect(opt.momentumBuffer(a)!.toArray()).toEqual(before);
      expect(opt.paramGroups[0]!.lr).toBe(0.1);
      opt.dispose();
      a.dispose();
      b.dispose();
    });

    it('a bad hyperparameter in the saved group (TypeError naming the key)', () => {
      const { opt, a, b, good } = setup();
      expectError(
        () => opt.loadStateDict({ ...good, paramGroups: [{ ...good.paramGroups[0]!, lr: '0.1' }] }),
        TypeError,
        'ERR_SDARTS_INVALID_ARG_TYPE',
        `Expected a non-negative finite number for 'stateDict.paramGroups[0].lr' in SGD.loadStateDict() but received "0.1" (string)`,
      );
      expect(opt.paramGroups[0]!.lr).toBe(0.1);
      opt.dispose();
      a.dispose();
      b.dispose();
    });
  });
});
