/**
 * Curvature of the validation loss w.r.t. the architecture — the quantity SDARTS keeps small.
 * Hessian-vector products are exact (double backward through autograd.grad with createGraph).
 *   - dominantEigenvalue: power iteration on v ↦ H v (any α size; the CNN spaces);
 *   - exactHessianEigenvalue: the full symmetric H row by row, eigenvalues by Jacobi, reported as
 *     |max eig(H)| with `diagonal` added (1Shot1's definition: ∂/∂α of ∂L/∂α + 1e-3·α).
 */
import { cat, grad, noGrad, randn, tidy, type Tensor } from '../tensor/index.js';
import { symmetricEigenvalues } from './symmetric-eigen.js';

/** H·v for the Hessian of lossFn() w.r.t. `params` (lists aligned). */
export function hessianVectorProduct(lossFn: () => Tensor, params: Tensor[], v: Tensor[]): Tensor[] {
  const loss = lossFn();
  const g = grad(loss, params, { createGraph: true, allowUnused: true });
  let dot: Tensor | null = null;
  g.forEach((gi, i) => {
    if (gi === null || !gi.requiresGrad) return; // unused or linear in this parameter: no curvature
    const term = gi.mul(v[i]!).sum();
    dot = dot === null ? term : dot.add(term);
  });
  if (dot === null) return v.map((t) => t.mul(0));
  return grad(dot, params, { allowUnused: true }).map((h, i) => h ?? v[i]!.mul(0));
}

export interface PowerIterationResult { eigenvalue: number; iterations: number; converged: boolean }

export function dominantEigenvalue(lossFn: () => Tensor, params: Tensor[], o: { iterations?: number; tol?: number } = {}): PowerIterationResult {
  const maxIt = o.iterations ?? 20;
  const tol = o.tol ?? 1e-4;
  return tidy(() => {
    let v = noGrad(() => {
      const r = params.map((p) => randn(p.shape, { dtype: p.dtype, device: p.device }));
      const n = Math.sqrt(r.reduce((s, t) => s + t.square().sum().item(), 0));
      return r.map((t) => t.div(n));
    });
    let lambda = 0;
    for (let it = 1; it <= maxIt; it++) {
      const next = tidy(() => {
        const hv = hessianVectorProduct(lossFn, params, v).map((t) => t.detach());
        const rayleigh = hv.reduce((s, t, i) => s + t.mul(v[i]!).sum().item(), 0);
        const norm = Math.sqrt(hv.reduce((s, t) => s + t.square().sum().item(), 0));
        return { v: norm > 0 ? hv.map((t) => t.div(norm)) : hv, rayleigh };
      });
      const prev = lambda;
      lambda = next.rayleigh;
      v.forEach((t) => t.dispose());
      v = next.v;
      if (it > 1 && Math.abs(lambda - prev) <= tol * Math.abs(lambda)) return { eigenvalue: lambda, iterations: it, converged: true };
    }
    return { eigenvalue: lambda, iterations: maxIt, converged: false };
  });
}

/** The full Hessian of lossFn() w.r.t. params (flattened in order), plus `diagonal`·I. */
export function exactHessian(lossFn: () => Tensor, params: Tensor[], diagonal = 0): number[][] {
  return tidy(() => {
    const loss = lossFn();
    const parts = grad(loss, params, { createGraph: true, allowUnused: true });
    const g = cat(parts.map((t, k) => (t ?? params[k]!.detach().mul(0)).reshape(-1)));
    const n = g.numel;
    const total = params.reduce((s, p) => s + p.numel, 0);
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) {
      const row = tidy(() => {
        const gi = g.select(0, i);
        if (!gi.requiresGrad) return new Array<number>(total).fill(0);
        const hs = grad(gi, params, { retainGraph: true, allowUnused: true });
        return hs.flatMap((h, k) => (h ? h.toArray() : new Array<number>(params[k]!.numel).fill(0)));
      });
      row[i]! += diagonal;
      rows.push(row);
    }
    // Symmetrise (upper triangle mirrored, as the reference's analysis does).
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) rows[i]![j] = rows[j]![i]!;
    return rows;
  });
}

export function exactHessianEigenvalue(lossFn: () => Tensor, params: Tensor[], diagonal = 1e-3): number {
  const eig = symmetricEigenvalues(exactHessian(lossFn, params, diagonal));
  return Math.abs(eig[eig.length - 1]!);
}
