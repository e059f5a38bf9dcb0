import { rangeError, typeError } from '../util/errors.js';
import { ModelSpec } from './model-spec.js';
import { ONE_SHOT_PRIMITIVES, searchSpace, type SearchSpaceId } from './one-shot-spaces.js';

/**
 * NAS-Bench-1Shot1: turn the architecture parameters (alpha) of a one-shot search model into a
 * NAS-Bench-101 spec (`eval_darts_one_shot_model_in_nasbench.eval_one_shot_model`), over the spaces of
 * one-shot-spaces.ts (vertex numbering there).
 *
 * Tie-breaking (decided here, the reference leaves it undefined): ops use argmax of the raw
 * alpha row and parents use the top-k of the raw alpha row, and both break exact ties toward the
 * LOWER index. The reference ranks float32 softmax values with `argmax` (first maximum: lower index,
 * same as ours) and `np.argpartition` (implementation-defined order among ties). Softmax is
 * monotonic, so ranking raw values agrees with the reference whenever the reference has no tie; we
 * rank raw values so that distinct alphas which float32 softmax would round to equal values are
 * still ordered.
 */

/** Op given to the padding vertex inserted by `upscale_to_nasbench_format` (never connected). */
const PADDING_OP = 'conv1x1-bn-relu';

/** The three alpha groups as plain nested arrays, shapes as the one-shot model holds them. */
export interface OneShotAlphas {
  /** [steps, 3]: one row per choice block, columns in ONE_SHOT_PRIMITIVES order. */
  alphasMixedOp: number[][];
  /** [1, steps + 1]: column j = candidate parent vertex j of the output. */
  alphasOutput: number[][];
  /** One [1, n] array per learned vertex (see SearchSpaceDef.inputAlphaVertices). */
  alphasInputs: number[][][];
}

export interface OneShotArchitecture {
  space: SearchSpaceId;
  /** Index into ONE_SHOT_PRIMITIVES per choice block. */
  chosenOps: number[];
  /** Chosen parents per vertex (ascending), vertex 0 .. output. */
  parents: number[][];
  /** 7×7 NAS-Bench-101 matrix before pruning, and its 7 ops. */
  matrix: number[][];
  ops: string[];
  /** The pruned spec (the query key). */
  spec: ModelSpec;
  hash: string;
}

function checkRow(fn: string, name: string, row: unknown, length: number): number[] {
  if (!Array.isArray(row)) throw typeError(fn, name, `an array of ${length} finite numbers`, row);
  if (row.length !== length) throw rangeError(fn, name, `${length} values`, row);
  row.forEach((x: unknown, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw typeError(fn, `${name}[${i}]`, 'a finite number', x);
  });
  return row as number[];
}

/** Indices of the k largest values, ties toward the lower index, returned ascending. */
export function topK(row: readonly number[], k: number): number[] {
  const order = row.map((_, i) => i).sort((a, b) => row[b]! - row[a]! || a - b);
  return order.slice(0, k).sort((a, b) => a - b);
}

/** Index of the largest value, the lowest index among equal maxima (numpy argmax). */
export function argmax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** Convert one-shot alphas to the NAS-Bench-101 spec for search space 1, 2 or 3. */
export function oneShotToSpec(space: SearchSpaceId | number | string, alphas: OneShotAlphas): OneShotArchitecture {
  const fn = 'oneShotToSpec';
  const def = searchSpace(space, fn);
  if (typeof alphas !== 'object' || alphas === null) throw typeError(fn, 'alphas', '{alphasMixedOp, alphasOutput, alphasInputs}', alphas);
  const { steps } = def;
  const outputVertex = steps + 1;

  const mixed = alphas.alphasMixedOp;
  if (!Array.isArray(mixed) || mixed.length !== steps)
    throw rangeError(fn, 'alphasMixedOp', `${steps} rows of ${ONE_SHOT_PRIMITIVES.length} (space ${def.id})`, mixed);
  const chosenOps = mixed.map((row, b) => argmax(checkRow(fn, `alphasMixedOp[${b}]`, row, ONE_SHOT_PRIMITIVES.length)));

  if (!Array.isArray(alphas.alphasOutput) || alphas.alphasOutput.length !== 1)
    throw rangeError(fn, 'alphasOutput', `shape [1, ${steps + 1}]`, alphas.alphasOutput);
  const outputRow = checkRow(fn, 'alphasOutput[0]', alphas.alphasOutput[0], steps + 1);

  const inputs = alphas.alphasInputs;
  if (!Array.isArray(inputs) || inputs.length !== def.inputAlphaVertices.length) {
    throw rangeError(fn, 'alphasInputs', `${def.inputAlphaVertices.length} arrays (space ${def.id})`, inputs);
  }

  const parents: number[][] = Array.from({ length: outputVertex + 1 }, () => []);
  for (const [vertex, fixed] of Object.entries(def.fixedParents)) parents[Number(vertex)] = [...fixed];
  def.inputAlphaVertices.forEach((vertex, i) => {
    const group: unknown = inputs[i];
    if (!Array.isArray(group) || group.length !== 1) throw rangeError(fn, `alphasInputs[${i}]`, `shape [1, ${vertex}]`, group);
    const row = checkRow(fn, `alphasInputs[${i}][0]`, group[0], vertex);
    parents[vertex] = topK(row, def.numParentsPerNode[vertex]!);
  });
  parents[outputVertex] = topK(outputRow, def.numParentsPerNode[outputVertex]!);

  // Keep the parent edges of the output and of all its ancestors, nothing else: the reference's
  // recursive construction gives exactly this for every parent choice (blocks that do not feed
  // the output, "loose ends", stay unconnected and are pruned later).
  const n = outputVertex + 1;
  const small: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const seen = new Set<number>([outputVertex]);
  const stack = [outputVertex];
  while (stack.length > 0) {
    const v = stack.pop()!;
    for (const p of parents[v]!) {
      small[p]![v] = 1;
      if (p !== 0 && !seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  const blockOps = chosenOps.map((k) => ONE_SHOT_PRIMITIVES[k]!);
  let matrix = small;
  let ops = ['input', ...blockOps, 'output'];
  if (def.padToSevenVertices) {
    // upscale_to_nasbench_format: insert an all-zero row and column at index 5.
    matrix = small.map((row) => [...row.slice(0, 5), 0, ...row.slice(5)]);
    matrix.splice(5, 0, new Array<number>(n + 1).fill(0));
    ops = ['input', ...blockOps, PADDING_OP, 'output'];
  }
  const spec = new ModelSpec(matrix, ops, fn);
  return { space: def.id, chosenOps, parents, matrix, ops, spec, hash: spec.hashSpec(fn) };
}

/** Regret of a (mean) error against the best architecture of the space. */
export function regret(space: SearchSpaceId | number | string, errors: { testError: number; validError: number }): { testRegret: number; validRegret: number } {
  const def = searchSpace(space, 'regret');
  return { testRegret: errors.testError - def.bestTestError, validRegret: errors.validError - def.bestValidError };
}
