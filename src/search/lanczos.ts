/**
 * The largest algebraic eigenvalue of a symmetric operator by the Lanczos method with full
 * re-orthogonalisation (every new Lanczos vector is orthogonalised twice against all previous ones, so
 * the Ritz values stay exact in floating point instead of producing ghost copies).
 *
 * The operator is given as a function on flat Float64 vectors; the start vector is fixed (a
 * deterministic hash of the index, not a draw from any random generator), so a Lanczos run never
 * changes the state of a random-number generator and two runs on the same operator agree bitwise.
 *
 * Convergence: after step j the Ritz pair (θ, y = Q s) of the tridiagonal T_j has residual
 * ‖A y − θ y‖ = β_j · |s_j| exactly (in exact arithmetic); the run stops when that residual is
 * ≤ tol · max(|θ|, 1e-12), or when β_j vanishes (an invariant subspace: θ is then exact), or after
 * `maxIterations` (or n) steps.
 */
import { symmetricEigen } from './symmetric-eigen.js';

export interface LanczosResult {
  /** Largest algebraic Ritz value of the operator. */
  eigenvalue: number;
  /** Operator applications made (Lanczos steps). */
  iterations: number;
  /** Residual norm ‖A y − θ y‖ of the returned Ritz pair (‖y‖ = 1). */
  residual: number;
  converged: boolean;
}

export interface LanczosOptions {
  maxIterations?: number;
  tol?: number;
}

/** A fixed unit start vector of length n: splitmix32 of the index mapped to [-1, 1), normalised. */
export function lanczosStart(n: number): Float64Array {
  const v = new Float64Array(n);
  let norm = 0;
  for (let i = 0; i < n; i++) {
    let z = Math.imul(i + 1, 0x9e3779b9);
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    v[i] = (z >>> 0) / 2 ** 31 - 1;
    norm += v[i]! * v[i]!;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < n; i++) v[i]! /= norm;
  return v;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Largest algebraic eigenvalue of the symmetric operator `apply` on R^n. */
export function lanczosLargest(apply: (v: Float64Array) => Float64Array, n: number, o: LanczosOptions = {}): LanczosResult {
  const maxIt = Math.min(n, o.maxIterations ?? 50);
  const tol = o.tol ?? 1e-6;
  const Q: Float64Array[] = [lanczosStart(n)];
  const alpha: number[] = [],
    beta: number[] = [];
  let best: LanczosResult = { eigenvalue: NaN, iterations: 0, residual: Infinity, converged: false };
  for (let j = 0; j < maxIt; j++) {
    const q = Q[j]!;
    const w = apply(q);
    if (w.length !== n) throw new Error(`lanczosLargest(): the operator returned ${w.length} values for a vector of ${n}`);
    const a = dot(q, w);
    alpha.push(a);
    for (let i = 0; i < n; i++) w[i]! -= a * q[i]! + (j > 0 ? beta[j - 1]! * Q[j - 1]![i]! : 0);
    for (let pass = 0; pass < 2; pass++) {
      for (const qk of Q) {
        const c = dot(qk, w);
        for (let i = 0; i < n; i++) w[i]! -= c * qk[i]!;
      }
    }
    const b = Math.sqrt(dot(w, w));
    // Ritz values of T_{j+1} (tridiagonal alpha / beta) with the last components of their vectors.
    const m = j + 1;
    const T = Array.from({ length: m }, (_, r) =>
      Array.from({ length: m }, (_, c) => (r === c ? alpha[r]! : Math.abs(r - c) === 1 ? beta[Math.min(r, c)]! : 0)),
    );
    const { values, vectors } = symmetricEigen(T);
    const top = values.length - 1;
    const theta = values[top]!;
    const residual = b * Math.abs(vectors[m - 1]![top]!);
    best = { eigenvalue: theta, iterations: m, residual, converged: false };
    const invariant = b <= 1e-14 * Math.max(1, Math.abs(theta));
    if (invariant || residual <= tol * Math.max(Math.abs(theta), 1e-12) || m === n) {
      best.converged = true;
      break;
    }
    beta.push(b);
    Q.push(w.map((x) => x / b));
  }
  return best;
}
