/**
 * A choice block (Bender et al. 2018, Fig. 3, as NAS-Bench-1Shot1 adapts it): the (optionally
 * weighted) sum of its candidate inputs, then the mixed op. Summing inputs rather than concatenating
 * them is NAS-Bench-101's rule for vertices with several parents. The weighted sum is one matrix
 * product (src/space/weighted-sum.ts).
 */
import type { Tensor } from '../../tensor/index.js';
import { Module } from '../../nn/index.js';
import { OneShotMixedOp } from './oneshot-ops.js';
import { weightedSum } from '../weighted-sum.js';

export class ChoiceBlock extends Module {
  readonly mixedOp: OneShotMixedOp;
  constructor(C: number) {
    super();
    this.mixedOp = this.registerModule('mixed_op', new OneShotMixedOp(C));
  }

  /**
   * `inputs`: [projected cell input, block 0, …, block b−1]; `inputWeights`: [1, inputs.length]
   * simplex weights, or null for a block whose inputs are summed unweighted; `opWeights`: [3].
   */
  forward(inputs: Tensor[], inputWeights: Tensor | null, opWeights: Tensor): Tensor {
    if (inputWeights !== null) return this.mixedOp.forward(weightedSum(inputs, inputWeights.select(0, 0)), opWeights);
    let sum = inputs[0]!;
    for (let m = 1; m < inputs.length; m++) sum = sum.add(inputs[m]!);
    return this.mixedOp.forward(sum, opWeights);
  }
}
