/**
 * What the search algorithms need from a one-shot model: the CNN SearchNetwork (DARTS space), the
 * NAS-Bench-1Shot1 network and the recurrent search model all provide it. Architecture weights travel as
 * arrays aligned with archParameters(); the losses the algorithms differentiate come as closures from the
 * task (src/search/search-loop.ts), so the model's forward signature is the task's business.
 */
import type { Tensor } from '../tensor/index.js';

export interface Supernet {
  training: boolean;
  train(mode?: boolean): unknown;
  eval(): unknown;
  parameters(): Tensor[];
  buffers(): Tensor[];
  archParameters(): Tensor[];
  softmaxWeights(): Tensor[];
  /**
   * Runs `fn` in eval mode with the weights and BN statistics held fixed, so the model may precompute from them
   * (the 'fused' kernels fold eval-mode BN into the convolutions: src/space/folded-batch-norm.ts). Inside, losses
   * may be differentiated w.r.t. the simplex weights only. Optional: PGD's attack uses it where present.
   */
  withFrozenWeights?<T>(fn: () => T): T;
}

/** A supernet over images: forward(x) mixes with softmax(α), forward(x, w) with the given simplex weights. */
export interface ImageSupernet extends Supernet {
  forward(x: Tensor, archWeights?: Tensor[]): Tensor;
}
