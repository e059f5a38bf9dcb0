/**
 * The NAS-Bench-1Shot1 ops (docs/reference-notes.md R4.2): primitive column order, ConvBnRelu's batch norm with the
 * reference's momentum 0.997 in PyTorch semantics (formula: running = 0.003·old + 0.997·batch statistic,
 * unbiased variance), the mixed op as Σ_k w_k·op_k(x), and the choice block's (weighted) input sum.
 */
import { describe, expect, it } from 'vitest';
import { F, manualSeed, noGrad, randn, tensor, tidy } from '../../src/index.js';
import { ConvBnRelu, ONESHOT_OPS, OneShotMixedOp } from '../../src/space/oneshot/oneshot-ops.js';
import { ONESHOT_PRIMITIVES } from '../../src/space/oneshot/index.js';
import { ChoiceBlock } from '../../src/space/oneshot/choice-block.js';
import { ONE_SHOT_PRIMITIVES } from '../../src/benchmark/one-shot-spaces.js';
import { expectClose } from '../helpers/tolerance.js';

describe('one-shot ops', () => {
  it("primitive column order is the conversion's: maxpool3x3, conv3x3-bn-relu, conv1x1-bn-relu", () => {
    expect([...ONESHOT_PRIMITIVES]).toEqual([...ONE_SHOT_PRIMITIVES]);
    expect([...ONESHOT_PRIMITIVES]).toEqual(['maxpool3x3', 'conv3x3-bn-relu', 'conv1x1-bn-relu']);
  });

  it('ConvBnRelu: running stats follow momentum 0.997 (PyTorch semantics), eps 1e-5, affine, ReLU output', () => {
    manualSeed(3);
    const m = new ConvBnRelu(2, 3, 3, 1, 1);
    tidy(() => {
      const x = randn([4, 2, 5, 5]);
      const y = m.forward(x);
      expect(y.shape).toEqual([4, 3, 5, 5]);
      expect(y.min().item()).toBeGreaterThanOrEqual(0);
      const conv = noGrad(() => F.conv2d(x, m.op.at(0).getParameter('weight')!, null, { padding: 1 })).toArray();
      const [N, Cc, HW] = [4, 3, 25];
      const wantMean: number[] = [],
        wantVar: number[] = [];
      for (let c = 0; c < Cc; c++) {
        const vals: number[] = [];
        for (let n = 0; n < N; n++) for (let k = 0; k < HW; k++) vals.push(conv[(n * Cc + c) * HW + k]!);
        const mu = vals.reduce((s, v) => s + v, 0) / vals.length;
        const unbiased = vals.reduce((s, v) => s + (v - mu) ** 2, 0) / (vals.length - 1);
        wantMean.push(0.003 * 0 + 0.997 * mu);
        wantVar.push(0.003 * 1 + 0.997 * unbiased);
      }
      const sd = m.stateDict();
      // float32 batch statistics (a reduction) against the formula evaluated in double on the same conv output
      expectClose(sd['op.1.running_mean']!, wantMean, 'float32', 'reduction', 'running_mean');
      expectClose(sd['op.1.running_var']!, wantVar, 'float32', 'reduction', 'running_var');
      expect(Object.keys(sd)).toEqual(['op.0.weight', 'op.1.weight', 'op.1.bias', 'op.1.running_mean', 'op.1.running_var', 'op.1.num_batches_tracked']);
    });
    m.dispose();
  });

  it('mixed op = Σ_k w_k·op_k(x); max pool has no BN and no parameters; conv ops nest one ConvBnRelu', () => {
    manualSeed(4);
    const mixed = new OneShotMixedOp(3);
    mixed.eval();
    expect(Object.keys(mixed.stateDict()).filter((k) => k.endsWith('weight'))).toEqual([
      '_ops.1.op.op.0.weight',
      '_ops.1.op.op.1.weight',
      '_ops.2.op.op.0.weight',
      '_ops.2.op.op.1.weight',
    ]);
    expect(mixed.stateDict()['_ops.1.op.op.0.weight']!.shape).toEqual([3, 3, 3, 3]);
    expect(mixed.stateDict()['_ops.2.op.op.0.weight']!.shape).toEqual([3, 3, 1, 1]);
    tidy(() => {
      const x = randn([2, 3, 6, 6]);
      const w = tensor([0.2, 0.5, 0.3]);
      const got = noGrad(() => mixed.forward(x, w));
      const pool = F.maxPool2d(x, 3, { stride: 1, padding: 1 });
      const want = noGrad(() => pool.mul(0.2).add(mixed.ops.at(1).forward(x).mul(0.5)).add(mixed.ops.at(2).forward(x).mul(0.3)));
      expect(got.shape).toEqual([2, 3, 6, 6]);
      expectClose(got, want, 'float32', 'elementwise', 'mixed op');
      expect(ONESHOT_OPS.maxpool3x3(3).parameters()).toHaveLength(0);
    });
    mixed.dispose();
  });

  it('choice block: unweighted blocks sum their inputs; weighted ones scale input m by w[0][m] first', () => {
    manualSeed(5);
    const block = new ChoiceBlock(2);
    block.eval();
    tidy(() => {
      const a = randn([1, 2, 4, 4]),
        b = randn([1, 2, 4, 4]);
      const opW = tensor([0, 0, 1]); // conv1x1 only: a linear map before BN/ReLU, so the input sum is visible
      const plain = noGrad(() => block.forward([a, b], null, opW));
      const viaSum = noGrad(() => block.mixedOp.forward(a.add(b), opW));
      expect(plain.toArray()).toEqual(viaSum.toArray());
      const inW = tensor([[0.25, 0.75]]);
      const weighted = noGrad(() => block.forward([a, b], inW, opW));
      const viaWeighted = noGrad(() => block.mixedOp.forward(a.mul(0.25).add(b.mul(0.75)), opW));
      expectClose(weighted, viaWeighted, 'float32', 'elementwise', 'weighted choice block');
    });
    block.dispose();
  });
});
