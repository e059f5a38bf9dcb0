/**
 * What the search algorithms need from a one-shot model: the CNN SearchNetwork (DARTS space) and the
 * NAS-Bench-1Shot1 network both provide it. Architecture weights travel as arrays aligned with
 * archParameters(); forward(x) mixes with softmax(α), forward(x, w) with the given simplex weights.
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
  forward(x: Tensor, archWeights?: Tensor[]): Tensor;
}
