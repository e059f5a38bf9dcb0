/**
 * Σ_k w[k] · outs[k] over tensors of one shape as one concat and one [1, K] × [K, M] product: forward
 * and backward, three ops and their three backward nodes instead of K selects, K products and K − 1 sums
 * (docs/performance.md "Kernel modes"; the 'fused' mode only). It rounds as the BLAS dot product does, not as a
 * left-to-right sum.
 */
import { cat, type Tensor } from '../tensor/index.js';

/** `outs`: K tensors of one shape; `w`: shape [K] or [1, K]. */
export function weightedSum(outs: readonly Tensor[], w: Tensor): Tensor {
  const shape = outs[0]!.shape as number[];
  // A concat is contiguous (a view suffices); a lone output may not be (an identity op's input).
  const rows = outs.length === 1 ? outs[0]!.reshape([1, -1]) : cat(outs as Tensor[], 0).view([outs.length, -1]);
  return (w.ndim === 1 ? w.unsqueeze(0) : w).mm(rows).view(shape);
}

/**
 * Frees the op outputs a weighted sum has consumed, except those that are one of `inputs` (an identity op
 * returns its input). The sum holds its own copy (and autograd what it saved), so within a step's scope
 * the outputs would otherwise stay alive beside it until the scope ends.
 */
export function releaseTerms(outs: readonly Tensor[], inputs: readonly Tensor[]): void {
  for (const o of outs) if (!inputs.includes(o)) o.dispose();
}
