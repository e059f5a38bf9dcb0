/**
 * The end-of-epoch curvature analysis: λ_max is the largest algebraic eigenvalue of ∇²_α L_valid + 1e-3·I
 * (Lanczos with full re-orthogonalisation on exact Hessian-vector products), checked against the full
 * Hessian (double backward row by row, Jacobi) on small spaces; and measuring never changes the search:
 * a run with `--analyze-every 1` ends with bitwise the same α and weights as one without.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { F, getRngState, loadSafetensors, manualSeed, randn, tensor, tidy } from '../../src/index.js';
import { ANALYSIS_DIAGONAL, exactHessian, largestHessianEigenvalue } from '../../src/search/hessian.js';
import { lanczosLargest, lanczosStart } from '../../src/search/lanczos.js';
import { symmetricEigen, symmetricEigenvalues } from '../../src/search/symmetric-eigen.js';
import { SearchNetwork } from '../../src/space/search-network.js';
import { runSearch } from '../../src/run/search-job.js';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-analysis-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A symmetric matrix with the given eigenvalues: Q diag(λ) Qᵀ for an orthogonal Q (Householder). */
function withEigenvalues(lambda: number[]): number[][] {
  const n = lambda.length;
  const u = Array.from({ length: n }, (_, i) => Math.cos(1.3 * i + 0.7));
  const un = Math.sqrt(u.reduce((s, x) => s + x * x, 0));
  const Q = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) - (2 * u[i]! * u[j]!) / (un * un)));
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => lambda.reduce((s, l, k) => s + Q[i]![k]! * l * Q[j]![k]!, 0)));
}
const matVec =
  (A: number[][]) =>
  (v: Float64Array): Float64Array =>
    Float64Array.from(A.map((row) => row.reduce((s, a, j) => s + a * v[j]!, 0)));

