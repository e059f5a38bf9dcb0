/** Op codes shared with native/pointwise_ops.cc (the enums there must stay in this order). */
export const BinaryOp = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  maximum: 5,
  minimum: 6,
  eq: 7,
  ne: 8,
  lt: 9,
  le: 10,
  gt: 11,
  ge: 12,
  logicalAnd: 13,
  logicalOr: 14,
  remainder: 15,
  floorDivide: 16,
  rsub: 17,
  rdiv: 18,
  rpow: 19,
} as const;

export const UnaryOp = {
  neg: 0,
  abs: 1,
  sign: 2,
  exp: 3,
  log: 4,
  sqrt: 5,
  rsqrt: 6,
  relu: 7,
  tanh: 8,
  sigmoid: 9,
  floor: 10,
  ceil: 11,
  round: 12,
  reciprocal: 13,
  square: 14,
  sin: 15,
  cos: 16,
  log1p: 17,
  expm1: 18,
  logicalNot: 19,
  isnan: 20,
  trunc: 21,
  log2: 22,
  isfinite: 23,
} as const;

export type BinaryOpName = keyof typeof BinaryOp;
export type UnaryOpName = keyof typeof UnaryOp;

/** Reduction modes of the loss functions (at::Reduction). */
export const REDUCTION = { none: 0, mean: 1, sum: 2 } as const;
export type Reduction = keyof typeof REDUCTION;
