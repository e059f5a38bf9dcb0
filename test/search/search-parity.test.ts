/**
 * One SDARTS search step against the PyTorch twin (scripts/fixtures/search_twin.py, written from the
 * spec): S1, S3, S5 × none / random (noise from the fixture) / pgd_linf (random start from the fixture)
 * × first / second order, two steps each (the second exercises the momentum term of the unrolled w′).
 * α after the architect step, the perturbed simplex weights, every loss, and w + BN buffers after the
 * weight steps agree to ≤ 1e-5 relative. Initial w and α are bitwise equal for the same seed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors, manualSeed, tidy, type Tensor } from '../../src/index.js';
import { SGD } from '../../src/optim/index.js';
import { SearchNetwork } from '../../src/space/search-network.js';
import { Architect } from '../../src/search/architect.js';
import { searchStep } from '../../src/search/search-step.js';
import type { PerturbationName } from '../../src/search/perturbation.js';
import { FIXTURES } from '../helpers/fixture.js';
import { maxRelError, tolerance } from '../helpers/tolerance.js';

const DIR = join(FIXTURES, 'search');
const cases = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as string[];
const TOL = tolerance('float32', 'step');

interface Meta {
  space: 's1' | 's3' | 's5'; perturb: PerturbationName; unrolled: boolean; seed: number; C: number; layers: number; classes: number;
  eps: number; pgdSteps: number; lr: number; momentum: number; weightDecay: number; gradClip: number; archLr: number;
  archWeightDecay: number; betas: [number, number];
  steps: { archLoss: number; loss: number; gradNorm: number; lossBefore?: number; lossAfter?: number; accepted?: boolean }[];
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
function close(actual: Tensor, expected: Tensor, label: string): void {
  expect(actual.shape, label).toEqual(expected.shape);
  expect(maxRelError(actual.toArray(), expected.toArray()), label).toBeLessThanOrEqual(TOL);
}

describe('search step parity with the PyTorch twin', () => {
  for (const space of ['s1', 's3', 's5'] as const) {
    it(`${space}: same seed ⇒ bitwise the same initial w, BN buffers and α`, () => {
      manualSeed(0);
      const net = new SearchNetwork({ space, C: 4, layers: 3, numClasses: 10 });
      const { tensors } = loadSafetensors(join(DIR, `init-${space}.safetensors`));
      const sd = net.stateDict();
      expect(Object.keys(tensors).filter((k) => k.startsWith('w.')).map((k) => k.slice(2)).sort()).toEqual(Object.keys(sd).sort());
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
      manualSeed(meta.seed);
      const net = new SearchNetwork({ space: meta.space, C: meta.C, layers: meta.layers, numClasses: meta.classes });
      const wOpt = new SGD(net.parameters(), { lr: meta.lr, momentum: meta.momentum, weightDecay: meta.weightDecay });
      const architect = new Architect(net, { archLearningRate: meta.archLr, archWeightDecay: meta.archWeightDecay, betas: meta.betas });
      meta.steps.forEach((want, s) => {
        tidy(() => {
          const noise = [T[`s${s}.noise.normal`]!, T[`s${s}.noise.reduce`]!];
          let seen: number[][] = [];
          const r = searchStep(net, architect, wOpt,
            { xTrain: T[`s${s}.xTrain`]!, yTrain: T[`s${s}.yTrain`]!, xValid: T[`s${s}.xValid`]!, yValid: T[`s${s}.yValid`]! },
            { perturbation: meta.perturb, epsilon: meta.eps, pgdSteps: meta.pgdSteps, pgdRandomStart: true, gradClip: meta.gradClip, unrolled: meta.unrolled, updateArch: true },
            { noise: meta.perturb === 'random' ? noise : undefined, pgdStart: meta.perturb === 'pgd_linf' ? noise : undefined, inspect: (w) => { seen = w.map((t) => t.toArray()); } });
          expect(rel(r.archLoss!, want.archLoss), `step ${s} arch loss`).toBeLessThanOrEqual(TOL);
          expect(rel(r.loss, want.loss), `step ${s} loss`).toBeLessThanOrEqual(TOL);
          expect(rel(r.gradNorm, want.gradNorm), `step ${s} grad norm`).toBeLessThanOrEqual(TOL);
          if (meta.perturb === 'pgd_linf') {
            expect(rel(r.perturb.lossBefore!, want.lossBefore!), `step ${s} PGD loss before`).toBeLessThanOrEqual(TOL);
            expect(rel(r.perturb.lossAfter!, want.lossAfter!), `step ${s} PGD loss after`).toBeLessThanOrEqual(TOL);
            expect(r.perturb.accepted).toBe(want.accepted);
          }
          close(net.alphas.normal, T[`s${s}.alphaAfterArch.normal`]!, `step ${s} α normal after the architect step`);
          close(net.alphas.reduce, T[`s${s}.alphaAfterArch.reduce`]!, `step ${s} α reduce after the architect step`);
          expect(maxRelError(seen[0]!, T[`s${s}.archWeights.normal`]!.toArray()), `step ${s} perturbed weights (normal)`).toBeLessThanOrEqual(TOL);
          expect(maxRelError(seen[1]!, T[`s${s}.archWeights.reduce`]!.toArray()), `step ${s} perturbed weights (reduce)`).toBeLessThanOrEqual(TOL);
        });
      });
      for (const [k, t] of Object.entries(net.stateDict())) close(t, T[`after.${k}`]!, `w after the weight steps: ${k}`);
      Object.values(T).forEach((t) => t.dispose());
      net.dispose();
      architect.optimizer.dispose?.();
    });
  }
});