describe('Lanczos: largest algebraic eigenvalue', () => {
  it('finds the largest algebraic eigenvalue, not the largest in magnitude (power iteration would return −5)', () => {
    const A = withEigenvalues([-5, -1, 0.5, 2, 3]);
    const r = lanczosLargest(matVec(A), 5, { tol: 1e-12 });
    expect(r.converged).toBe(true);
    expect(Math.abs(r.eigenvalue - 3)).toBeLessThan(1e-12);
    expect(r.iterations).toBeLessThanOrEqual(5);
  });

  it('on a 60×60 spectrum it converges before n steps, with the residual it reports', () => {
    const lambda = Array.from({ length: 60 }, (_, i) => -2 + i * 0.05 + (i === 59 ? 1 : 0)); // a gap at the top
    const A = withEigenvalues(lambda);
    const r = lanczosLargest(matVec(A), 60, { tol: 1e-10 });
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeLessThan(60);
    expect(Math.abs(r.eigenvalue - lambda[59]!)).toBeLessThan(1e-9);
    expect(r.residual).toBeLessThanOrEqual(1e-10 * Math.abs(r.eigenvalue));
  });

  it('symmetricEigen returns orthonormal eigenvectors: A v = λ v', () => {
    const A = withEigenvalues([1, 4, -2, 7]);
    const { values, vectors } = symmetricEigen(A);
    expect(values.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([-2, 1, 4, 7]);
    values.forEach((l, k) => {
      const v = vectors.map((row) => row[k]!);
      const Av = A.map((row) => row.reduce((s, a, j) => s + a * v[j]!, 0));
      Av.forEach((x, i) => expect(Math.abs(x - l * v[i]!)).toBeLessThan(1e-12));
    });
  });

  it('the start vector is fixed and unit-norm', () => {
    const a = lanczosStart(100),
      b = lanczosStart(100);
    expect(a).toEqual(b);
    expect(Math.abs(a.reduce((s, x) => s + x * x, 0) - 1)).toBeLessThan(1e-14);
  });
});

describe('λ_max of a search network equals the full Hessian’s (+1e-3·I, largest algebraic)', () => {
  for (const [space, dtype, bar] of [
    ['s2', 'float64', 1e-6],
    ['s3', 'float64', 1e-6],
    ['s3', 'float32', 1e-4],
  ] as const) {
    it(`${space}, ${dtype}, train mode (the analysis' mode): relative difference ≤ ${bar}`, () => {
      manualSeed(2);
      const net = new SearchNetwork({ space, C: 2, layers: 3, numClasses: 3 }).to(dtype);
      tidy(() => {
        const x = randn([4, 3, 8, 8], { dtype });
        const y = tensor([0, 1, 2, 1], { dtype: 'int64' });
        net.train();
        // Train-mode BN also updates running stats; the loss itself depends only on α (batch statistics).
        const lossFn = () => F.crossEntropy(net.forward(x), y);
        const full = symmetricEigenvalues(exactHessian(lossFn, net.archParameters(), ANALYSIS_DIAGONAL));
        const want = full[full.length - 1]!;
        const rng = getRngState();
        const r = largestHessianEigenvalue(lossFn, net.archParameters(), { diagonal: ANALYSIS_DIAGONAL, maxIterations: 200, tol: 1e-10 });
        expect(getRngState(), 'the analysis draws nothing from the generator').toEqual(rng);
        expect(r.n).toBe(2 * 14 * net.space.normal[0]!.length);
        expect(r.diagonal).toBe(1e-3);
        expect(Math.abs(r.eigenvalue - want) / Math.abs(want), `λ_max ${r.eigenvalue} vs full Hessian ${want}`).toBeLessThanOrEqual(bar);
        // Not the largest magnitude when the most negative eigenvalue is larger in |·|.
        if (Math.abs(full[0]!) > Math.abs(want)) expect(r.eigenvalue).toBeGreaterThan(0);
      });
      net.dispose();
    });
  }
});

describe('measuring must not change the search', () => {
  const finalState = (dir: string): Record<string, number[]> => {
    const { tensors } = loadSafetensors(join(dir, 'checkpoint.safetensors'));
    const out: Record<string, number[]> = {};
    for (const [k, t] of Object.entries(tensors)) if (k.startsWith('arch.') || k.startsWith('model.')) out[k] = t.toArray() as number[];
    Object.values(tensors).forEach((t) => t.dispose());
    return out;
  };
  const run = async (perturb: 'none' | 'random' | 'pgd_linf', analyzeEvery: number): Promise<{ dir: string; eigen: (number | null)[] }> => {
    const dir = join(tmp, `${perturb}-analyze${analyzeEvery}`);
    const eigen: (number | null)[] = [];
    for await (const ev of runSearch({
      dataset: 'fashion-mnist',
      space: 's3',
      perturb,
      epochs: 2,
      layers: 3,
      initChannels: 4,
      batchSize: 32,
      limitTrain: 128,
      seed: 3,
      threads: 1,
      analyzeEvery,
      save: dir,
    })) {
      if (ev.type === 'epoch') {
        eigen.push(ev.eigenvalue);
        if (analyzeEvery) expect(ev.analysis).toMatchObject({ method: 'lanczos', diagonal: 1e-3, batch: { pass: 'validation', mode: 'train' } });
      }
    }
    return { dir, eigen };
  };
  for (const perturb of ['none', 'random', 'pgd_linf'] as const) {
    it(`${perturb}: with and without --analyze-every 1, bitwise the same final α and weights`, async () => {
      const a = await run(perturb, 1);
      const b = await run(perturb, 0);
      expect(a.eigen.every((e) => typeof e === 'number' && Number.isFinite(e))).toBe(true);
      expect(b.eigen).toEqual([null, null]);
      const sa = finalState(a.dir),
        sb = finalState(b.dir);
      expect(Object.keys(sa).sort()).toEqual(Object.keys(sb).sort());
      for (const k of Object.keys(sa)) expect(sa[k], k).toEqual(sb[k]);
    });
  }
});
