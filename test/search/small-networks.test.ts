/**
 * Networks with fewer than 3 cells have only reduction cells, so α-normal takes no part in any loss.
 * As in the reference (backward() leaves its .grad None; torch.optim.Adam skips it), every place that
 * differentiates w.r.t. α must accept that: the α-normal gets no update at all (not even the Adam
 * weight decay), α-reduce is searched as usual, PGD and the curvature analysis run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manualSeed, randint, randn } from '../../src/index.js';
import { SGD } from '../../src/optim/index.js';
import { SearchNetwork } from '../../src/space/search-network.js';
import { Architect } from '../../src/search/architect.js';
import { searchStep } from '../../src/search/search-step.js';
import { pgdLinf_ } from '../../src/search/pgd-linf.js';
import { largestHessianEigenvalue, exactHessian } from '../../src/search/hessian.js';
import type { PerturbationName } from '../../src/search/perturbation.js';
import { F } from '../../src/tensor/index.js';
import { runSearch } from '../../src/run/search-job.js';

const PERTURBATIONS: PerturbationName[] = ['none', 'random', 'pgd_linf'];
const tmp = mkdtempSync(join(tmpdir(), 'sdarts-small-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each([1, 2])('search network with %i layer(s): only reduction cells', (layers) => {
  const setup = () => {
    manualSeed(5);
    const net = new SearchNetwork({ space: 's3', C: 2, layers, numClasses: 4 });
    const wOpt = new SGD(net.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 3e-4 });
    const arch = new Architect(net, { archLearningRate: 0.01 });
    const batch = { xTrain: randn([4, 3, 8, 8]), yTrain: randint(0, 4, [4]), xValid: randn([4, 3, 8, 8]), yValid: randint(0, 4, [4]) };
    const dispose = (): void => {
      net.dispose();
      wOpt.dispose();
      arch.optimizer.dispose();
      Object.values(batch).forEach((t) => t.dispose());
    };
    return { net, wOpt, arch, batch, dispose };
  };

  for (const unrolled of [false, true]) {
    for (const perturbation of PERTURBATIONS) {
      it(`${unrolled ? 'second' : 'first'} order, perturb ${perturbation}: α-normal untouched, α-reduce and w move`, () => {
        const { net, wOpt, arch, batch, dispose } = setup();
        const normal0 = net.alphas.normal.toArray();
        const reduce0 = net.alphas.reduce.toArray();
        const w0 = net.parameters()[0]!.toArray();
        for (let i = 0; i < 3; i++) {
          const r = searchStep(net, arch, wOpt, batch, {
            perturbation,
            epsilon: 0.1,
            pgdSteps: 2,
            pgdRandomStart: true,
            gradClip: 5,
            unrolled,
            updateArch: true,
          });
          expect(Number.isFinite(r.loss)).toBe(true);
          expect(Number.isFinite(r.archLoss!)).toBe(true);
        }
        expect(net.alphas.normal.toArray()).toEqual(normal0); // no gradient ⇒ no Adam step, no decay
        expect(net.alphas.reduce.toArray()).not.toEqual(reduce0);
        expect(net.parameters()[0]!.toArray()).not.toEqual(w0);
        expect(net.alphas.normal.grad).toBeNull();
        // PyTorch's Adam keeps no state for a parameter it skipped.
        expect(Object.keys(arch.optimizer.stateDict().state)).toEqual(['1']);
        dispose();
      });
    }
  }

  it('PGD perturbs only the reduction weights along the gradient; the normal ones stay on the simplex', () => {
    const { net, batch, dispose } = setup();
    const w = net.softmaxWeights().map((t) => t.detach().requiresGrad_(true));
    const normal0 = w[0]!.toArray() as number[];
    const r = pgdLinf_(net, w, (ws) => F.crossEntropy(net.forward(batch.xTrain, ws), batch.yTrain), 0.1, { steps: 3, randomStart: false });
    expect(Number.isFinite(r.lossAfter)).toBe(true);
    // No gradient, no random start: only the simplex clip's renormalisation (rounding) touches them.
    (w[0]!.toArray() as number[]).forEach((x, i) => expect(Math.abs(x - normal0[i]!)).toBeLessThan(1e-6));
    w.forEach((t) => t.dispose());
    dispose();
  });

  it('the curvature analysis: α-normal rows and columns of the Hessian are zero; Lanczos runs', () => {
    const { net, batch, dispose } = setup();
    const lossFn = () => F.crossEntropy(net.forward(batch.xValid), batch.yValid);
    const r = largestHessianEigenvalue(lossFn, net.archParameters(), { diagonal: 1e-3 });
    expect(Number.isFinite(r.eigenvalue)).toBe(true);
    expect(r.eigenvalue).toBeGreaterThanOrEqual(1e-3 - 1e-9);
    const H = exactHessian(lossFn, net.archParameters());
    const nNormal = net.alphas.normal.numel;
    for (let i = 0; i < nNormal; i++) expect(H[i]!.every((x) => x === 0)).toBe(true);
    expect(H.slice(nNormal).some((row) => row.some((x) => x !== 0))).toBe(true);
    dispose();
  });
});

describe('runSearch with layers 1 and 2 (all perturbations, both orders, analysis every epoch)', () => {
  for (const layers of [1, 2]) {
    for (const unrolled of [false, true]) {
      for (const perturb of PERTURBATIONS) {
        it(`layers ${layers}, ${unrolled ? 'second' : 'first'} order, ${perturb}`, async () => {
          const epochs: { eigenvalue: number | null; alphas: number[][][] }[] = [];
          let end = '';
          for await (const ev of runSearch({
            dataset: 'fashion-mnist',
            space: 's3',
            perturb,
            unrolled,
            epochs: 2,
            layers,
            initChannels: 4,
            batchSize: 16,
            limitTrain: 32,
            seed: 2,
            threads: 1,
            analyzeEvery: 1,
            pgdSteps: 2,
            save: join(tmp, `l${layers}-${unrolled ? 2 : 1}-${perturb}`),
          })) {
            if (ev.type === 'epoch') epochs.push({ eigenvalue: ev.eigenvalue, alphas: ev.alphas });
            if (ev.type === 'end') end = ev.reason;
          }
          expect(end).toBe('completed');
          expect(epochs).toHaveLength(2);
          for (const e of epochs) expect(Number.isFinite(e.eigenvalue)).toBe(true);
          expect(epochs[1]!.alphas[0]).toEqual(epochs[0]!.alphas[0]); // α-normal never updated
          expect(epochs[1]!.alphas[1]).not.toEqual(epochs[0]!.alphas[1]);
        }, 60_000);
      }
    }
  }
});
