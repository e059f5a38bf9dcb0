/**
 * The R-DARTS / SDARTS search spaces S1–S5 (docs/reference-notes.md R2.2): for the normal and the reduction cell, one
 * op list per edge. The order inside a list is the column order of that cell's alpha matrix, so it is
 * data, not presentation — never sort these lists.
 */
import { SdartsError, describe } from '../util/errors.js';
import { isPrimitiveName, type PrimitiveName } from './primitives.js';

/** Intermediate nodes per cell during search. */
export const SEARCH_STEPS = 4;

/** Number of mixed edges of a cell with `steps` nodes: node i has i+2 inputs. */
export function edgeCount(steps: number): number {
  return (steps * (steps + 3)) / 2;
}

/** 14 for the 4-node search cell (node0: e0–1, node1: e2–4, node2: e5–8, node3: e9–13). */
export const NUM_EDGES = edgeCount(SEARCH_STEPS);

export const SPACE_NAMES = ['s1', 's2', 's3', 's4', 's5'] as const;
export type SpaceName = (typeof SPACE_NAMES)[number];

export type EdgeOps = readonly PrimitiveName[];

export interface SearchSpace {
  readonly name: string;
  /** One op list per edge of the normal cell, in edge order. */
  readonly normal: readonly EdgeOps[];
  /** One op list per edge of the reduction cell, in edge order. */
  readonly reduce: readonly EdgeOps[];
  /** Ops per edge — the column count of both alpha matrices. */
  readonly numOps: number;
}

function same(ops: EdgeOps): EdgeOps[] {
  return Array.from({ length: NUM_EDGES }, () => ops);
}

// S1 per-edge lists (docs/reference-notes.md R2.2 table). Edges 5 and 10 of the normal cell list max_pool first.
const S1_NORMAL: EdgeOps[] = [
  ['skip_connect', 'dil_conv_3x3'],
  ['skip_connect', 'dil_conv_5x5'],
  ['skip_connect', 'dil_conv_5x5'],
  ['skip_connect', 'sep_conv_3x3'],
  ['skip_connect', 'dil_conv_3x3'],
  ['max_pool_3x3', 'skip_connect'],
  ['skip_connect', 'sep_conv_3x3'],
  ['skip_connect', 'sep_conv_3x3'],
  ['skip_connect', 'dil_conv_3x3'],
  ['skip_connect', 'sep_conv_3x3'],
  ['max_pool_3x3', 'skip_connect'],
  ['skip_connect', 'dil_conv_3x3'],
  ['dil_conv_3x3', 'dil_conv_5x5'],
  ['dil_conv_3x3', 'dil_conv_5x5'],
];

const S1_REDUCE: EdgeOps[] = [
  ['max_pool_3x3', 'avg_pool_3x3'],
  ['max_pool_3x3', 'dil_conv_3x3'],
  ['max_pool_3x3', 'avg_pool_3x3'],
  ['max_pool_3x3', 'avg_pool_3x3'],
  ['skip_connect', 'dil_conv_5x5'],
  ['max_pool_3x3', 'avg_pool_3x3'],
  ['max_pool_3x3', 'sep_conv_3x3'],
  ['skip_connect', 'dil_conv_3x3'],
  ['skip_connect', 'dil_conv_5x5'],
  ['max_pool_3x3', 'avg_pool_3x3'],
  ['max_pool_3x3', 'avg_pool_3x3'],
  ['skip_connect', 'dil_conv_5x5'],
  ['skip_connect', 'dil_conv_5x5'],
  ['skip_connect', 'dil_conv_5x5'],
];

const S2_OPS: EdgeOps = ['skip_connect', 'sep_conv_3x3'];
const S3_OPS: EdgeOps = ['none', 'skip_connect', 'sep_conv_3x3'];
const S4_OPS: EdgeOps = ['noise', 'sep_conv_3x3'];
// The "DARTS space" of this repo: original DARTS minus 'none' (7 ops, docs/reference-notes.md R2.2 / R7 Q11).
const S5_OPS: EdgeOps = ['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'];

