/**
 * The three NAS-Bench-1Shot1 search spaces as the one-shot model sees them (docs/reference-notes.md R4.1–R4.2): how many
 * choice blocks a cell has and which blocks learn weights over their inputs. Derived from the one
 * definition of the spaces, src/benchmark/one-shot-spaces.ts (which also holds the topology constraints
 * of the NAS-Bench-101 conversion).
 */
import { rangeError } from '../../util/errors.js';
import { ONE_SHOT_PRIMITIVES, SEARCH_SPACES, type SearchSpaceDef, type SearchSpaceId } from '../../benchmark/one-shot-spaces.js';

export type OneShotSpaceId = SearchSpaceId;

export interface OneShotSpace {
  id: OneShotSpaceId;
  /** Choice blocks per cell (`num_intermediate_nodes`). */
  steps: number;
  /**
   * The first block with input weights. Block b has b+1 candidate inputs, so `alphas_inputs` holds one
   * [1, b+1] tensor for b = firstWeightedBlock..steps−1 (the reference's `range(begin, steps+1)` with
   * begin = firstWeightedBlock + 1). Block 0 never has any; in space 1 block 1 always sums its two
   * inputs (its parents are fixed to {input, block 0}).
   */
  firstWeightedBlock: number;
}

/** Block b is vertex b+1, so the first weighted block is the first vertex with input alphas, minus one. */
function oneShotSpace(def: SearchSpaceDef): OneShotSpace {
  return { id: def.id, steps: def.steps, firstWeightedBlock: def.inputAlphaVertices[0]! - 1 };
}

export const ONESHOT_SPACES: Readonly<Record<OneShotSpaceId, OneShotSpace>> = {
  1: oneShotSpace(SEARCH_SPACES[1]),
  2: oneShotSpace(SEARCH_SPACES[2]),
  3: oneShotSpace(SEARCH_SPACES[3]),
};

export function getOneShotSpace(space: unknown, fn = 'getOneShotSpace'): OneShotSpace {
  const id = typeof space === 'string' && /^[123]$/.test(space) ? Number(space) : space;
  if (id !== 1 && id !== 2 && id !== 3) throw rangeError(fn, 'space', 'search space 1, 2 or 3', space);
  return ONESHOT_SPACES[id];
}

/** Shapes of the architecture tensors in archParameters() order: [mixed_op, output, ...inputs]. */
export function archShapes(space: OneShotSpace): number[][] {
  const shapes = [
    [space.steps, ONE_SHOT_PRIMITIVES.length],
    [1, space.steps + 1],
  ];
  for (let b = space.firstWeightedBlock; b < space.steps; b++) shapes.push([1, b + 1]);
  return shapes;
}
