// The contract of the native boundary: every op code, dtype code and loss-reduction code that
// crosses it is one row here, and nowhere else. contract.cc exports these lists to JS as name → code
// maps (`contract()`); src/tensor/opcodes.ts and dtype.ts build their code tables from that map when
// the addon loads, so no code number is written by hand on either side.
//
// An op's code is its row's position (rows may be inserted anywhere; the TS side follows on the next
// build). Its name is the TS method's name. Each row gives the expression of every form the op has,
// written in `a`, `b` (tensors), `s` (scalar) and `alpha`; NONE marks a form it does not have. A call
// with an unknown code, or for a missing form, is a RangeError from the switch that dispatches it.
#pragma once

// X(name, a ⊕ b, a ⊕ s, in-place a ⊕= b, in-place a ⊕= s)
#define SDARTS_BINARY_OPS(X)                                                               \
  X(add, a.add(b, alpha), a.add(s, alpha), a.add_(b, alpha), a.add_(s, alpha))             \
  X(sub, a.sub(b, alpha), a.sub(s, alpha), a.sub_(b, alpha), a.sub_(s, alpha))             \
  X(mul, a.mul(b), a.mul(s), a.mul_(b), a.mul_(s))                                         \
  X(div, a.div(b), a.div(s), a.div_(b), a.div_(s))                                         \
  X(pow, a.pow(b), a.pow(s), a.pow_(b), a.pow_(s))                                         \
  X(maximum, a.maximum(b), a.clamp_min(s), NONE, a.clamp_min_(s))                          \
  X(minimum, a.minimum(b), a.clamp_max(s), NONE, a.clamp_max_(s))                          \
  X(eq, a.eq(b), a.eq(s), NONE, NONE)                                                      \
  X(ne, a.ne(b), a.ne(s), NONE, NONE)                                                      \
  X(lt, a.lt(b), a.lt(s), NONE, NONE)                                                      \
  X(le, a.le(b), a.le(s), NONE, NONE)                                                      \
  X(gt, a.gt(b), a.gt(s), NONE, NONE)                                                      \
  X(ge, a.ge(b), a.ge(s), NONE, NONE)                                                      \
  X(logicalAnd, a.logical_and(b), NONE, NONE, NONE)                                        \
  X(logicalOr, a.logical_or(b), NONE, NONE, NONE)                                          \
  X(remainder, a.remainder(b), a.remainder(s), a.remainder_(b), a.remainder_(s))           \
  X(floorDivide, a.floor_divide(b), a.floor_divide(s), NONE, NONE)                         \
  /* reflected scalar forms, computed as Python's Tensor.__r*__ do: s ⊕ a */               \
  X(rsub, NONE, at::rsub(a, s, alpha), NONE, NONE)                                         \
  X(rdiv, NONE, a.reciprocal().mul(s), NONE, NONE)                                         \
  X(rpow, NONE, at::pow(s, a), NONE, NONE)

// X(name, f(a), in-place f_(a))
#define SDARTS_UNARY_OPS(X)                    \
  X(neg, a.neg(), a.neg_())                    \
  X(abs, a.abs(), a.abs_())                    \
  X(sign, a.sign(), a.sign_())                 \
  X(exp, a.exp(), a.exp_())                    \
  X(log, a.log(), a.log_())                    \
  X(sqrt, a.sqrt(), a.sqrt_())                 \
  X(rsqrt, a.rsqrt(), a.rsqrt_())              \
  X(relu, a.relu(), a.relu_())                 \
  X(tanh, a.tanh(), a.tanh_())                 \
  X(sigmoid, a.sigmoid(), a.sigmoid_())        \
  X(floor, a.floor(), a.floor_())              \
  X(ceil, a.ceil(), a.ceil_())                 \
  X(round, a.round(), a.round_())              \
  X(reciprocal, a.reciprocal(), a.reciprocal_()) \
  X(square, a.square(), a.square_())           \
  X(sin, a.sin(), a.sin_())                    \
  X(cos, a.cos(), a.cos_())                    \
  X(log1p, a.log1p(), a.log1p_())              \
  X(expm1, a.expm1(), a.expm1_())              \
  X(logicalNot, a.logical_not(), NONE)         \
  X(isnan, a.isnan(), NONE)                    \
  X(trunc, a.trunc(), a.trunc_())              \
  X(log2, a.log2(), NONE)                      \
  X(isfinite, a.isfinite(), NONE)

// X(name, c10::ScalarType): the dtypes the boundary accepts and returns, under PyTorch's names.
#define SDARTS_DTYPES(X) \
  X(uint8, Byte)         \
  X(int32, Int)          \
  X(int64, Long)         \
  X(float16, Half)       \
  X(float32, Float)      \
  X(float64, Double)     \
  X(bool, Bool)          \
  X(bfloat16, BFloat16)

// X(name, at::Reduction::Reduction): the loss reductions.
#define SDARTS_REDUCTIONS(X) \
  X(none, None)              \
  X(mean, Mean)              \
  X(sum, Sum)

// The shape of contract()'s object; bump when it changes (not when rows are added).
#define SDARTS_CONTRACT_VERSION 1

namespace sdarts {

#define SDARTS_OP_ENUM(name, ...) name,
enum class BinaryOp : int { SDARTS_BINARY_OPS(SDARTS_OP_ENUM) kCount };
enum class UnaryOp : int { SDARTS_UNARY_OPS(SDARTS_OP_ENUM) kCount };
#undef SDARTS_OP_ENUM

}  // namespace sdarts
