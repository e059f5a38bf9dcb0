/**
 * The DARTS architect (docs/reference-notes.md R2.5): an Adam step on α from the validation loss, first order or with
 * the second-order unrolled approximation
 *   ∇_α L_val(w′, α) − η · ∇²_{α,w} L_train(w, α) · ∇_{w′} L_val(w′, α),   w′ = w − η(μ·buf + ∇_w L_train + wd·w),
 * where the mixed term is a central finite difference with R = 0.01 / ‖∇_{w′} L_val‖.
 *
 * Gradients are taken with autograd.grad w.r.t. exactly what is needed (never accumulating into the
 * network parameters' .grad), so the weight step that follows starts clean.
 *
 * An α the loss does not depend on (α-normal when every cell is a reduction cell, layers < 3) gets no
 * gradient, as the reference's backward() leaves its .grad None; torch.optim.Adam skips such a
 * parameter, so it is not moved at all (not even by the weight decay). Unused network weights in the
 * unrolled step have a zero gradient (w′ moves them by momentum and weight decay only).
 */
import { F, cat, grad, keep, noGrad, tidy, type Tensor } from '../tensor/index.js';
import { Adam, type SGD } from '../optim/index.js';
import type { Supernet } from './supernet.js';

export interface ArchitectOptions {
  archLearningRate?: number;
  archWeightDecay?: number;
  betas?: [number, number];
}

export interface UnrolledContext {
  xTrain: Tensor;
  yTrain: Tensor;
  /** The weight optimizer's current learning rate (η) and its SGD state (momentum buffers, wd). */
  eta: number;
  wOptimizer: SGD;
}

export class Architect {
  readonly optimizer: Adam;

  constructor(
    readonly model: Supernet,
    o: ArchitectOptions = {},
  ) {
    this.optimizer = new Adam(model.archParameters(), {
      lr: o.archLearningRate ?? 3e-4,
      betas: o.betas ?? [0.5, 0.999],
      weightDecay: o.archWeightDecay ?? 1e-3,
    });
  }

  /** One α update on a validation batch; returns the validation loss used (a number). */
  step(xValid: Tensor, yValid: Tensor, unrolled?: UnrolledContext): number {
    const alphas = this.model.archParameters();
    try {
      const loss = tidy(() => {
        const { grads, loss } = unrolled ? this.unrolledGrads(xValid, yValid, unrolled) : this.firstOrderGrads(xValid, yValid);
        alphas.forEach((a, i) => {
          a.grad = grads[i] ?? null; // null: unused, skipped by Adam (no step, no decay)
        });
        return loss;
      });
      this.optimizer.step();
      return loss;
    } finally {
      for (const a of alphas) a.grad = null;
    }
  }

  private firstOrderGrads(x: Tensor, y: Tensor): { grads: (Tensor | null)[]; loss: number } {
    const loss = F.crossEntropy(this.model.forward(x), y);
    return { grads: grad(loss, this.model.archParameters(), { allowUnused: true }), loss: loss.item() };
  }

  private unrolledGrads(xValid: Tensor, yValid: Tensor, u: UnrolledContext): { grads: (Tensor | null)[]; loss: number } {
    const model = this.model;
    const params = model.parameters();
    const alphas = model.archParameters();
    const group = u.wOptimizer.paramGroups[0]!;
    const { momentum, weightDecay } = group;
    const eta = u.eta;

    // w′ = w − η·(μ·buf + (∇_w L_train + wd·w)); no buffer yet (first step) ⇒ no momentum term.
    const lossTrain = F.crossEntropy(model.forward(u.xTrain), u.yTrain);
    const gw = grad(lossTrain, params, { allowUnused: true });
    const unrolledW = noGrad(() =>
      params.map((p, i) => {
        const buf = u.wOptimizer.momentumBuffer(p);
        const moment = buf ? buf.mul(momentum) : p.mul(0);
        const gi = gw[i] ?? null;
        const dtheta = gi === null ? p.mul(weightDecay) : gi.add(p.mul(weightDecay));
        return p.sub(moment.add(dtheta).mul(eta));
      }),
    );

    // L_val at w′: swap the values in (BN running statistics of that forward are discarded, as the
    // reference's throw-away model copy does), take ∂/∂α and ∂/∂w′, swap back exactly.
    const savedW = noGrad(() => params.map((p) => keep(p.clone())));
    const bufs = model.buffers();
    const savedB = noGrad(() => bufs.map((b) => keep(b.clone())));
    let dAlpha: (Tensor | null)[], dW: Tensor[], lossValid: number;
    try {
      noGrad(() => params.forEach((p, i) => p.copy_(unrolledW[i]!)));
      const lossV = F.crossEntropy(model.forward(xValid), yValid);
      lossValid = lossV.item();
      const g = grad(lossV, [...alphas, ...params], { allowUnused: true });
      dAlpha = g.slice(0, alphas.length);
      // An unused w′ has a zero gradient: it takes no part in R or in the finite difference.
      dW = g.slice(alphas.length).map((d, i) => d ?? noGrad(() => params[i]!.mul(0)));
    } finally {
      noGrad(() => {
        params.forEach((p, i) => p.copy_(savedW[i]!));
        bufs.forEach((b, i) => b.copy_(savedB[i]!));
      });
      savedB.forEach((t) => t.dispose());
    }

    // Finite-difference Hessian-vector product: (∇_α L_train(w + R·v) − ∇_α L_train(w − R·v)) / 2R.
    const R =
      0.01 /
      noGrad(() =>
        cat(dW.map((v) => v.reshape(-1)))
          .norm()
          .item(),
      );
    const gradAt = (scale: number): (Tensor | null)[] => {
      noGrad(() => params.forEach((p, i) => p.copy_(savedW[i]!.add(dW[i]!.mul(scale)))));
      return grad(F.crossEntropy(model.forward(u.xTrain), u.yTrain), alphas, { allowUnused: true });
    };
    let gPlus: (Tensor | null)[], gMinus: (Tensor | null)[];
    try {
      gPlus = gradAt(R);
      gMinus = gradAt(-R);
    } finally {
      noGrad(() => params.forEach((p, i) => p.copy_(savedW[i]!)));
      savedW.forEach((t) => t.dispose());
    }
    // Separate multiply and subtract (no fused `sub(x, alpha)`): the finite difference divides by a
    // small 2R, so rounding differences would be amplified.
    // An α unused by both losses has no gradient (None in the reference: Adam skips it); one unused by
    // only some of them counts zero there.
    const grads = noGrad(() =>
      dAlpha.map((d, i) => {
        const p = gPlus[i] ?? null,
          m = gMinus[i] ?? null;
        if (d === null && p === null && m === null) return null;
        const zero = alphas[i]!.mul(0);
        return (d ?? zero).sub(
          (p ?? zero)
            .sub(m ?? zero)
            .div(2 * R)
            .mul(eta),
        );
      }),
    );
    return { grads, loss: lossValid };
  }
}
