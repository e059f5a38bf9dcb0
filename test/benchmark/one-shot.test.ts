import { describe, expect, it } from 'vitest';
import { AVAILABLE_OPS, ModelSpec } from '../../src/benchmark/model-spec.js';
import { NasBench } from '../../src/benchmark/nasbench.js';
import { oneShotToSpec, regret, topK, type OneShotAlphas } from '../../src/benchmark/one-shot-conversion.js';
import { ONE_SHOT_PRIMITIVES, SEARCH_SPACES, type SearchSpaceId } from '../../src/benchmark/one-shot-spaces.js';
import { evalOneShotModel, scoreOneShotSpec } from '../../src/benchmark/one-shot-eval.js';
import { loadFixture, MINI_TFRECORD, type OneShotVector } from './nasbench-fixtures.js';

// oneshot_vectors.json: alphas -> spec by the reference eval_one_shot_model; space_stats.json:
// exhaustive counts from the reference; mini_nasbench_expected.json: eval_one_shot_model outputs.
const oneshot = loadFixture<{ vectors: OneShotVector[]; tensor_shapes: any; PRIMITIVES_order_for_alphas_mixed_op_columns: string[] }>('oneshot_vectors.json');
const stats = loadFixture('space_stats.json');
const expected = loadFixture('mini_nasbench_expected.json');

const alphasOf = (v: OneShotVector): OneShotAlphas => ({ alphasMixedOp: v.alphas_mixed_op, alphasOutput: v.alphas_output, alphasInputs: v.alphas_inputs });

describe('one-shot -> NAS-Bench-101 conversion (reference oneshot_vectors.json)', () => {
  it('uses the reference PRIMITIVES order and tensor shapes', () => {
    expect([...ONE_SHOT_PRIMITIVES]).toEqual(oneshot.PRIMITIVES_order_for_alphas_mixed_op_columns);
    for (const id of [1, 2, 3] as const) {
      const def = SEARCH_SPACES[id];
      const shapes = oneshot.tensor_shapes[String(id)];
      expect(shapes.alphas_mixed_op).toEqual([def.steps, 3]);
      expect(shapes.alphas_output).toEqual([1, def.steps + 1]);
      expect(shapes.alphas_inputs).toEqual(def.inputAlphaVertices.map((v) => [1, v]));
    }
    expect(oneshot.vectors.length).toBe(60);
  });

  it.each(oneshot.vectors.map((v) => [v.id, v.alpha_kind, v] as const))('%s (%s): ops, 7×7 matrix, pruned spec and hash', (_id, _kind, v) => {
    const arch = oneShotToSpec(Number(v.search_space), alphasOf(v));
    expect(arch.chosenOps).toEqual(v.expected.chosen_ops_primitive_index);
    expect(arch.matrix).toEqual(v.expected.matrix_7x7);
    expect(arch.ops).toEqual(v.expected.ops_7);
    expect(arch.spec.matrix).toEqual(v.expected.pruned_matrix);
    expect(arch.spec.ops).toEqual(v.expected.pruned_ops);
    expect(arch.hash).toBe(v.expected.hash);
    expect(arch.spec.isValid()).toBe(true);
  });

  it('breaks exact ties toward the lower index (documented decision; the reference leaves it open)', () => {
    expect(topK([0, 0, 0, 0], 2)).toEqual([0, 1]);
    expect(topK([0, 1, 1, 1], 2)).toEqual([1, 2]);
    // All-zero alphas (an untrained model): every op is maxpool3x3 (column 0), every parent set the
    // lowest indices. Space 2: output parents {0,1,2}; vertex 2 <- {0}; so vertices 1 and 2 feed the output.
    const zeros = (n: number) => new Array<number>(n).fill(0);
    const arch = oneShotToSpec(2, {
      alphasMixedOp: [zeros(3), zeros(3), zeros(3), zeros(3)],
      alphasOutput: [zeros(5)],
      alphasInputs: [[zeros(2)], [zeros(3)], [zeros(4)]],
    });
    expect(arch.chosenOps).toEqual([0, 0, 0, 0]);
    expect(arch.parents[5]).toEqual([0, 1, 2]); // output = vertex 5 of the 6-vertex cell
    expect(arch.spec.matrix).toEqual([
      [0, 1, 1, 1],
      [0, 0, 0, 1],
      [0, 0, 0, 1],
      [0, 0, 0, 0],
    ]);
    expect(arch.spec.ops).toEqual(['input', 'maxpool3x3', 'maxpool3x3', 'output']);
  });

  it('rejects alphas of the wrong shape with a RangeError naming the argument', () => {
    const v = oneshot.vectors.find((x) => x.search_space === '3')!;
    expect(() => oneShotToSpec(1, alphasOf(v))).toThrow(`Expected 4 rows of 3 (space 1) for 'alphasMixedOp' in oneShotToSpec() but received array of length 5`);
    expect(() => oneShotToSpec(4, alphasOf(v))).toThrow(`Expected 1, 2 or 3 for 'space' in oneShotToSpec() but received 4 (number)`);
    const nan = { ...alphasOf(v), alphasOutput: [[0, 0, 0, NaN, 0, 0]] };
    expect(() => oneShotToSpec(3, nan)).toThrow(`Expected a finite number for 'alphasOutput[0][3]' in oneShotToSpec() but received NaN (number)`);
  });
});

