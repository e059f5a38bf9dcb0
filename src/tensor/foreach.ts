/**
 * Multi-tensor ops, LibTorch's `torch._foreach_*`: one call applies an op to every tensor of a list (pairs
 * of tensors for the two-list forms), so an optimiser step over hundreds of parameters is a handful of
 * ATen calls instead of several per parameter. On the CPU LibTorch loops its single-tensor kernels
 * (aten/src/ATen/native/ForeachOpsKernels.cpp), so each result is bit for bit that of the per-tensor op
 * (`foreachAdd(a, b, alpha)[i]` ≡ `a[i].add(b[i], alpha)`); on CUDA its fused kernels run.
 *
 * The lists must be non-empty and, for the two-list forms, of equal length. Per-pair dtype, device and
 * shape rules are the per-tensor op's (LibTorch reports a violation as ERR_SDARTS_TORCH).
 */
import { Tensor } from './tensor.js';
import { native } from './native.js';
import { finiteArg, numberArg, relabel, tensorArg, tensorListArg } from './check.js';
import { rangeError, shapeError, withCode } from '../util/errors.js';

/** Both lists' handles, refused unless they pair up. */
function pairArgs(fn: string, a: unknown, b: unknown, names: [string, string]): [number[], number[]] {
  const ha = tensorListArg(fn, names[0], a);
  const hb = tensorListArg(fn, names[1], b);
  if (hb.length !== ha.length) throw rangeError(fn, names[1], `an array of ${ha.length} Tensors (one per tensor of '${names[0]}')`, b);
  return [ha, hb];
}

function call<T>(fn: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    return relabel(e, fn);
  }
}

const wrap = (hs: number[]): Tensor[] => hs.map((h) => new Tensor(h));

/** `[a[i] + alpha·b[i]]` (torch._foreach_add). */
export function foreachAdd(a: Tensor[], b: Tensor[], alpha = 1): Tensor[] {
  const [ha, hb] = pairArgs('foreachAdd', a, b, ['a', 'b']);
  const s = finiteArg('foreachAdd', 'alpha', alpha);
  return wrap(call('foreachAdd', () => native().foreachAdd(ha, hb, s)));
}

/** In place: `a[i] += alpha·b[i]` (torch._foreach_add_). */
export function foreachAdd_(a: Tensor[], b: Tensor[], alpha = 1): void {
  const [ha, hb] = pairArgs('foreachAdd_', a, b, ['a', 'b']);
  const s = finiteArg('foreachAdd_', 'alpha', alpha);
  call('foreachAdd_', () => native().foreachAdd_(ha, hb, s));
}

/** In place: `a[i] += s` (torch._foreach_add_ with a scalar; integer tensors stay integer for an integer s). */
export function foreachAddScalar_(a: Tensor[], s: number): void {
  const ha = tensorListArg('foreachAddScalar_', 'a', a);
  const x = finiteArg('foreachAddScalar_', 's', s);
  call('foreachAddScalar_', () => native().foreachAddScalar_(ha, x));
}

/** `[a[i] − alpha·b[i]]` (torch._foreach_sub). */
export function foreachSub(a: Tensor[], b: Tensor[], alpha = 1): Tensor[] {
  const [ha, hb] = pairArgs('foreachSub', a, b, ['a', 'b']);
  const s = finiteArg('foreachSub', 'alpha', alpha);
  return wrap(call('foreachSub', () => native().foreachSub(ha, hb, s)));
}

/** In place: `a[i] −= alpha·b[i]` (torch._foreach_sub_). */
export function foreachSub_(a: Tensor[], b: Tensor[], alpha = 1): void {
  const [ha, hb] = pairArgs('foreachSub_', a, b, ['a', 'b']);
  const s = finiteArg('foreachSub_', 'alpha', alpha);
  call('foreachSub_', () => native().foreachSub_(ha, hb, s));
}

/** `[a[i] · s]` (torch._foreach_mul with a scalar). */
export function foreachMul(a: Tensor[], s: number): Tensor[] {
  const ha = tensorListArg('foreachMul', 'a', a);
  const x = finiteArg('foreachMul', 's', s);
  return wrap(call('foreachMul', () => native().foreachMulScalar(ha, x)));
}

/** `[a[i] · b[i]]` (torch._foreach_mul with two lists; each pair broadcasts as `a[i].mul(b[i])` does). */
export function foreachMulList(a: Tensor[], b: Tensor[]): Tensor[] {
  const [ha, hb] = pairArgs('foreachMulList', a, b, ['a', 'b']);
  return wrap(call('foreachMulList', () => native().foreachMulList(ha, hb)));
}

/**
 * In place: `a[i] ·= s`, `s` a number or a 0-dim tensor (torch._foreach_mul_'s Tensor overload: the factor
 * stays on the device, no host read; used by the gradient clip).
 */
export function foreachMul_(a: Tensor[], s: number | Tensor): void {
  const ha = tensorListArg('foreachMul_', 'a', a);
  if (s instanceof Tensor) {
    const hs = tensorArg('foreachMul_', 's', s);
    if (s.ndim !== 0) throw shapeError('foreachMul_', 's', 'a number or a 0-dim Tensor', s.shape);
    call('foreachMul_', () => native().foreachMulTensor_(ha, hs));
    return;
  }
  const x = finiteArg('foreachMul_', 's', s);
  call('foreachMul_', () => native().foreachMulScalar_(ha, x));
}

/** `[‖a[i]‖_ord]`, 0-dim tensors (torch._foreach_norm; each is `a[i].norm(ord)`; Infinity for the max-norm). */
export function foreachNorm(a: Tensor[], ord = 2): Tensor[] {
  const ha = tensorListArg('foreachNorm', 'a', a);
  const p = numberArg('foreachNorm', 'ord', ord);
  if (Number.isNaN(p)) throw rangeError('foreachNorm', 'ord', 'a number (Infinity for the max-norm)', p);
  return wrap(call('foreachNorm', () => native().foreachNorm(ha, p)));
}

/** In place: `dst[i].copy_(src[i])` (torch._foreach_copy_). */
export function foreachCopy_(dst: Tensor[], src: Tensor[]): void {
  const [hd, hs] = pairArgs('foreachCopy_', dst, src, ['dst', 'src']);
  call('foreachCopy_', () => native().foreachCopy_(hd, hs));
}

/**
 * New tensors equal to `a[i]` bit for bit, in one call. LibTorch has no foreach clone, so this is
 * `_foreach_mul(a, 1)`: x·1 = x exactly in IEEE arithmetic (±0, subnormals, ±Infinity; a NaN stays NaN),
 * and an integer 1 keeps every integer dtype. A bool tensor would become int64 (bool · 1), so it is refused.
 */
export function foreachClone(a: Tensor[]): Tensor[] {
  const ha = tensorListArg('foreachClone', 'a', a);
  a.forEach((t, i) => {
    if (t.dtype === 'bool') {
      const msg = `Expected a Tensor of a numeric dtype for 'a[${i}]' in foreachClone() but received a bool Tensor (clone bool tensors one by one with clone())`;
      throw withCode(new RangeError(msg), 'ERR_SDARTS_OUT_OF_RANGE');
    }
  });
  return wrap(call('foreachClone', () => native().foreachMulScalar(ha, 1)));
}
