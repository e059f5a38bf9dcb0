/**
 * The `Genotype` and `Gene` types on their own, so that derivation (genotype-derive.ts) and the
 * parse/format/validate code (genotype.ts, which re-exports them) both import them from below:
 * the dependency points one way and the two files form no cycle.
 */
import type { CnnOpName } from './primitives.js';

export type Gene = readonly [op: CnnOpName, input: number];

export interface Genotype {
  readonly normal: readonly Gene[];
  readonly normalConcat: readonly number[];
  readonly reduce: readonly Gene[];
  readonly reduceConcat: readonly number[];
}
