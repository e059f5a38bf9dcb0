/**
 * clipGradNorm_ against torch 2.13's clip_grad_norm_ (fixture: make_optim_fixtures.py): the total
 * norm and the clipped gradients for p = 2 (clipped and not), 1, ∞ and 3, with one parameter
 * that has no gradient.
 */
import { describe, expect, it } from 'vitest';
import { SdartsError, keep, tensor, zeros, type Tensor } from '../../src/index.js';
import { clipGradNorm_ } from '../../src/optim/index.js';
import { expectClose } from '../helpers/tolerance.js';
import { expectError } from './expect-error.js';
import { T, fixture } from './replay.js';

/** The fixture's parameters, each with a copy of its gradient (the last has none). */
function withGrads(): Tensor[] {
  return fixture.clip.params.map((shape, i) => {
    const p = keep(zeros(shape).requiresGrad_(true));
    const g = T[`clip.grad.${i}`];
    if (g !== undefined) p.grad = g.clone();
    return p;
  });
}

describe('clipGradNorm_', () => {
  it.each(fixture.clip.cases.map((c, j) => [j, c] as const))('case %i: %o matches torch', (j, c) => {
    const ps = withGrads();
    const normType = c.normType === 'inf' ? Infinity : c.normType;
    const total = clipGradNorm_(ps, c.maxNorm, normType);
    // Same LibTorch kernels in the same order (norm of norms, reciprocal × maxNorm, clamp, mul_):
    // the results are bit-identical, which the tolerance check below would hide if the order drifted.
    expect(total).toBe(c.totalNorm);
    ps.forEach((p, i) => {
      const want = T[`clip.${j}.${i}`];
      if (want === undefined) {
        expect(p.grad).toBeNull(); // skipped, not given a zero gradient
      } else {
        expectClose(p.grad!, want, 'float32', 'elementwise', `grad ${i}`);
        expect(p.grad!.toArray(), `grad ${i} bits`).toEqual(want.toArray());
      }
    });
    if (c.maxNorm >= c.totalNorm) {
      // coef clamped to 1: gradients unchanged bit for bit.
      ps.forEach((p, i) => {
        if (p.grad) expect(p.grad.toArray()).toEqual(T[`clip.grad.${i}`]!.toArray());
      });
    }
    ps.forEach((p) => p.dispose());
  });

  it('accepts a single tensor and returns 0 when no parameter has a gradient', () => {
    const p = keep(tensor([3, 4]).requiresGrad_(true));
    expect(clipGradNorm_(p, 1)).toBe(0);
    p.grad = tensor([3, 4]);
    expect(clipGradNorm_(p, 1)).toBe(5);
    // 1 / (5 + 1e-6) in float32, times each component.
    expect(p.grad!.toArray()).toEqual([3, 4].map((v) => Math.fround(v * Math.fround(1 / Math.fround(5 + 1e-6)))));
    p.dispose();
  });

  it('errorIfNonfinite refuses a NaN total norm; by default it scales by it as PyTorch does', () => {
    const p = keep(tensor([1, 2]).requiresGrad_(true));
    p.grad = tensor([NaN, 1]);
    expectError(
      () => clipGradNorm_(p, 1, 2, { errorIfNonfinite: true }),
      SdartsError,
      'ERR_SDARTS_OPTIM_NONFINITE_NORM',
      'clipGradNorm_(): the total norm of order 2 of the gradients is NaN, so they cannot be clipped. Check the loss for NaN/Inf, or pass errorIfNonfinite: false to scale by it anyway.',
    );
    expect(Number.isNaN(clipGradNorm_(p, 1))).toBe(true);
    p.dispose();
  });

  it('rejects bad arguments with the class, code and message', () => {
    const p = keep(zeros([2]).requiresGrad_(true));
    expectError(
      () => clipGradNorm_(p, -1),
      RangeError,
      'ERR_SDARTS_OUT_OF_RANGE',
      "Expected a non-negative finite number for 'maxNorm' in clipGradNorm_() but received -1 (number)",
    );
    expectError(
      () => clipGradNorm_([p, 3 as unknown as Tensor], 1),
      TypeError,
      'ERR_SDARTS_INVALID_ARG_TYPE',
      "Expected a Tensor for 'params[1]' in clipGradNorm_() but received 3 (number)",
    );
    expectError(
      () => clipGradNorm_(p, 1, 'inf' as unknown as number),
      TypeError,
      'ERR_SDARTS_INVALID_ARG_TYPE',
      `Expected a number (Infinity for the max-norm) for 'normType' in clipGradNorm_() but received "inf" (string)`,
    );
    expectError(
      () => clipGradNorm_('w' as unknown as Tensor, 1),
      TypeError,
      'ERR_SDARTS_INVALID_ARG_TYPE',
      `Expected a Tensor or an array of Tensors for 'params' in clipGradNorm_() but received "w" (string)`,
    );
    p.dispose();
  });
});
