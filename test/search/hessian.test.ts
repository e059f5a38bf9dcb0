/** Hessian analysis: exact HVPs, Lanczos λ_max and the full-Hessian eigenvalue, checked by formulas. */
import { describe, expect, it } from 'vitest';
import { F, manualSeed, noGrad, randn, tensor, tidy } from '../../src/index.js';
import { exactHessian, exactHessianEigenvalue, hessianVectorProduct, largestHessianEigenvalue } from '../../src/search/hessian.js';
import { symmetricEigenvalues } from '../../src/search/symmetric-eigen.js';
import { SearchNetwork } from '../../src/space/search-network.js';

describe('Hessian analysis', () => {
  it('symmetricEigenvalues matches the closed form of a 2×2 and a diagonal matrix', () => {
    // [[2,1],[1,2]] has eigenvalues 1 and 3.
    const e = symmetricEigenvalues([
      [2, 1],
      [1, 2],
    ]);
    expect(e[0]).toBeCloseTo(1, 12);
    expect(e[1]).toBeCloseTo(3, 12);
    expect(
      symmetricEigenvalues([
        [5, 0, 0],
        [0, -2, 0],
        [0, 0, 1],
      ]),
    ).toEqual([-2, 1, 5]);
  });

  it('for L = ½ xᵀAx the HVP is A v, the exact Hessian is A, and Lanczos finds λ_max(A) (+ the diagonal)', () => {
    tidy(() => {
      // A = [[4,1,0],[1,3,1],[0,1,2]]: eigenvalues 3 ± √3 and 3 (λ_max = 3 + √3).
      const A = tensor(
        [
          [4, 1, 0],
          [1, 3, 1],
          [0, 1, 2],
        ],
        { dtype: 'float64' },
      );
      const x = tensor([0.3, -0.2, 0.5], { dtype: 'float64', requiresGrad: true });
      const lossFn = () => x.unsqueeze(0).matmul(A).matmul(x.unsqueeze(1)).sum().mul(0.5);
      const hv = hessianVectorProduct(lossFn, [x], [tensor([1, 0, 2], { dtype: 'float64' })]);
      expect(hv[0]!.toArray()).toEqual([4, 3, 4]); // A·[1,0,2]
      expect(exactHessian(lossFn, [x])).toEqual([
        [4, 1, 0],
        [1, 3, 1],
        [0, 1, 2],
      ]);
      const r = largestHessianEigenvalue(lossFn, [x], { tol: 1e-12 });
      expect(r.converged).toBe(true);
      expect(r.eigenvalue).toBeCloseTo(3 + Math.sqrt(3), 12);
      expect(largestHessianEigenvalue(lossFn, [x], { diagonal: 1e-3 }).eigenvalue).toBeCloseTo(3 + Math.sqrt(3) + 1e-3, 12);
      expect(exactHessianEigenvalue(lossFn, [x], 1e-3)).toBeCloseTo(3 + Math.sqrt(3) + 1e-3, 10);
    });
  });

  it('on a search network (eval mode), Lanczos agrees with the largest algebraic eigenvalue of the exact Hessian of L_val(α)', () => {
    manualSeed(2);
    const net = new SearchNetwork({ space: 's2', C: 2, layers: 3, numClasses: 3 });
    tidy(() => {
      const x = randn([4, 3, 8, 8]); // FactorizedReduce needs even sizes: 8 → 4 → 2
      const y = tensor([0, 1, 2, 1], { dtype: 'int64' });
      const lossFn = () => F.crossEntropy(net.forward(x), y);
      net.eval(); // fixed BN statistics: the loss is a deterministic function of α
      const eig = symmetricEigenvalues(exactHessian(lossFn, net.archParameters()));
      const largest = eig[eig.length - 1]!;
      const p = largestHessianEigenvalue(lossFn, net.archParameters(), { maxIterations: 300, tol: 1e-7 });
      expect(p.converged).toBe(true);
      expect(Math.abs(p.eigenvalue - largest) / Math.abs(largest)).toBeLessThan(1e-5);
      noGrad(() => undefined);
    });
    net.dispose();
  });
});
