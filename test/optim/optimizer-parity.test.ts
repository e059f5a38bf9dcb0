/**
 * SGD / Adam / ASGD against PyTorch 2.13 (fixture: scripts/fixtures/make_optim_fixtures.py).
 * Each case replays the script's 10 steps of zeroGrad → loss → backward → (clip) → step on the
 * same model, batches and initial values, and compares every parameter after every step, the
 * final optimizer state and the state-dict layout with torch's.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/index.js';
import { ASGD, SGD, clipGradNorm_ } from '../../src/optim/index.js';
import { expectTensorClose, type EncodedTensor } from '../helpers/fixture.js';
import { maxRelError, tolerance } from '../helpers/tolerance.js';
import { T, fixture, initialParams, lossBackward, makeOptimizer, order, release } from './replay.js';

const TOL = tolerance('float32', 'elementwise');

function enc(t: Tensor): EncodedTensor {
  return { shape: t.shape, dtype: t.dtype, data: t.toArray() };
}

describe.each(Object.entries(fixture.cases))('%s (torch %s fixture)', (name, c) => {
  it('replays loss → backward → step; params match torch after each of the 10 steps', () => {
    const P = initialParams();
    const opt = makeOptimizer(c, P);
    for (let k = 0; k < fixture.steps; k++) {
      opt.zeroGrad();
      const loss = lossBackward(P, k);
      expect(Math.abs(loss - c.losses[k]!) / c.losses[k]!, `${name} loss ${k}`).toBeLessThanOrEqual(TOL);
      if (c.clipMaxNorm !== null) {
        const norm = clipGradNorm_(order(c).map((n) => P[n]!), c.clipMaxNorm);
        expect(Math.abs(norm - c.clipTotalNorms[k]!) / c.clipTotalNorms[k]!, `${name} clip norm ${k}`).toBeLessThanOrEqual(TOL);
      }
      opt.step();
      for (const n of order(c)) expectTensorClose(P[n]!, enc(T[`${name}.step${k}.${n}`]!), 'elementwise', `${name} step ${k} ${n}`);
    }
    release(P, opt);
  });

  it("given torch's gradients, each update equals torch's bit for bit", () => {
    const P = initialParams();
    const opt = makeOptimizer(c, P);
    for (let k = 0; k < fixture.steps; k++) {
      opt.zeroGrad();
      for (const n of order(c)) {
        const g = T[`${name}.grad${k}.${n}`];
        if (g !== undefined) P[n]!.grad = g.clone();
      }
      opt.step();
      for (const n of order(c)) {
        expect(maxRelError(P[n]!.toArray(), T[`${name}.step${k}.${n}`]!.toArray()), `${name} step ${k} ${n}`).toBe(0);
      }
    }
    release(P, opt);
  });

  it("ends with torch's optimizer state and state-dict layout", () => {
    const P = initialParams();
    const opt = makeOptimizer(c, P);
    for (let k = 0; k < fixture.steps; k++) {
      opt.zeroGrad();
      for (const n of order(c)) {
        const g = T[`${name}.grad${k}.${n}`];
        if (g !== undefined) P[n]!.grad = g.clone();
      }
      opt.step();
    }
    const sd = opt.stateDict();
    // Same parameter indices with state (the never-used parameter has none) and the same keys.
    expect(Object.keys(sd.state).sort()).toEqual(Object.keys(c.stateKeys).sort());
    for (const [idx, keys] of Object.entries(c.stateKeys)) {
      const st = sd.state[Number(idx)]!;
      expect(Object.keys(st).sort(), `state[${idx}] keys`).toEqual(keys);
      for (const key of keys) {
        const v = st[key]!;
        if (v instanceof Tensor) {
          expect(maxRelError(v.toArray(), T[`${name}.state.${idx}.${key}`]!.toArray()), `state[${idx}].${key}`).toBe(0);
        } else {
          // step / eta / mu: torch's float32 0-d tensors read as doubles; ours are fround-ed numbers.
          expect(v, `state[${idx}].${key}`).toBe(c.stateNumbers[idx]![key]);
        }
      }
    }
    // The accessors the architect (SGD momentum buffer) and NT-ASGD evaluation (ASGD ax) use.
    order(c).forEach((n, idx) => {
      const viaAccessor = opt instanceof SGD ? opt.momentumBuffer(P[n]!) : opt instanceof ASGD ? opt.ax(P[n]!) : undefined;
      if (viaAccessor !== undefined) {
        const key = opt instanceof SGD ? 'momentum_buffer' : 'ax';
        expect(viaAccessor, `${key} of ${n}`).toBe(sd.state[idx]?.[key] ?? null); // null: plain SGD keeps no buffer
      }
    });
    // Every hyperparameter we save has torch's key and value; params are torch's flat indices.
    expect(sd.paramGroups.length).toBe(c.torchParamGroups.length);
    sd.paramGroups.forEach((g, i) => {
      const torchGroup = c.torchParamGroups[i]!;
      for (const [key, v] of Object.entries(g)) expect(v, `paramGroups[${i}].${key}`).toEqual(torchGroup[key]);
    });
    release(P, opt);
  });
});
