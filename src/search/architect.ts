/**
 * The DARTS architect (docs/reference-notes.md R2.5): an Adam step on α from the validation loss, first order or with
 * the second-order unrolled approximation
 *   ∇_α L_val(w′, α) − η · ∇²_{α,w} L_train(w, α) · ∇_{w′} L_val(w′, α),   w′ = w − η(μ·buf + ∇_w L_train + wd·w),
 * where the mixed term is a central finite difference with R = 0.01 / ‖∇_{w′} L_val‖.
 *
 * Gradients are taken with autograd.grad w.r.t. exactly what is needed (never accumulating into the
 * network parameters' .grad), so the weight step that follows starts clean.
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
    const loss = tidy(() => {
      const { grads, loss } = unrolled ? this.unrolledGrads(xValid, yValid, unrolled) : this.firstOrderGrads(xValid, yValid);
      alphas.forEach((a, i) => {
        a.grad = grads[i]!;
      });
      return loss;
    });
    this.optimizer.step();
    for (const a of alphas) a.grad = null;
    return loss;
  }

  private firstOrderGrads(x: Tensor, y: Tensor): { grads: Tensor[]; loss: number } {
    const loss = F.crossEntropy(this.model.forward(x), y);
    return { grads: grad(loss, this.model.archParameters()) as Tensor[], loss: loss.item() };
  }

  private unrolledGrads(xValid: Tensor, yValid: Tensor, u: UnrolledContext): { grads: Tensor[]; loss: number } {
    const model = this.model;
    const params = model.parameters();
    const alphas = model.archParameters();
    const group = u.wOptimizer.paramGroups[0]!;
    const { momentum, weightDecay } = group;
    const eta = u.eta;

    // w′ = w − η·(μ·buf + (∇_w L_train + wd·w)); no buffer yet (first step) ⇒ no momentum term.
    const lossTrain = F.crossEntropy(model.forward(u.xTrain), u.yTrain);
    const gw = grad(lossTrain, params) as Tensor[];
    const unrolledW = noGrad(() =>
      params.map((p, i) => {
        const buf = u.wOptimizer.momentumBuffer(p);
        const moment = buf ? buf.mul(momentum) : p.mul(0);
        const dtheta = gw[i]!.add(p.mul(weightDecay));
        return p.sub(moment.add(dtheta).mul(eta));
      }),
    );

    // L_val at w′: swap the values in (BN running statistics of that forward are discarded, as the
    // reference's throw-away model copy does), take ∂/∂α and ∂/∂w′, swap back exactly.
    const savedW = noGrad(() => params.map((p) => keep(p.clone())));
    const bufs = model.buffers();
    const savedB = noGrad(() => bufs.map((b) => keep(b.clone())));
    let dAlpha: Tensor[], dW: Tensor[], lossValid: number;
    try {
      noGrad(() => params.forEach((p, i) => p.copy_(unrolledW[i]!)));
      const lossV = F.crossEntropy(model.forward(xValid), yValid);
      lossValid = lossV.item();
      const g = grad(lossV, [...alphas, ...params]) as Tensor[];
      dAlpha = g.slice(0, alphas.length);
      dW = g.slice(alphas.length);
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
    const gradAt = (scale: number): Tensor[] => {
      noGrad(() => params.forEach((p, i) => p.copy_(savedW[i]!.add(dW[i]!.mul(scale)))));
      return grad(F.crossEntropy(model.forward(u.xTrain), u.yTrain), alphas) as Tensor[];
    };
    let gPlus: Tensor[], gMinus: Tensor[];
    try {
      gPlus = gradAt(R);
      gMinus = gradAt(-R);
    } finally {
      noGrad(() => params.forEach((p, i) => p.copy_(savedW[i]!)));
      savedW.forEach((t) => t.dispose());
    }
    // Separate multiply and subtract (no fused `sub(x, alpha)`): the finite difference divides by a
    // small 2R, so rounding differences would be amplified.
    const grads = noGrad(() =>
      dAlpha.map((d, i) =>
        d.sub(
          gPlus[i]!.sub(gMinus[i]!)
            .div(2 * R)
            .mul(eta),
        ),
      ),
    );
    return { grads, loss: lossValid };
  }
}
