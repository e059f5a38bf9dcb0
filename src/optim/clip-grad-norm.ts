/**
 * Gradient-norm clipping, PyTorch's `torch.nn.utils.clip_grad_norm_` (torch 2.13):
 *
 *   total = ‖ (‖g_1‖_p, …, ‖g_n‖_p) ‖_p          (parameters without a gradient are skipped)
 *   coef  = maxNorm / (total + 1e-6)
 *   g_i  ← g_i · min(coef, 1)
 *
 * torch 2.13 multiplies by the clamped coefficient unconditionally (no `if coef < 1` branch, which
 * would need a device→host sync); a coefficient of exactly 1 leaves the gradients bit-identical,
 * so doing the same keeps parity without a special case. All arithmetic happens on tensors in
 * the gradients' dtype, as in PyTorch (`maxNorm / x` is `x.reciprocal() * maxNorm` there).
 */
import { Tensor, foreachMul_, foreachNorm, noGrad, stack, tidy } from '../tensor/index.js';
import { SdartsError, typeError, rangeError } from '../util/errors.js';
import { nonNegative, paramTensor } from './validate.js';

export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or ±Infinity instead of scaling by it (PyTorch's error_if_nonfinite). */
  errorIfNonfinite?: boolean;
}

/**
 * Scale the gradients of `params` in place so their joint p-norm is at most `maxNorm`
 * (`normType` = Infinity for the max-norm). Returns the total norm before clipping.
 */
export function clipGradNorm_(params: Tensor | Tensor[], maxNorm: number, normType = 2, options: ClipGradNormOptions = {}): number {
  const fn = 'clipGradNorm_';
  const list = params instanceof Tensor ? [params] : params;
  if (!Array.isArray(list)) throw typeError(fn, 'params', 'a Tensor or an array of Tensors', params);
  list.forEach((p, i) => paramTensor(fn, `params[${i}]`, p));
  nonNegative(fn, 'maxNorm', maxNorm);
  if (typeof normType !== 'number') throw typeError(fn, 'normType', 'a number (Infinity for the max-norm)', normType);
  if (Number.isNaN(normType)) throw rangeError(fn, 'normType', 'a number (Infinity for the max-norm)', normType);
  if (options === null || typeof options !== 'object') throw typeError(fn, 'options', 'an options object', options);
  const errorIfNonfinite = options.errorIfNonfinite ?? false;
  if (typeof errorIfNonfinite !== 'boolean') throw typeError(fn, 'options.errorIfNonfinite', 'a boolean', errorIfNonfinite);

  return noGrad(() =>
    tidy(() => {
      const grads = list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      if (grads.length === 0) return 0;
      // torch's foreach clip (torch/nn/utils/clip_grad.py, foreach=True): the per-gradient norms in one
      // call, each bit for bit `g.norm(normType)` on the CPU (LibTorch loops linalg_vector_norm).
      const total = stack(foreachNorm(grads, normType)).norm(normType);
      const totalNorm = total.item();
      if (errorIfNonfinite && !Number.isFinite(totalNorm)) {
        throw new SdartsError(
          'ERR_SDARTS_OPTIM_NONFINITE_NORM',
          `${fn}(): the total norm of order ${normType} of the gradients is ${totalNorm}, so they cannot be clipped. Check the loss for NaN/Inf, or pass errorIfNonfinite: false to scale by it anyway.`,
        );
      }
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1);
      // Each `g` shares storage with the parameter's .grad, so mul_ scales the real gradient; the
      // Tensor overload keeps the coefficient on the device (no host read), as torch's does.
      foreachMul_(grads, coef);
      return totalNorm;
    }),
  );
}
