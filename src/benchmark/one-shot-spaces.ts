/**
 * The NAS-Bench-1Shot1 search spaces 1, 2, 3 and the one-shot primitive list: one definition, read by
 * the NAS-Bench-101 conversion here and by the one-shot model in src/space/oneshot/ (which derives its
 * cell layout from this table).
 *
 * Graph numbering: vertex 0 = cell input, vertex k (1..steps) = choice block k-1, vertex steps+1 =
 * output. Block k-1 can take input from vertex 0 and blocks 0..k-2.
 */
import { rangeError } from '../util/errors.js';

/** Column order of `alphas_mixed_op` (the one-shot PRIMITIVES), not the hash label order; names are NAS-Bench-101's op labels. */
export const ONE_SHOT_PRIMITIVES = ['maxpool3x3', 'conv3x3-bn-relu', 'conv1x1-bn-relu'] as const;
export type OneShotPrimitive = (typeof ONE_SHOT_PRIMITIVES)[number];

export type SearchSpaceId = 1 | 2 | 3;

export interface SearchSpaceDef {
  id: SearchSpaceId;
  /** Choice blocks in a cell (`num_intermediate_nodes`). */
  steps: number;
  /** `num_parents_per_node`, vertex 0 .. output. */
  numParentsPerNode: readonly number[];
  /** Vertices whose parents are fixed (no input alphas). */
  fixedParents: Readonly<Record<number, readonly number[]>>;
  /** The vertex each `alphas_inputs[i]` row chooses parents for (ascending, consecutive). */
  inputAlphaVertices: readonly number[];
  /** Spaces 1 and 2 have 6 vertices and get an empty vertex inserted at index 5 to make 7. */
  padToSevenVertices: boolean;
  /** Best achievable mean errors in the space (regret baselines, from the 1Shot1 search spaces). */
  bestTestError: number;
  bestValidError: number;
}

export const SEARCH_SPACES: Readonly<Record<SearchSpaceId, SearchSpaceDef>> = {
  1: {
    id: 1,
    steps: 4,
    numParentsPerNode: [0, 1, 2, 2, 2, 2],
    fixedParents: { 1: [0], 2: [0, 1] },
    inputAlphaVertices: [3, 4],
    padToSevenVertices: true,
    bestTestError: 0.05448716878890991,
    bestValidError: 0.049278855323791504,
  },
  2: {
    id: 2,
    steps: 4,
    numParentsPerNode: [0, 1, 1, 2, 2, 3],
    fixedParents: { 1: [0] },
    inputAlphaVertices: [2, 3, 4],
    padToSevenVertices: true,
    bestTestError: 0.057592153549194336,
    bestValidError: 0.051582515239715576,
  },
  3: {
    id: 3,
    steps: 5,
    numParentsPerNode: [0, 1, 1, 1, 2, 2, 2],
    fixedParents: { 1: [0] },
    inputAlphaVertices: [2, 3, 4, 5],
    padToSevenVertices: false,
    bestTestError: 0.05338543653488159,
    bestValidError: 0.04847759008407593,
  },
};

export function searchSpace(space: unknown, fn = 'searchSpace'): SearchSpaceDef {
  const id = typeof space === 'string' ? Number(space) : space;
  if (id !== 1 && id !== 2 && id !== 3) throw rangeError(fn, 'space', '1, 2 or 3', space);
  return SEARCH_SPACES[id];
}
