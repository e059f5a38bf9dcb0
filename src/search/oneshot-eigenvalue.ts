/**
 * NAS-Bench-1Shot1's end-of-epoch curvature analysis (docs/reference-notes.md R4.3, `optimizers/analyze.py`): the full
 * Hessian of the validation loss w.r.t. every architecture scalar, with the model in TRAIN mode (batch
 * statistics; the one forward also updates BN running statistics, as the reference's does), in alpha
 * mode (softmax mixing), plus `diagonal` (the arch weight decay 1e-3: the reference differentiates
 * ∂L/∂α + 1e-3·α); reported as |max eig(H)|.
 */
import { F, type Tensor } from '../tensor/index.js';
import type { ImageSupernet } from './supernet.js';
import { exactHessianEigenvalue } from './hessian.js';

export function oneShotEigenvalue(model: ImageSupernet, x: Tensor, y: Tensor, diagonal = 1e-3): number {
  const wasTraining = model.training;
  model.train();
  try {
    return exactHessianEigenvalue(() => F.crossEntropy(model.forward(x), y), model.archParameters(), diagonal);
  } finally {
    if (!wasTraining) model.eval();
  }
}
