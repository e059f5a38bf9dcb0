/**
 * The recurrent search step (src/search/rnn-search-step.ts) against its PyTorch twin (scripts/fixtures/rnn_twin.py,
 * written from docs/reference-notes.md R3.5–R3.6 and R1; format in test/fixtures/rnn/README.md), float64: for
 * perturb ∈ none / random (the twin's noise) / pgd_linf (the twin's random start) × first order / unrolled, two
 * consecutive steps from the same seeded weights, with the twin's dropout masks replayed in the order of its
 * training-mode forwards. Compared at expectParity: the architect's loss and α after its Adam step (and Adam's
 * moments), the perturbed simplex weights, PGD's losses and verdict, the weight step's NLL and gradient norm, the
 * carried hidden states, and after each step every parameter and the BN running statistics.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keep, loadSafetensors, memory, noGrad, type NamedTensors, type Tensor } from '../../src/index.js';
import { SGD } from '../../src/optim/index.js';
import { Architect } from '../../src/search/architect.js';
import { rnnSearchStep, type RnnHidden } from '../../src/search/rnn-search-step.js';
import type { PerturbationName } from '../../src/search/perturbation.js';
import { RnnSearchModel, type RnnMasks } from '../../src/space/rnn/index.js';
import { FIXTURES } from '../helpers/fixture.js';
import { expectParity } from '../helpers/tolerance.js';

const DIR = join(FIXTURES, 'rnn');

interface StepMeta {
  seqLen: number;
  lr: number;
  numMasks: number;
  archLoss: number;
  nll: number;
  gradNorm: number;
  adamStep: number;
  lossBefore?: number;
  lossAfter?: number;
  accepted?: boolean;
}

interface Meta {
  perturb: PerturbationName;
  unrolled: boolean;
  tiedEmbeddingQuirk?: boolean;
  seed: number;
  ntoken: number;
  n: number;
  B: number;
  dropout: number;
  dropouth: number;
  dropoutx: number;
  dropouti: number;
  dropoute: number;
  lr: number;
  bptt: number;
  clip: number;
  wdecay: number;
  beta: number;
  alpha: number;
  archLr: number;
  archWeightDecay: number;
  betas: [number, number];
  eps: number;
  pgdSteps: number;
  steps: StepMeta[];
}

const CASES = (['none', 'random', 'pgd_linf'] as const).flatMap((p) => [`step-${p}-1st`, `step-${p}-2nd`]);

function prefixed(T: NamedTensors, prefix: string): NamedTensors {
  return Object.fromEntries(
    Object.entries(T)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );
}

const cmp = (a: Tensor | number, b: Tensor | number, label: string): number =>
  expectParity(
    typeof a === 'number' ? [a] : (a.toArray() as number[]).flat(Infinity as 1),
    typeof b === 'number' ? [b] : (b.toArray() as number[]).flat(Infinity as 1),
    label,
  );

describe('recurrent search step against the PyTorch twin (float64, masks replayed)', () => {
  for (const name of CASES) {
    it(name, () => {
      const meta = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Meta;
      const { tensors: T } = loadSafetensors(join(DIR, `${name}.safetensors`));
      const model = new RnnSearchModel({
        ntoken: meta.ntoken,
        ninp: meta.n,
        nhid: meta.n,
        nhidlast: meta.n,
        dropout: meta.dropout,
        dropouth: meta.dropouth,
        dropoutx: meta.dropoutx,
        dropouti: meta.dropouti,
        dropoute: meta.dropoute,
      });
      expect(model.loadStateDict(prefixed(T, 'w.'))).toEqual({ missingKeys: [], unexpectedKeys: [] });
      noGrad(() => model.archParameters()[0]!.copy_(T['alpha']!));
      model.to('float64');
      const wOpt = new SGD(model.parameters(), { lr: meta.lr, momentum: 0, weightDecay: meta.wdecay });
      const architect = new Architect(model, { archLearningRate: meta.archLr, archWeightDecay: meta.archWeightDecay, betas: meta.betas });
      const live: number[] = [];
      meta.steps.forEach((want, s) => {
        const p = `s${s}.`;
        let forward = 0;
        model.setMaskSource((): RnnMasks => {
          const m = `${p}mask${forward++}.`;
          return { emb: T[`${m}emb`] ?? null, input: T[`${m}input`] ?? null, x: T[`${m}x`]!, h: T[`${m}h`]!, output: T[`${m}output`] ?? null };
        });
        const hidden: RnnHidden = { train: T[`${p}hiddenTrain`]!, valid: T[`${p}hiddenValid`]! };
        let seen: Tensor | null = null;
        const r = rnnSearchStep(
          model,
          architect,
          wOpt,
          { xTrain: T[`${p}xTrain`]!, yTrain: T[`${p}yTrain`]!, xValid: T[`${p}xValid`]!, yValid: T[`${p}yValid`]!, seqLen: want.seqLen },
          hidden,
          {
            perturbation: meta.perturb,
            epsilon: meta.eps,
            pgdSteps: meta.pgdSteps,
            pgdRandomStart: true,
            gradClip: meta.clip,
            unrolled: meta.unrolled,
            updateArch: true,
            bptt: meta.bptt,
            arAlpha: meta.alpha,
            tarBeta: meta.beta,
          },
          {
            noise: meta.perturb === 'random' ? [T[`${p}noise`]!] : undefined,
            pgdStart: meta.perturb === 'pgd_linf' ? [T[`${p}noise`]!] : undefined,
            inspect: (w) => {
              seen = keep(noGrad(() => w[0]!.clone()));
            },
          },
        );
        model.setMaskSource(null);
        expect(forward, `step ${s}: training-mode forwards`).toBe(want.numMasks);
        expect(wOpt.paramGroups[0]!.lr, 'the learning rate is put back after the step').toBe(meta.lr);
        cmp(r.archLoss!, want.archLoss, `step ${s} arch loss`);
        cmp(r.loss, want.nll, `step ${s} NLL`);
        cmp(r.gradNorm, want.gradNorm, `step ${s} grad norm`);
        if (meta.perturb === 'pgd_linf') {
          cmp(r.perturb.lossBefore!, want.lossBefore!, `step ${s} PGD loss before`);
          cmp(r.perturb.lossAfter!, want.lossAfter!, `step ${s} PGD loss after`);
          expect(r.perturb.accepted, `step ${s} PGD verdict`).toBe(want.accepted);
        }
        cmp(model.archParameters()[0]!, T[`${p}alpha`]!, `step ${s} α`);
        cmp(seen!, T[`${p}archWeights`]!, `step ${s} simplex weights of the weight step`);
        const st = architect.optimizer.stateDict().state[0] as { step: number; exp_avg: Tensor; exp_avg_sq: Tensor };
        expect(st.step).toBe(want.adamStep);
        cmp(st.exp_avg, T[`${p}adam.expAvg`]!, `step ${s} Adam exp_avg`);
        cmp(st.exp_avg_sq, T[`${p}adam.expAvgSq`]!, `step ${s} Adam exp_avg_sq`);
        cmp(r.hidden.train, T[`${p}hiddenTrainAfter`]!, `step ${s} next training hidden`);
        cmp(r.hidden.valid, T[`${p}hiddenValidAfter`]!, `step ${s} next validation hidden`);
        for (const [k, t] of Object.entries(model.stateDict())) cmp(t, T[`${p}after.${k}`]!, `step ${s} after: ${k}`);
        r.hidden.train.dispose();
        r.hidden.valid.dispose();
        (seen as Tensor | null)?.dispose();
        live.push(memory().liveTensors);
      });
      expect(live[1], 'live tensors after step 2 = after step 1 (nothing leaks per step)').toBe(live[0]);
      Object.values(T).forEach((t) => t.dispose());
      model.dispose();
      wOpt.dispose();
      architect.optimizer.dispose();
    });
  }
});
