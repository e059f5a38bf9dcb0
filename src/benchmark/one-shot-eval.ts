import type { NasBench } from './nasbench.js';
import { ModelSpec, type SpecJson } from './model-spec.js';
import { oneShotToSpec, regret, type OneShotAlphas } from './one-shot-conversion.js';
import { searchSpace, type SearchSpaceId } from './one-shot-spaces.js';
import { meanInOrder } from './repeat-means.js';

/**
 * Score a one-shot architecture on NAS-Bench-101 the way NAS-Bench-1Shot1 does:
 * `eval_one_shot_model` returns per-repeat lists (108 epochs, final numbers, all repeats in file
 * order), and train_search logs their means (`np.mean` of each list).
 */
export interface OneShotScore {
  space: SearchSpaceId;
  hash: string;
  /** The pruned spec that was queried. */
  spec: { matrix: number[][]; ops: string[] };
  /** Per repeat, file order: 1 - final test accuracy, 1 - final validation accuracy, final training time, params. */
  test_error: number[];
  valid_error: number[];
  runtime: number[];
  params: number[];
  /** What train_search.py logs: the means of the lists above. */
  means: { test: number; valid: number; runtime: number; params: number };
  /** Mean errors minus the best errors of the space. */
  regret: { test: number; valid: number };
}

export function evalOneShotModel(nasbench: NasBench, space: SearchSpaceId | number | string, alphas: OneShotAlphas): OneShotScore {
  const arch = oneShotToSpec(space, alphas);
  return scoreOneShotSpec(nasbench, arch.space, arch.spec);
}

/**
 * The query half of `eval_one_shot_model`: score an already converted spec of search space
 * `space` (the space only selects the regret baselines).
 */
export function scoreOneShotSpec(nasbench: NasBench, space: SearchSpaceId | number | string, spec: ModelSpec | SpecJson): OneShotScore {
  const def = searchSpace(space, 'scoreOneShotSpec');
  const pruned = ModelSpec.from(spec, 'scoreOneShotSpec');
  const runs = nasbench.queryAll(pruned, { epochs: 108 });
  const test_error = runs.map((r) => 1 - r.test_accuracy);
  const valid_error = runs.map((r) => 1 - r.validation_accuracy);
  const runtime = runs.map((r) => r.training_time);
  const params = runs.map((r) => r.trainable_parameters);
  const means = { test: meanInOrder(test_error), valid: meanInOrder(valid_error), runtime: meanInOrder(runtime), params: meanInOrder(params) };
  const r = regret(def.id, { testError: means.test, validError: means.valid });
  return {
    space: def.id,
    hash: pruned.hashSpec('scoreOneShotSpec'),
    spec: { matrix: pruned.matrix!, ops: pruned.ops! },
    test_error,
    valid_error,
    runtime,
    params,
    means,
    regret: { test: r.testRegret, valid: r.validRegret },
  };
}
