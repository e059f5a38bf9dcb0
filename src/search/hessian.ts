/**
 * Curvature of the validation loss w.r.t. the architecture — the quantity SDARTS keeps small.
 * Hessian-vector products are exact (double backward through autograd.grad with createGraph).
 *   - largestHessianEigenvalue: Lanczos with full re-orthogonalisation on v ↦ H v (any α size; the CNN
 *     spaces), largest algebraic eigenvalue, fixed start vector (no random draws);
 *   - exactHessianEigenvalue: the full symmetric H row by row, eigenvalues by Jacobi, reported as
 *     |max eig(H)| with `diagonal` added (1Shot1's definition: ∂/∂α of ∂L/∂α + 1e-3·α).
 */
import { cat, grad, tensor, tidy, type Tensor } from '../tensor/index.js';
import { symmetricEigenvalues } from './symmetric-eigen.js';
import { lanczosLargest, type LanczosOptions, type LanczosResult } from './lanczos.js';

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

/** The reference's analysis adds 1e-3·I: it differentiates ∂L/∂α + 1e-3·α (the α weight decay). */
export const ANALYSIS_DIAGONAL = 1e-3;

export interface HessianEigenResult extends LanczosResult {
  /** The multiple of the identity added to the Hessian (included in `eigenvalue`). */
  diagonal: number;
  /** Number of scalars differentiated (the Hessian is n × n). */
  n: number;
}

/**
 * The largest algebraic eigenvalue of ∇²_params lossFn() + diagonal·I, by Lanczos with full
 * re-orthogonalisation on exact Hessian-vector products (double backward). The first backward (the
 * gradient with its graph) is made once and every product reuses it; the start vector is fixed, so the
 * analysis draws nothing from any random generator.
 */
export function largestHessianEigenvalue(lossFn: () => Tensor, params: Tensor[], o: LanczosOptions & { diagonal?: number } = {}): HessianEigenResult {
  const diagonal = o.diagonal ?? 0;
  const sizes = params.map((p) => p.numel);
  const n = sizes.reduce((a, b) => a + b, 0);
  return tidy(() => {
    const loss = lossFn();
    const g = grad(loss, params, { createGraph: true, allowUnused: true });
    const live = g.map((gi) => gi !== null && gi.requiresGrad);
    const apply = (v: Float64Array): Float64Array =>
      tidy(() => {
        const out = new Float64Array(n);
        if (!live.some(Boolean)) return out; // the loss is (at most) linear in params: H = 0
        let dot: Tensor | null = null,
          off = 0;
        params.forEach((p, i) => {
          if (live[i]) {
            const vi = tensor(v.slice(off, off + sizes[i]!), { shape: p.shape, dtype: p.dtype, device: p.device });
            const term = g[i]!.mul(vi).sum();
            dot = dot === null ? term : dot.add(term);
          }
          off += sizes[i]!;
        });
        const hv = grad(dot!, params, { retainGraph: true, allowUnused: true });
        off = 0;
        hv.forEach((h, i) => {
          if (h) out.set(h.toArray() as number[], off);
          off += sizes[i]!;
        });
        return out;
      });
    const r = lanczosLargest(apply, n, o);
    return { ...r, eigenvalue: r.eigenvalue + diagonal, diagonal, n };
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

/** The search loop's curvature analysis by Lanczos: λ_max of ∇²_α L + ANALYSIS_DIAGONAL·I, with how it was obtained. */
export function lanczosAnalysis(loss: () => Tensor, alphas: Tensor[]) {
  const r = largestHessianEigenvalue(loss, alphas, { diagonal: ANALYSIS_DIAGONAL });
  return {
    method: 'lanczos' as const,
    eigenvalue: r.eigenvalue,
    diagonal: r.diagonal,
    n: r.n,
    iterations: r.iterations,
    residual: r.residual,
    converged: r.converged,
  };
}
