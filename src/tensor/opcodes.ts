/**
 * Op and loss-reduction codes of the native boundary. Their one home is native/op_list.h: the addon
 * exports its rows as name → code maps (`contract()`) and the tables below are filled from that map
 * when the addon loads. TS lists only the names it exposes and the forms it calls; an addon that lacks
 * one fails to load with an error naming it.
 */
import { codeTable, fillCodes, native, onContract } from './native.js';

/** The binary ops that are Tensor methods: `a.add(b | s, alpha?)`. rsub (other - this) is the reflected form. */
export const BINARY_OPS = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'remainder',
  'floorDivide',
  'rsub',
] as const;
export type BinaryOpName = (typeof BINARY_OPS)[number];
/** Those with in-place methods, tensor or scalar other: `a.add_(b | s, alpha?)`. */
export const BINARY_INPLACE = ['add', 'sub', 'mul', 'div', 'pow'] as const satisfies readonly BinaryOpName[];

export const UNARY_OPS = [
  'neg',
  'abs',
  'sign',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'relu',
  'tanh',
  'sigmoid',
  'floor',
  'ceil',
  'round',
  'reciprocal',
  'square',
  'sin',
  'cos',
  'log1p',
  'expm1',
  'logicalNot',
  'isnan',
  'trunc',
  'log2',
  'isfinite',
] as const;
export type UnaryOpName = (typeof UNARY_OPS)[number];
/** Those without an in-place method; every other unary op has one (`a.neg_()`). */
const UNARY_OUT_ONLY: readonly UnaryOpName[] = ['logicalNot', 'isnan', 'log2', 'isfinite'];
export const UNARY_INPLACE = UNARY_OPS.filter((n) => !UNARY_OUT_ONLY.includes(n));

/** Reduction modes of the loss functions (at::Reduction). */
export const REDUCTIONS = ['none', 'mean', 'sum'] as const;
export type Reduction = (typeof REDUCTIONS)[number];

/** Binary op codes (native/op_list.h SDARTS_BINARY_OPS), filled when the addon loads. */
export const BinaryOp = codeTable(BINARY_OPS);
/** Unary op codes (native/op_list.h SDARTS_UNARY_OPS), filled when the addon loads. */
export const UnaryOp = codeTable(UNARY_OPS);
/** Loss reduction codes (native/op_list.h SDARTS_REDUCTIONS), filled when the addon loads. */
export const REDUCTION = codeTable(REDUCTIONS);

onContract((c) => {
  const binaryForms: Partial<Record<BinaryOpName, string[]>> = {};
  for (const n of BINARY_OPS) binaryForms[n] = [n === 'rsub' ? 'scalar' : 'tensor'];
  for (const n of BINARY_INPLACE) binaryForms[n]!.push('inplaceTensor', 'inplaceScalar');
  fillCodes('binary op', BinaryOp, c.ops.binary, binaryForms);
  const unaryForms: Partial<Record<UnaryOpName, string[]>> = {};
  for (const n of UNARY_OPS) unaryForms[n] = ['out'];
  for (const n of UNARY_INPLACE) unaryForms[n]!.push('inplace');
  fillCodes('unary op', UnaryOp, c.ops.unary, unaryForms);
  fillCodes('reduction', REDUCTION, c.reductions);
});

/** `table[name]`, loading the addon first if it has not been (methods cache the result). */
export function opCode<K extends string>(table: Record<K, number>, name: K): number {
  native();
  return table[name];
}
