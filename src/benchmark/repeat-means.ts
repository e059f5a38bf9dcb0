import { SdartsError } from '../util/errors.js';
import { RUN_STAT_KEYS, type RunStatKey } from './model-metrics.js';
import type { RunStats } from './nasbench-index.js';

/**
 * Means over the repeats of one (module, epochs), exactly as NAS-Bench-1Shot1's train_search logs
 * them with `np.mean`: a left-to-right sum in file (repeat) order divided by the count, which for 3
 * repeats is `(a + b + c) / 3` in IEEE doubles, bit for bit. (numpy switches to pairwise summation
 * from 8 values on; NAS-Bench-101 has 3.)
 *
 * Errors are averaged per repeat (`mean(1 - acc)`), which is not bit-identical to
 * `1 - mean(acc)`: both are reported, under different keys.
 */
export type RepeatMeans = { [K in RunStatKey as `mean_${K}`]: number } & {
  mean_final_valid_error: number;
  mean_final_test_error: number;
  repeats: number;
};

/** `sum(values) / n` summed left to right, as np.mean does for fewer than 8 values. */
export function meanInOrder(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

export function meansOverRepeats(runs: readonly RunStats[], fn = 'meansOverRepeats'): RepeatMeans {
  if (runs.length === 0) {
    throw new SdartsError('ERR_SDARTS_BENCHMARK_NOT_FOUND', `${fn}(): no repeats to average (the module has no runs at these epochs)`);
  }
  const out: Record<string, number> = {};
  for (const k of RUN_STAT_KEYS) out[`mean_${k}`] = meanInOrder(runs.map((r) => r[k]));
  out.mean_final_valid_error = meanInOrder(runs.map((r) => 1 - r.final_validation_accuracy));
  out.mean_final_test_error = meanInOrder(runs.map((r) => 1 - r.final_test_accuracy));
  out.repeats = runs.length;
  return out as RepeatMeans;
}
