/**
 * The NAS-Bench-1Shot1 one-shot model against its PyTorch twin (scripts/fixtures/oneshot_twin.py,
 * written from the spec): spaces 1, 2, 3 × none / random (noise from the fixture) / pgd_linf (random
 * start from the fixture) first order, pgd_linf second order, and one PGD case whose attack is rejected;
 * two search steps each with the project's unchanged searchStep + Architect + SGD. α after the architect
 * step, the perturbed simplex weights, every loss, and w + BN buffers after the weight steps agree to
 * ≤ 1e-5 relative; same seed ⇒ bitwise the same initial state dict and α. The Hessian eigenvalue
 * (§4.3) agrees with the twin's (full double-backward Hessian, numpy eigvals) to ≤ 1e-4 relative.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, loadSafetensors, manualSeed, tidy, type Tensor } from '../../src/index.js';
import { SGD } from '../../src/optim/index.js';
import { OneShotNetwork } from '../../src/space/oneshot/oneshot-network.js';
import type { OneShotSpaceId } from '../../src/space/oneshot/oneshot-spaces.js';
import { Architect } from '../../src/search/architect.js';
import { searchStep } from '../../src/search/search-step.js';
import { exactHessian } from '../../src/search/hessian.js';
import { oneShotEigenvalue } from '../../src/search/oneshot-eigenvalue.js';
import type { PerturbationName } from '../../src/search/perturbation.js';
import { FIXTURES } from '../helpers/fixture.js';
import { maxRelError, tolerance } from '../helpers/tolerance.js';

const DIR = join(FIXTURES, 'oneshot');
const cases = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as string[];
const stateKeys = (JSON.parse(readFileSync(join(DIR, 'state-keys.json'), 'utf8')) as { keys: Record<string, string[]> }).keys;
const TOL = tolerance('float32', 'step');
const SPACES: OneShotSpaceId[] = [1, 2, 3];

interface Meta {
  space: OneShotSpaceId; perturb: PerturbationName; unrolled: boolean; seed: number; C: number; layers: number; classes: number;
  eps: number; pgdSteps: number; lr: number; momentum: number; weightDecay: number; gradClip: number; archLr: number;
  archWeightDecay: number; betas: [number, number]; numArch: number;
  steps: { archLoss: number; loss: number; gradNorm: number; lossBefore?: number; lossAfter?: number; accepted?: boolean }[];
}
interface HessianMeta { space: OneShotSpaceId; seed: number; C: number; layers: number; classes: number; diagonal: number; loss: number; eigenvalue: number; n: number }

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
function close(actual: Tensor | number[], expected: Tensor, label: string, tol = TOL): void {
  const a = Array.isArray(actual) ? actual : actual.toArray();
  if (!Array.isArray(actual)) expect(actual.shape, label).toEqual(expected.shape);
  expect(maxRelError(a, expected.toArray()), label).toBeLessThanOrEqual(tol);
}

describe('one-shot (NAS-Bench-1Shot1) search step parity with the PyTorch twin', () => {
  for (const space of SPACES) {
    it(`space ${space}: same seed ⇒ bitwise the same initial w, BN buffers (same keys, same order) and α`, () => {
      manualSeed(0);
      const net = new OneShotNetwork({ space, C: 2, layers: 9, numClasses: 10 });
      const { tensors } = loadSafetensors(join(DIR, `init-ss${space}.safetensors`));
      const sd = net.stateDict();
      expect(Object.keys(sd)).toEqual(stateKeys[String(space)]);
      for (const [k, t] of Object.entries(sd)) expect(t.toArray(), k).toEqual(tensors[`w.${k}`]!.toArray());
      const alphas = net.archParameters();
      expect(Object.keys(tensors).filter((k) => k.startsWith('alpha.'))).toHaveLength(alphas.length);
      alphas.forEach((a, i) => expect(a.toArray(), `alpha ${i}`).toEqual(tensors[`alpha.${i}`]!.toArray()));
      Object.values(tensors).forEach((t) => t.dispose());
      net.dispose();
    });
  }

  for (const name of cases) {
    it(name, () => {
      const meta = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Meta;
      const { tensors: T } = loadSafetensors(join(DIR, `${name}.safetensors`));
      const { tensors: I } = loadSafetensors(join(DIR, `inputs-ss${meta.space}.safetensors`));
      manualSeed(meta.seed);
      const net = new OneShotNetwork({ space: meta.space, C: meta.C, layers: meta.layers, numClasses: meta.classes });
      expect(net.archParameters()).toHaveLength(meta.numArch);
      const wOpt = new SGD(net.parameters(), { lr: meta.lr, momentum: meta.momentum, weightDecay: meta.weightDecay });
      const architect = new Architect(net, { archLearningRate: meta.archLr, archWeightDecay: meta.archWeightDecay, betas: meta.betas });
      meta.steps.forEach((want, s) => {
        tidy(() => {
          // The twin's noise is its unit draws × ε in float32: the same product here.
          const noise = Array.from({ length: meta.numArch }, (_, i) => I[`s${s}.unitNoise.${i}`]!.mul(meta.eps));
          let seen: number[][] = [];
          const r = searchStep(net, architect, wOpt,
            { xTrain: I[`s${s}.xTrain`]!, yTrain: I[`s${s}.yTrain`]!, xValid: I[`s${s}.xValid`]!, yValid: I[`s${s}.yValid`]! },
            { perturbation: meta.perturb, epsilon: meta.eps, pgdSteps: meta.pgdSteps, pgdRandomStart: true, gradClip: meta.gradClip, unrolled: meta.unrolled, updateArch: true },
            { noise: meta.perturb === 'random' ? noise : undefined, pgdStart: meta.perturb === 'pgd_linf' ? noise : undefined, inspect: (w) => { seen = w.map((t) => t.toArray()); } });
          expect(rel(r.archLoss!, want.archLoss), `step ${s} arch loss`).toBeLessThanOrEqual(TOL);
          expect(rel(r.loss, want.loss), `step ${s} loss`).toBeLessThanOrEqual(TOL);
          expect(rel(r.gradNorm, want.gradNorm), `step ${s} grad norm`).toBeLessThanOrEqual(TOL);
          if (meta.perturb === 'pgd_linf') {
            expect(rel(r.perturb.lossBefore!, want.lossBefore!), `step ${s} PGD loss before`).toBeLessThanOrEqual(TOL);
            expect(rel(r.perturb.lossAfter!, want.lossAfter!), `step ${s} PGD loss after`).toBeLessThanOrEqual(TOL);
            expect(r.perturb.accepted, `step ${s} PGD accepted`).toBe(want.accepted);
          }
          net.archParameters().forEach((a, i) => close(a, T[`s${s}.alphaAfterArch.${i}`]!, `step ${s} α[${i}] after the architect step`));
          expect(seen).toHaveLength(meta.numArch);
          seen.forEach((w, i) => close(w, T[`s${s}.archWeights.${i}`]!, `step ${s} (perturbed) simplex weights [${i}]`));
        });
      });
      // `after` is the twin's state dict flattened in its key order (checked equal to ours above).
      const after = T['after']!.toArray();
      let offset = 0;
      for (const [k, t] of Object.entries(net.stateDict())) {
        const want = after.slice(offset, offset + t.numel);
        offset += t.numel;
        expect(maxRelError(t.toArray().map(Number), want), `w after the weight steps: ${k}`).toBeLessThanOrEqual(TOL);
      }
      expect(offset).toBe(after.length);
      Object.values(T).forEach((t) => t.dispose());
      Object.values(I).forEach((t) => t.dispose());
      net.dispose();
    });
  }

  for (const space of SPACES) {
    it(`space ${space}: Hessian eigenvalue of L_val w.r.t. α (train mode, +1e-3 diagonal) equals the twin's`, () => {
      const meta = JSON.parse(readFileSync(join(DIR, `hessian-ss${space}.json`), 'utf8')) as HessianMeta;
      const { tensors: T } = loadSafetensors(join(DIR, `hessian-ss${space}.safetensors`));
      manualSeed(meta.seed);
      const net = new OneShotNetwork({ space, C: meta.C, layers: meta.layers, numClasses: meta.classes });
      net.eval(); // the analysis switches to train mode itself and restores the caller's mode
      const ev = oneShotEigenvalue(net, T['x']!, T['y']!, meta.diagonal);
      expect(net.training).toBe(false);
      expect(rel(ev, meta.eigenvalue), `|max eig| ${ev} vs ${meta.eigenvalue}`).toBeLessThanOrEqual(1e-4);
      // Its one train-mode forward moved the BN running statistics exactly as the twin's did.
      for (const [k, b] of net.namedBuffers()) {
        expect(maxRelError(b.toArray().map(Number), T[`after.${k}`]!.toArray().map(Number)), `buffer ${k}`).toBeLessThanOrEqual(TOL);
      }
      // The matrix itself, entry by entry, for the smallest space (the analysis above changed BN buffers
      // only, which a train-mode forward does not read; one more Hessian costs seconds, hence space 1 only).
      if (space === 1) {
        const H = exactHessian(() => F.crossEntropy(net.train().forward(T['x']!), T['y']!), net.archParameters(), meta.diagonal);
        expect(H).toHaveLength(meta.n);
        close(H.flat(), T['hessian']!, 'Hessian entries', 1e-4);
      }
      Object.values(T).forEach((t) => t.dispose());
      net.dispose();
    });
  }
});
