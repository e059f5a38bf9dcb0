/**
 * SDARTS search steps against the PyTorch twin (scripts/fixtures/search_twin.py, written from the
 * spec): S1, S3, S5 × none / random (noise from the fixture) / pgd_linf (random start from the fixture)
 * × first / second order.
 * - float64 cases (`-f64`): two steps each (the second exercises the momentum term of the unrolled w′);
 *   α after the architect step, the perturbed simplex weights, every loss, and w + BN buffers after the
 *   weight steps agree per tensor to ALGORITHM_RTOL (1e-10) relative — machine-independent.
 * - float32 cases: one step, compared as torch.testing.assert_close ('step' tolerance).
 * Every case starts from the twin's initial state (init-<space>.safetensors), so no case depends on
 * the CPU's random-number kernels. Separately, the same seed gives bitwise the same initial w and α as
 * PyTorch on this machine: the twin draws them at test time (search_twin.py --write-init), because the
 * normal-distribution kernel itself differs between CPUs (vectorised vs scalar Box–Muller).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors, manualSeed, noGrad, tidy, type Tensor } from '../../src/index.js';
import { SGD } from '../../src/optim/index.js';
import { SearchNetwork } from '../../src/space/search-network.js';
import { Architect } from '../../src/search/architect.js';
import { searchStep } from '../../src/search/search-step.js';
import type { PerturbationName } from '../../src/search/perturbation.js';
import { FIXTURES, type TwinStep } from '../helpers/fixture.js';
import { runPython } from '../helpers/python.js';
import { expectClose, expectParity } from '../helpers/tolerance.js';

const DIR = join(FIXTURES, 'search');
const cases = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as string[];

interface Meta {
  space: 's1' | 's3' | 's5';
  perturb: PerturbationName;
  unrolled: boolean;
  dtype: 'float32' | 'float64';
  seed: number;
  C: number;
  layers: number;
  classes: number;
  eps: number;
  pgdSteps: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  gradClip: number;
  archLr: number;
  archWeightDecay: number;
  betas: [number, number];
  steps: TwinStep[];
}

/** float64: algorithmic parity per tensor; float32: assert_close with the 'step' tolerance. */
function compare(dtype: Meta['dtype'], actual: Tensor | number[] | number, expected: Tensor | number[] | number, label: string): void {
  if (typeof actual === 'object' && !Array.isArray(actual) && typeof expected === 'object' && !Array.isArray(expected)) {
    expect(actual.shape, label).toEqual(expected.shape);
  }
  if (dtype === 'float64') expectParity(actual, expected, label);
  else expectClose(actual, expected, 'float32', 'step', label);
}

/** The twin's initial state (seed 0) loaded into a fresh network. */
function initialNetwork(space: Meta['space'], C: number, layers: number, classes: number): SearchNetwork {
  const net = new SearchNetwork({ space, C, layers, numClasses: classes });
  const { tensors } = loadSafetensors(join(DIR, `init-${space}.safetensors`));
  net.loadStateDict(
    Object.fromEntries(
      Object.entries(tensors)
        .filter(([k]) => k.startsWith('w.'))
        .map(([k, t]) => [k.slice(2), t]),
    ),
  );
  noGrad(() => {
    net.alphas.normal.copy_(tensors['alpha.normal']!);
    net.alphas.reduce.copy_(tensors['alpha.reduce']!);
  });
  Object.values(tensors).forEach((t) => t.dispose());
  return net;
}

