/** The perturbations of the simplex weights applied during the weight step (`--perturb`). */
import { noGrad, type Tensor } from '../tensor/index.js';
import type { Supernet } from './supernet.js';
import { randomSmoothing_ } from './random-smoothing.js';
import { pgdLinf_, type WeightedLoss } from './pgd-linf.js';

export type PerturbationName = 'none' | 'random' | 'pgd_linf';

export interface PerturbArgs {
  model: Supernet;
  archWeights: Tensor[];
  /** The training loss with given mixing weights (PGD's objective). */
  loss: WeightedLoss;
  epsilon: number;
  pgdSteps: number;
  pgdRandomStart: boolean;
  /** Test hooks: RS noise / PGD start values in place of random draws. */
  noise?: Tensor[];
  pgdStart?: Tensor[];
}

export interface PerturbOutcome {
  accepted?: boolean;
  lossBefore?: number;
  lossAfter?: number;
}

export const PERTURBATIONS: Record<PerturbationName, (a: PerturbArgs) => PerturbOutcome> = {
  none: () => ({}),
  random: (a) => {
    randomSmoothing_(a.archWeights, a.epsilon, a.noise);
    return {};
  },
  pgd_linf: (a) => pgdLinf_(a.model, a.archWeights, a.loss, a.epsilon, { steps: a.pgdSteps, randomStart: a.pgdRandomStart, start: a.pgdStart }),
};

/** The names `--perturb` takes, in the table's order. */
export const PERTURBATION_NAMES = Object.keys(PERTURBATIONS) as PerturbationName[];

/**
 * The simplex weights of a weight step: softmax(α) (detached copies), perturbed by `perturbation` on the
 * training loss `loss(w)`; `hooks` replace the random draws (tests) and see the weights the step will use.
 */
export function perturbedWeights(
  model: Supernet,
  loss: WeightedLoss,
  cfg: { perturbation: PerturbationName; epsilon: number; pgdSteps: number; pgdRandomStart: boolean },
  hooks: { noise?: Tensor[]; pgdStart?: Tensor[]; inspect?: (archWeights: Tensor[]) => void } = {},
): { weights: Tensor[]; perturb: PerturbOutcome } {
  const archWeights = noGrad(() => model.softmaxWeights()).map((w) => w.requiresGrad_(true));
  const perturb = PERTURBATIONS[cfg.perturbation]({
    model,
    archWeights,
    loss,
    epsilon: cfg.epsilon,
    pgdSteps: cfg.pgdSteps,
    pgdRandomStart: cfg.pgdRandomStart,
    noise: hooks.noise,
    pgdStart: hooks.pgdStart,
  });
  const weights = archWeights.map((w) => w.detach());
  hooks.inspect?.(weights);
  return { weights, perturb };
}
