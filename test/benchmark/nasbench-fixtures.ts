import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Fixtures copied from the shared NAS-Bench reference vectors (see test/fixtures/nasbench/PROVENANCE.md):
 * every expected value was produced by running the reference Python code, not by hand.
 */
export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/nasbench/', import.meta.url));
export const MINI_TFRECORD = FIXTURE_DIR + 'mini_nasbench.tfrecord';

export function loadFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(FIXTURE_DIR + name, 'utf8')) as T;
}

export interface HashVector {
  id: string;
  category: string;
  matrix: number[][];
  ops: string[];
  iso_group?: string;
  expected: {
    status: 'ok' | 'invalid_spec' | 'out_of_domain' | 'constructor_error';
    pruned_matrix?: number[][] | null;
    pruned_ops?: string[] | null;
    hash?: string;
    hash_spec_anyway?: string;
    error_type?: string;
    error?: string;
  };
}

export interface OneShotVector {
  id: string;
  search_space: '1' | '2' | '3';
  alpha_kind: string;
  alphas_mixed_op: number[][];
  alphas_output: number[][];
  alphas_inputs: number[][][];
  expected: {
    chosen_ops_primitive_index: number[];
    matrix_7x7: number[][];
    ops_7: string[];
    pruned_matrix: number[][];
    pruned_ops: string[];
    hash: string;
  };
}