describe('search step parity with the PyTorch twin', () => {
  let liveInit = '';
  beforeAll(() => {
    liveInit = mkdtempSync(join(tmpdir(), 'sdarts-init-'));
    runPython('scripts/fixtures/search_twin.py', ['--write-init', liveInit]);
  });
  afterAll(() => rmSync(liveInit, { recursive: true, force: true }));

  for (const space of ['s1', 's3', 's5'] as const) {
    it(`${space}: same seed ⇒ bitwise the same initial w, BN buffers and α as PyTorch on this machine`, () => {
      manualSeed(0);
      const net = new SearchNetwork({ space, C: 4, layers: 3, numClasses: 10 });
      const { tensors } = loadSafetensors(join(liveInit, `init-${space}.safetensors`));
      const sd = net.stateDict();
      expect(
        Object.keys(tensors)
          .filter((k) => k.startsWith('w.'))
          .map((k) => k.slice(2))
          .sort(),
      ).toEqual(Object.keys(sd).sort());
      for (const [k, t] of Object.entries(sd)) expect(t.toArray(), k).toEqual(tensors[`w.${k}`]!.toArray());
      expect(net.alphas.normal.toArray()).toEqual(tensors['alpha.normal']!.toArray());
      expect(net.alphas.reduce.toArray()).toEqual(tensors['alpha.reduce']!.toArray());
      Object.values(tensors).forEach((t) => t.dispose());
      net.dispose();
    });
  }

  for (const name of cases) {
    it(name, () => {
      const meta = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Meta;
      const { tensors: T } = loadSafetensors(join(DIR, `${name}.safetensors`));
      expect(meta.seed, 'cases start from the seed-0 initial state').toBe(0);
      const net = initialNetwork(meta.space, meta.C, meta.layers, meta.classes).to(meta.dtype);
      const cmp = (a: Tensor | number[] | number, b: Tensor | number[] | number, label: string): void => compare(meta.dtype, a, b, label);
      const wOpt = new SGD(net.parameters(), { lr: meta.lr, momentum: meta.momentum, weightDecay: meta.weightDecay });
      const architect = new Architect(net, { archLearningRate: meta.archLr, archWeightDecay: meta.archWeightDecay, betas: meta.betas });
      meta.steps.forEach((want, s) => {
        tidy(() => {
          const noise = [T[`s${s}.noise.normal`]!, T[`s${s}.noise.reduce`]!];
          let seen: number[][] = [];
          const r = searchStep(
            net,
            architect,
            wOpt,
            { xTrain: T[`s${s}.xTrain`]!, yTrain: T[`s${s}.yTrain`]!, xValid: T[`s${s}.xValid`]!, yValid: T[`s${s}.yValid`]! },
            {
              perturbation: meta.perturb,
              epsilon: meta.eps,
              pgdSteps: meta.pgdSteps,
              pgdRandomStart: true,
              gradClip: meta.gradClip,
              unrolled: meta.unrolled,
              updateArch: true,
            },
            {
              noise: meta.perturb === 'random' ? noise : undefined,
              pgdStart: meta.perturb === 'pgd_linf' ? noise : undefined,
              inspect: (w) => {
                seen = w.map((t) => t.toArray());
              },
            },
          );
          cmp(r.archLoss!, want.archLoss, `step ${s} arch loss`);
          cmp(r.loss, want.loss, `step ${s} loss`);
          cmp(r.gradNorm, want.gradNorm, `step ${s} grad norm`);
          if (meta.perturb === 'pgd_linf') {
            cmp(r.perturb.lossBefore!, want.lossBefore!, `step ${s} PGD loss before`);
            cmp(r.perturb.lossAfter!, want.lossAfter!, `step ${s} PGD loss after`);
            expect(r.perturb.accepted).toBe(want.accepted);
          }
          cmp(net.alphas.normal, T[`s${s}.alphaAfterArch.normal`]!, `step ${s} α normal after the architect step`);
          cmp(net.alphas.reduce, T[`s${s}.alphaAfterArch.reduce`]!, `step ${s} α reduce after the architect step`);
          cmp(seen[0]!, T[`s${s}.archWeights.normal`]!.toArray(), `step ${s} perturbed weights (normal)`);
          cmp(seen[1]!, T[`s${s}.archWeights.reduce`]!.toArray(), `step ${s} perturbed weights (reduce)`);
        });
      });
      for (const [k, t] of Object.entries(net.stateDict())) cmp(t, T[`after.${k}`]!, `w after the weight steps: ${k}`);
      Object.values(T).forEach((t) => t.dispose());
      net.dispose();
      architect.optimizer.dispose?.();
    });
  }
});
