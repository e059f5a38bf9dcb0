/**
 * step() leaks nothing: 100 iterations of zeroGrad → loss → backward → clip → step → schedule
 * leave the live-tensor count and bytes unchanged, and dispose() frees every state tensor.
 */
import { describe, expect, it } from 'vitest';
import { memory } from '../../src/index.js';
import { CosineAnnealingLR, clipGradNorm_ } from '../../src/optim/index.js';
import { fixture, initialParams, lossBackward, makeOptimizer, order, release } from './replay.js';

describe('optimizer memory', () => {
  it.each(['sgd_nesterov_clip', 'sgd_momentum_wd', 'adam_amsgrad_wd', 'asgd_averaging'])('%s: 100 steps keep live tensors flat', (name) => {
    const c = fixture.cases[name]!;
    const start = memory().liveTensors;
    const P = initialParams();
    const opt = makeOptimizer(c, P);
    const sched = new CosineAnnealingLR(opt, 100);
    const params = order(c).map((n) => P[n]!);
    const iteration = (k: number): void => {
      opt.zeroGrad();
      lossBackward(P, k % fixture.steps);
      clipGradNorm_(params, 1.0);
      opt.step();
      sched.step();
    };
    for (let k = 0; k < 3; k++) iteration(k); // state tensors are created on the first step
    const before = memory();
    for (let k = 0; k < 100; k++) iteration(k);
    const after = memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.bytes).toEqual(before.bytes);
    // Exactly the parameters plus the state tensors are alive; dispose() and release free them all.
    const stateTensors = Object.values(opt.stateDict().state)
      .flatMap((s) => Object.values(s))
      .filter((v) => typeof v !== 'number').length;
    expect(stateTensors).toBeGreaterThan(0);
    expect(after.liveTensors - start).toBe(fixture.paramNames.length + stateTensors);
    opt.zeroGrad();
    release(P, opt);
    expect(memory().liveTensors).toBe(start);
  });
});