describe('search-space sizes (reference space_stats.json, exhaustive over parent combinations)', () => {
  function subsets(n: number, k: number): number[][] {
    const out: number[][] = [];
    const rec = (start: number, cur: number[]): void => {
      if (cur.length === k) {
        out.push(cur.slice());
        return;
      }
      for (let i = start; i < n; i++) {
        cur.push(i);
        rec(i + 1, cur);
        cur.pop();
      }
    };
    rec(0, []);
    return out;
  }
  /** Every parent combination of a space, pushed through oneShotToSpec with one-hot alphas. */
  function prunedMatrices(space: SearchSpaceId): { combos: number; matrices: Map<string, number[][]> } {
    const def = SEARCH_SPACES[space];
    const outVertex = def.steps + 1;
    const choices = [...def.inputAlphaVertices.map((v) => subsets(v, def.numParentsPerNode[v]!)), subsets(outVertex, def.numParentsPerNode[outVertex]!)];
    let combos: number[][][] = [[]];
    for (const c of choices) combos = combos.flatMap((pre) => c.map((x) => [...pre, x]));
    const row = (n: number, sel: number[]) => Array.from({ length: n }, (_, i) => (sel.includes(i) ? 1 : 0));
    const matrices = new Map<string, number[][]>();
    for (const combo of combos) {
      const arch = oneShotToSpec(space, {
        alphasMixedOp: Array.from({ length: def.steps }, () => [1, 0, 0]),
        alphasOutput: [row(outVertex, combo[combo.length - 1]!)],
        alphasInputs: def.inputAlphaVertices.map((v, i) => [row(v, combo[i]!)]),
      });
      matrices.set(JSON.stringify(arch.spec.matrix), arch.spec.matrix!);
    }
    return { combos: combos.length, matrices };
  }
  /** All hashes reachable: each distinct pruned graph with every labelling of its middle vertices. */
  function reachableHashes(matrices: Iterable<number[][]>): Set<string> {
    const out = new Set<string>();
    for (const m of matrices) {
      const mid = m.length - 2;
      for (let code = 0; code < 3 ** mid; code++) {
        const ops = ['input'];
        for (let i = 0, c = code; i < mid; i++, c = Math.floor(c / 3)) ops.push(AVAILABLE_OPS[c % 3]!);
        ops.push('output');
        out.add(new ModelSpec(m, ops).hashSpec());
      }
    }
    return out;
  }

  it('parent combinations and distinct pruned graphs for spaces 1, 2, 3', () => {
    for (const id of [1, 2, 3] as const) {
      const { combos, matrices } = prunedMatrices(id);
      expect(combos).toBe(stats.spaces[String(id)].parent_combinations);
      expect(matrices.size).toBe(stats.spaces[String(id)].distinct_pruned_graphs_from_combinations);
    }
  });

  it('distinct NAS-Bench-101 hashes reachable in spaces 1 and 2 (space 3 takes ~7 s and is left to scripts)', () => {
    const h1 = reachableHashes(prunedMatrices(1).matrices.values());
    const h2 = reachableHashes(prunedMatrices(2).matrices.values());
    expect(h1.size).toBe(stats.spaces['1'].distinct_nb101_hashes_reachable_by_oneshot_conversion);
    expect(h2.size).toBe(stats.spaces['2'].distinct_nb101_hashes_reachable_by_oneshot_conversion);
    expect([...h1].filter((h) => h2.has(h)).length).toBe(stats.distinct_hash_overlap['1&2']);
  });
});

