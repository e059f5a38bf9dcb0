/**
 * The DARTS architect (docs/reference-notes.md R2.5): an Adam step on α from the validation loss, first order or with
 * the second-order unrolled approximation
 *   ∇_α L_val(w′, α) − η · ∇²_{α,w} L_train(w, α) · ∇_{w′} L_val(w′, α),   w′ = w − η(μ·buf + ∇_w L_train + wd·w),
 * where the mixed term is a central finite difference with R = 0.01 / ‖∇_{w′} L_val‖.
 *
 * Gradients are taken with autograd.grad w.r.t. exactly what is needed (never accumulating into the
 * network parameters' .grad), so the weight step that follows starts clean.
 *
 * The losses come as closures (`LossFn`: evaluated at the model's current weights, softmax(α) mixing), so
 * that every supernet — CNN cells, NAS-Bench-1Shot1, the recurrent cell with its hidden state — shares
 * this one architect. The recurrent search's variant (docs/reference-notes.md R3.5) is `gradClip`: both
 * weight gradients are clipped to that norm and the implicit term is scaled by η·clip_coef, where
 * clip_coef = gradClip / (‖∇_w L_train‖ + 1e-6) is used unclamped (above 1 when the gradient is small), as
 * the reference's `_clip` returns it.
 *
 * An α the loss does not depend on (α-normal when every cell is a reduction cell, layers < 3) gets no
 * gradient, as the reference's backward() leaves its .grad None; torch.optim.Adam skips such a
 * parameter, so it is not moved at all (not even by the weight decay). Unused network weights in the
 * unrolled step have a zero gradient (w′ moves them by momentum and weight decay only).
 */
import {
  cat,
  foreachAdd,
  foreachClone,
  foreachCopy_,
  foreachMul,
  foreachMul_,
  foreachNorm,
  foreachSub,
  grad,
  keep,
  noGrad,
  stack,
  tidy,
  type Tensor,
} from '../tensor/index.js';
import { Adam, type SGD } from '../optim/index.js';
import type { Supernet } from './supernet.js';

export interface ArchitectOptions {
  archLearningRate?: number;
  archWeightDecay?: number;
  betas?: [number, number];
}

/** A scalar loss at the model's current weights (softmax(α) mixing); called inside the architect's scope. */
export type LossFn = () => Tensor;

export interface UnrolledContext {
  /** L_train at the current weights (the unrolled w′ and the finite difference use it). */
  trainLoss: LossFn;
  /** The weight optimizer's current learning rate (η) and its SGD state (momentum buffers, wd). */
  eta: number;
  wOptimizer: SGD;
  /** The recurrent variant: clip ∇_w L_train and ∇_{w′} L_val to this 2-norm, implicit term × clip_coef. */
  gradClip?: number;
  /**
   * Weights that stay at w in w′ (the recurrent reference's tied embedding: its w′ is loaded through a state
   * dict whose stale `decoder.weight` entry overwrites the tied tensor; docs/decisions.md).
   */
  keepAtW?: readonly Tensor[];
}

/**
 * The reference RNN architect's `_clip`: scale `grads` in place to 2-norm ≤ maxNorm; return the
 * coefficient maxNorm / (‖grads‖ + 1e-6) whether or not it was applied.
 */
function clipInPlace(grads: Tensor[], maxNorm: number): number {
  // The per-gradient norms in one call and one read (each is `g.norm()`; the squares are summed in JS
  // in order, as the reference sums the `.item()` values).
  let sq = 0;
  if (grads.length > 0) for (const n of stack(foreachNorm(grads)).toArray()) sq += n ** 2;
  const coef = maxNorm / (Math.sqrt(sq) + 1e-6);
  if (coef < 1) foreachMul_(grads, coef);
  return coef;
}

/** The entries of a list at chosen positions (non-null there). */
type Pick = <T>(xs: readonly (T | null | undefined)[]) => T[];

/**
 * One foreach call `f` over the entries at positions `idx` (none when `idx` is empty): `f` gets `pick`, which
 * selects those entries of a list; its results are written back into `out` at the same positions.
 */
function atPositions(out: Tensor[], idx: number[], f: (pick: Pick) => Tensor[]): void {
  if (idx.length === 0) return;
  const pick: Pick = (xs) => idx.map((i) => xs[i]!);
  f(pick).forEach((t, k) => {
    out[idx[k]!] = t;
  });
}

