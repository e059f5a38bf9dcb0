/** The perturbations of the simplex weights applied during the weight step (`--perturb`). */
import type { Tensor } from '../tensor/index.js';
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