describe('evalOneShotModel on mini_nasbench.tfrecord (reference eval_one_shot_model + train_search means)', () => {
  const nb = NasBench.open(MINI_TFRECORD, { cache: false });
  const withEval: any[] = expected.modules.filter((m: any) => m.oneshot_eval !== undefined);

  function expectScore(score: ReturnType<typeof scoreOneShotSpec>, m: any): void {
    const ref = m.oneshot_eval;
    expect(score.hash).toBe(m.hash);
    expect(score.test_error).toEqual(ref.eval_one_shot_model_returns.test_error);
    expect(score.valid_error).toEqual(ref.eval_one_shot_model_returns.valid_error);
    expect(score.runtime).toEqual(ref.eval_one_shot_model_returns.runtime);
    expect(score.params).toEqual(ref.eval_one_shot_model_returns.params);
    expect(score.means).toEqual(ref.train_search_logged_means);
    const def = SEARCH_SPACES[score.space];
    expect(score.regret).toEqual({
      test: ref.train_search_logged_means.test - def.bestTestError,
      valid: ref.train_search_logged_means.valid - def.bestValidError,
    });
  }

  it.each(withEval.map((m: any): [string, any] => [m.oneshot_eval.oneshot_vector_id, m]))(
    '%s: per-repeat lists and logged means of its spec are bit-identical',
    (_id, m: any) => {
      for (const q of m.query_specs) expectScore(scoreOneShotSpec(nb, m.oneshot_eval.search_space, q), m);
    },
  );

  // Only the odd-numbered vectors are shipped in oneshot_vectors.json; those go alphas -> score.
  const shipped = withEval.filter((m: any) => oneshot.vectors.some((v) => v.id === m.oneshot_eval.oneshot_vector_id));
  it.each(shipped.map((m: any): [string, any] => [m.oneshot_eval.oneshot_vector_id, m]))('%s: from the alphas end to end', (id, m: any) => {
    const v = oneshot.vectors.find((x) => x.id === id)!;
    expectScore(evalOneShotModel(nb, v.search_space, alphasOf(v)), m);
  });

  it('covers 4 one-shot modules per space, 2 of them with shipped alphas', () => {
    expect(withEval.length).toBe(12);
    expect(shipped.length).toBe(6);
  });

  it('regret uses the best errors of each space (docs/reference-notes.md R4.1 constants)', () => {
    expect(regret(1, { testError: 0.1, validError: 0.1 })).toEqual({ testRegret: 0.1 - 0.05448716878890991, validRegret: 0.1 - 0.049278855323791504 });
    expect(regret('2', { testError: 0.1, validError: 0.1 })).toEqual({ testRegret: 0.1 - 0.057592153549194336, validRegret: 0.1 - 0.051582515239715576 });
    expect(regret(3, { testError: 0.1, validError: 0.1 })).toEqual({ testRegret: 0.1 - 0.05338543653488159, validRegret: 0.1 - 0.04847759008407593 });
  });
});
