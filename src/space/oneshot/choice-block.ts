/**
 * A choice block (Bender et al. 2018, Fig. 3, as NAS-Bench-1Shot1 adapts it): the (optionally
 * weighted) sum of its candidate inputs, then the mixed op. Summing inputs rather than concatenating
 * them is NAS-Bench-101's rule for vertices with several parents.
 */
import type { Tensor } from '../../tensor/index.js';
import { Module } from '../../nn/index.js';
import { OneShotMixedOp } from './oneshot-ops.js';
import type { KernelMode } from '../kernel-mode.js';
import { weightedSum } from '../weighted-sum.js';

export class ChoiceBlock extends Module {
  readonly mixedOp: OneShotMixedOp;
  readonly kernels: KernelMode;
  constructor(C: number, kernels: KernelMode = 'fused') {
    super();
    this.kernels = kernels;
    this.mixedOp = this.registerModule('mixed_op', new OneShotMixedOp(C, kernels));
  }

  /**
   * `inputs`: [projected cell input, block 0, …, block b−1]; `inputWeights`: [1, inputs.length]
   * simplex weights, or null for a block whose inputs are summed unweighted; `opWeights`: [3].
   */
  forward(inputs: Tensor[], inputWeights: Tensor | null, opWeights: Tensor): Tensor {
    // 'fused': the weighted inputs as one matrix product (src/space/kernel-mode.ts).
    if (inputWeights !== null && this.kernels === 'fused') return this.mixedOp.forward(weightedSum(inputs, inputWeights.select(0, 0)), opWeights);
    let sum: Tensor | null = null;
    inputs.forEach((t, m) => {
      const h = inputWeights === null ? t : inputWeights.select(0, 0).select(0, m).mul(t);
      sum = sum === null ? h : sum.add(h);
    });
    return this.mixedOp.forward(sum!, opWeights);
  }
}