/**
 * Check a space's shape: 14 edges per cell, every op a known primitive, no duplicate op on an edge,
 * at least one op other than 'none' per edge (genotype derivation needs one), and one op count for
 * all edges of both cells (alpha is a single [14, numOps] matrix per cell).
 * Returns the space with `numOps` filled in, deeply frozen.
 */
export function validateSpace(name: string, normal: readonly EdgeOps[], reduce: readonly EdgeOps[]): SearchSpace {
  const fail = (msg: string): never => {
    throw new SdartsError('ERR_SDARTS_SPACE_INVALID', `validateSpace(): search space '${name}': ${msg}`);
  };
  let numOps = -1;
  for (const [cell, edges] of [
    ['normal', normal],
    ['reduce', reduce],
  ] as const) {
    if (!Array.isArray(edges) || edges.length !== NUM_EDGES) {
      fail(`expected ${NUM_EDGES} edge op lists for the ${cell} cell but received ${describe(edges)}`);
    }
    edges.forEach((ops, e) => {
      if (!Array.isArray(ops) || ops.length === 0) fail(`${cell} edge ${e}: expected a non-empty op list but received ${describe(ops)}`);
      for (const op of ops) {
        if (!isPrimitiveName(op)) fail(`${cell} edge ${e}: unknown op ${describe(op)}; ops must be DARTS primitives`);
      }
      if (new Set(ops).size !== ops.length) fail(`${cell} edge ${e}: duplicate op in [${ops.join(', ')}]`);
      if (ops.every((op: string) => op === 'none')) fail(`${cell} edge ${e}: needs at least one op other than 'none'`);
      if (numOps === -1) numOps = ops.length;
      else if (ops.length !== numOps) {
        fail(
          `${cell} edge ${e} has ${ops.length} ops but earlier edges have ${numOps}; all edges of a space must have the same op count (alpha has one column count)`,
        );
      }
    });
  }
  const freezeEdges = (edges: readonly EdgeOps[]): readonly EdgeOps[] => Object.freeze(edges.map((ops) => Object.freeze([...ops])));
  return Object.freeze({ name, normal: freezeEdges(normal), reduce: freezeEdges(reduce), numOps });
}

const SPACES: Readonly<Record<SpaceName, SearchSpace>> = Object.freeze({
  s1: validateSpace('s1', S1_NORMAL, S1_REDUCE),
  s2: validateSpace('s2', same(S2_OPS), same(S2_OPS)),
  s3: validateSpace('s3', same(S3_OPS), same(S3_OPS)),
  s4: validateSpace('s4', same(S4_OPS), same(S4_OPS)),
  s5: validateSpace('s5', same(S5_OPS), same(S5_OPS)),
});

export function isSpaceName(name: unknown): name is SpaceName {
  return typeof name === 'string' && (SPACE_NAMES as readonly string[]).includes(name);
}

/** The search space named `s1`…`s5` (lower case, as the `--search_space` flag spells it). */
export function getSpace(name: SpaceName): SearchSpace;
export function getSpace(name: string): SearchSpace;
export function getSpace(name: string): SearchSpace {
  if (typeof name !== 'string') {
    throw new SdartsError('ERR_SDARTS_SPACE_UNKNOWN', `getSpace(): expected a space name string (${SPACE_NAMES.join(', ')}) but received ${describe(name)}`);
  }
  if (isSpaceName(name)) return SPACES[name];
  const lower = name.toLowerCase();
  const hint = isSpaceName(lower) ? ` (names are lower case: did you mean '${lower}'?)` : '';
  throw new SdartsError('ERR_SDARTS_SPACE_UNKNOWN', `getSpace(): unknown search space ${describe(name)}${hint}; expected one of ${SPACE_NAMES.join(', ')}`);
}
