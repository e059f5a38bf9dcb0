/**
 * Operation names of the DARTS CNN space. The strings are the exact DARTS spellings: they are keys
 * shared with genotypes, checkpoints and the search-space tables, so they never get renamed.
 */

/** The candidate operations a search edge can hold (docs/reference-notes.md R2.1/R2.12 `PRIMITIVES`, in that order). */
export const PRIMITIVES = [
  'none',
  'noise',
  'max_pool_3x3',
  'avg_pool_3x3',
  'skip_connect',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'dil_conv_3x3',
  'dil_conv_5x5',
] as const;

export type PrimitiveName = (typeof PRIMITIVES)[number];

/**
 * Ops that exist in the evaluation op table but in no search space. They are needed only because
 * hand-designed cells (NASNet, AmoebaNet) use them.
 */
export const EVAL_ONLY_OPS = ['sep_conv_7x7', 'conv_7x1_1x7'] as const;

/** Every op name a CNN genotype may contain. */
export const CNN_OP_NAMES = [...PRIMITIVES, ...EVAL_ONLY_OPS] as const;

export type CnnOpName = (typeof CNN_OP_NAMES)[number];

const PRIMITIVE_SET: ReadonlySet<string> = new Set(PRIMITIVES);
const CNN_OP_SET: ReadonlySet<string> = new Set(CNN_OP_NAMES);

export function isPrimitiveName(name: unknown): name is PrimitiveName {
  return typeof name === 'string' && PRIMITIVE_SET.has(name);
}

export function isCnnOpName(name: unknown): name is CnnOpName {
  return typeof name === 'string' && CNN_OP_SET.has(name);
}