/** The positions i < n where `pred(i)` holds. */
function positions(n: number, pred: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (pred(i)) out.push(i);
  return out;
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

  /** One α update from the validation loss; returns its value (at w′ when unrolled). */
  step(validLoss: LossFn, unrolled?: UnrolledContext): number {
    const alphas = this.model.archParameters();
    try {
      const loss = tidy(() => {
        const { grads, loss } = unrolled ? this.unrolledGrads(validLoss, unrolled) : this.firstOrderGrads(validLoss);
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

  private firstOrderGrads(validLoss: LossFn): { grads: (Tensor | null)[]; loss: number } {
    const loss = validLoss();
    return { grads: grad(loss, this.model.archParameters(), { allowUnused: true }), loss: loss.item() };
  }

  private unrolledGrads(validLoss: LossFn, u: UnrolledContext): { grads: (Tensor | null)[]; loss: number } {
    const model = this.model;
    const params = model.parameters();
    const alphas = model.archParameters();
    const group = u.wOptimizer.paramGroups[0]!;
    const { momentum, weightDecay } = group;
    const eta = u.eta;

    // w′ = w − η·(μ·buf + (∇_w L_train + wd·w)); no buffer yet (first step) ⇒ no momentum term.
    const lossTrain = u.trainLoss();
    const gw = grad(lossTrain, params, { allowUnused: true });
    // RNN: ∇_w L_train clipped before w′ (an unused weight counts zero in the norm).
    const clipCoef =
      u.gradClip === undefined
        ? 1
        : noGrad(() =>
            clipInPlace(
              gw.filter((g): g is Tensor => g !== null),
              u.gradClip!,
            ),
          );
    // Per weight: moment = buf ? buf·μ : w·0, dθ = g ? g + w·wd : w·wd, w′ = w − (moment + dθ)·η; each
    // step is one foreach call over the weights (bit for bit the per-tensor ops on the CPU).
    const unrolledW = noGrad(() => {
      const n = params.length;
      const bufs = params.map((p) => u.wOptimizer.momentumBuffer(p));
      const withBuf = positions(n, (i) => bufs[i] !== null);
      const noBuf = positions(n, (i) => bufs[i] === null);
      const withGrad = positions(n, (i) => (gw[i] ?? null) !== null);
      const atW = positions(n, (i) => u.keepAtW?.includes(params[i]!) === true);
      const moment = new Array<Tensor>(n);
      atPositions(moment, withBuf, (pick) => foreachMul(pick(bufs), momentum));
      atPositions(moment, noBuf, (pick) => foreachMul(pick(params), 0));
      const dtheta = foreachMul(params, weightDecay);
      atPositions(dtheta, withGrad, (pick) => foreachAdd(pick(gw), pick(dtheta)));
      const step = foreachAdd(moment, dtheta);
      foreachMul_(step, eta);
      const w = foreachSub(params, step);
      atPositions(w, atW, (pick) => pick(params).map((p) => p.clone()));
      return w;
    });

    // L_val at w′: swap the values in (BN running statistics of that forward are discarded, as the
    // reference's throw-away model copy does), take ∂/∂α and ∂/∂w′, swap back exactly.
    const savedW = noGrad(() => foreachClone(params).map(keep));
    const bufs = model.buffers();
    const savedB = bufs.length === 0 ? [] : noGrad(() => foreachClone(bufs).map(keep));
    let dAlpha: (Tensor | null)[], dW: Tensor[], lossValid: number;
    try {
      noGrad(() => foreachCopy_(params, unrolledW));
      const lossV = validLoss();
      lossValid = lossV.item();
      const g = grad(lossV, [...alphas, ...params], { allowUnused: true });
      dAlpha = g.slice(0, alphas.length);
      // An unused w′ has a zero gradient: it takes no part in R or in the finite difference.
      dW = g.slice(alphas.length).map((d, i) => d ?? noGrad(() => params[i]!.mul(0)));
      if (u.gradClip !== undefined) noGrad(() => clipInPlace(dW, u.gradClip!));
    } finally {
      noGrad(() => {
        foreachCopy_(params, savedW);
        if (bufs.length > 0) foreachCopy_(bufs, savedB);
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
      // w± = w + (±R)·dW: the multiply and the add stay separate (no fused add with alpha), as before.
      noGrad(() => foreachCopy_(params, foreachAdd(savedW, foreachMul(dW, scale))));
      return grad(u.trainLoss(), alphas, { allowUnused: true });
    };
    let gPlus: (Tensor | null)[], gMinus: (Tensor | null)[];
    try {
      gPlus = gradAt(R);
      gMinus = gradAt(-R);
    } finally {
      noGrad(() => foreachCopy_(params, savedW));
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
            .mul(u.gradClip === undefined ? eta : eta * clipCoef),
        );
      }),
    );
    return { grads, loss: lossValid };
  }
}
