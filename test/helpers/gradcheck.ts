/**
 * Finite-difference gradient check in float64 (the formula: central differences
 * (f(x+h) - f(x-h)) / 2h, compared with autograd's gradient).
 */
import { grad, tensor, tidy, type Tensor } from '../../src/index.js';

export interface GradcheckResult {
  maxAbsErr: number;
  maxRelErr: number;
}

export function gradcheck(fn: (xs: Tensor[]) => Tensor, inputs: Tensor[], h = 1e-6): GradcheckResult {
  return tidy(() => {
    const xs = inputs.map((x) => x.detach().requiresGrad_(true));
    const out = fn(xs);
    // Reduce to a scalar with fixed pseudo-random weights so every output element matters.
    const w = tensor(
      Array.from({ length: out.numel }, (_, i) => Math.sin(i + 1)),
      { dtype: 'float64', shape: out.shape },
    );
    const loss = (y: Tensor): Tensor => y.mul(w).sum();
    const analytic = grad(loss(out), xs, { allowUnused: true }).map((g, i) => (g ? g.toArray() : new Array(xs[i]!.numel).fill(0)));
    let maxAbsErr = 0,
      maxRelErr = 0;
    xs.forEach((x, xi) => {
      const base = x.toArray();
      for (let i = 0; i < base.length; i++) {
        const evalAt = (delta: number): number =>
          tidy(() => {
            const v = base.slice();
            v[i]! += delta;
            const xp = tensor(new Float64Array(v), { shape: x.shape });
            const args = xs.map((o, k) => (k === xi ? xp : o.detach()));
            return loss(fn(args)).item();
          });
        const num = (evalAt(h) - evalAt(-h)) / (2 * h);
        const a = analytic[xi]![i]!;
        const abs = Math.abs(num - a);
        maxAbsErr = Math.max(maxAbsErr, abs);
        maxRelErr = Math.max(maxRelErr, abs / Math.max(1, Math.abs(num)));
      }
    });
    return { maxAbsErr, maxRelErr };
  });
}
