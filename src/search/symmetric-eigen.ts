/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations: for exact Hessians of
 * ≤ a few hundred α, and for the tridiagonal matrices of the Lanczos method.
 */

/** Eigenvalues ascending, and the eigenvectors as the columns of `vectors` (vectors[row][k] ↔ values[k]). */
export function symmetricEigen(a: number[][], maxSweeps = 100): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((row) => row.slice());
  const V: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0,
      diag = 0;
    for (let p = 0; p < n; p++) {
      diag += m[p]![p]! ** 2;
      for (let q = p + 1; q < n; q++) off += m[p]![q]! ** 2;
    }
    if (off < 1e-30 || off <= 1e-32 * diag) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p]![q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]![p]!,
            mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]![k]!,
            mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k]![p]!,
            vkq = V[k]![q]!;
          V[k]![p] = c * vkp - s * vkq;
          V[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => m[x]![x]! - m[y]![y]!);
  return { values: order.map((i) => m[i]![i]!), vectors: V.map((row) => order.map((i) => row[i]!)) };
}

/** Eigenvalues of a small symmetric matrix, ascending. */
export function symmetricEigenvalues(a: number[][], maxSweeps = 100): number[] {
  return symmetricEigen(a, maxSweeps).values;
}
