/**
 * Tensor methods (PyTorch names in camelCase; in-place ops keep the trailing underscore).
 * Added to Tensor.prototype here so tensor.ts stays about identity and lifetime.
 */
import { native } from './native.js';
import { Tensor, wrapList } from './tensor.js';
import { BINARY_INPLACE, BINARY_OPS, BinaryOp, opCode, UNARY_INPLACE, UNARY_OPS, UnaryOp, type BinaryOpName } from './opcodes.js';
import { dtypeCode, type DType } from './dtype.js';
import { deviceCode, type Device } from './device.js';
import { boolArg, dimArg, dimsArg, finiteArg, intArg, numberArg, optTensorArg, probArg, relabel, scalarArg, shapeArg, tensorArg } from './check.js';
import { rangeError, typeError } from '../util/errors.js';

type Other = Tensor | number | boolean;
type BinaryFn = (other: Other, alpha?: number) => Tensor;
type UnaryFn = () => Tensor;

declare module './tensor.js' {
  interface Tensor {
    add: BinaryFn;
    sub: BinaryFn;
    mul: BinaryFn;
    div: BinaryFn;
    pow: BinaryFn;
    maximum: BinaryFn;
    minimum: BinaryFn;
    eq: BinaryFn;
    ne: BinaryFn;
    lt: BinaryFn;
    le: BinaryFn;
    gt: BinaryFn;
    ge: BinaryFn;
    logicalAnd: BinaryFn;
    logicalOr: BinaryFn;
    remainder: BinaryFn;
    floorDivide: BinaryFn;
    /** other - this (scalar or tensor), PyTorch's torch.rsub. */
    rsub: BinaryFn;
    add_(other: Other, alpha?: number): Tensor;
    sub_(other: Other, alpha?: number): Tensor;
    mul_(other: Other): Tensor;
    div_(other: Other): Tensor;
    pow_(other: Other): Tensor;
    neg: UnaryFn;
    abs: UnaryFn;
    sign: UnaryFn;
    exp: UnaryFn;
    log: UnaryFn;
    sqrt: UnaryFn;
    rsqrt: UnaryFn;
    relu: UnaryFn;
    tanh: UnaryFn;
    sigmoid: UnaryFn;
    floor: UnaryFn;
    ceil: UnaryFn;
    round: UnaryFn;
    reciprocal: UnaryFn;
    square: UnaryFn;
    sin: UnaryFn;
    cos: UnaryFn;
    log1p: UnaryFn;
    expm1: UnaryFn;
    logicalNot: UnaryFn;
    isnan: UnaryFn;
    trunc: UnaryFn;
    log2: UnaryFn;
    isfinite: UnaryFn;
    neg_: UnaryFn;
    abs_: UnaryFn;
    sign_: UnaryFn;
    exp_: UnaryFn;
    log_: UnaryFn;
    sqrt_: UnaryFn;
    rsqrt_: UnaryFn;
    relu_: UnaryFn;
    tanh_: UnaryFn;
    sigmoid_: UnaryFn;
    floor_: UnaryFn;
    ceil_: UnaryFn;
    round_: UnaryFn;
    reciprocal_: UnaryFn;
    square_: UnaryFn;
    sin_: UnaryFn;
    cos_: UnaryFn;
    log1p_: UnaryFn;
    expm1_: UnaryFn;
    trunc_: UnaryFn;
    clamp(min?: number | null, max?: number | null): Tensor;
    clamp_(min?: number | null, max?: number | null): Tensor;
    addcmul_(t1: Tensor, t2: Tensor, value?: number): Tensor;
    addcdiv_(t1: Tensor, t2: Tensor, value?: number): Tensor;
    lerp_(end: Tensor, weight: number): Tensor;
    sum(dim?: number | number[] | null, keepdim?: boolean, dtype?: DType): Tensor;
    mean(dim?: number | number[] | null, keepdim?: boolean): Tensor;
    max(): Tensor;
    max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
    min(): Tensor;
    min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
    argmax(dim?: number | null, keepdim?: boolean): Tensor;
    argmin(dim?: number | null, keepdim?: boolean): Tensor;
    topk(k: number, dim?: number, largest?: boolean, sorted?: boolean): { values: Tensor; indices: Tensor };
    norm(p?: number, dim?: number | number[] | null, keepdim?: boolean): Tensor;
    any(): Tensor;
    all(): Tensor;
    matmul(other: Tensor): Tensor;
    mm(other: Tensor): Tensor;
    bmm(other: Tensor): Tensor;
    view(...shape: number[] | [number[]]): Tensor;
    reshape(...shape: number[] | [number[]]): Tensor;
    permute(...dims: number[] | [number[]]): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    contiguous(): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor;
    select(dim: number, index: number): Tensor;
    squeeze(dim?: number): Tensor;
    unsqueeze(dim: number): Tensor;
    expand(...shape: number[] | [number[]]): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    flip(dims: number | number[]): Tensor;
    repeat(...reps: number[] | [number[]]): Tensor;
    split(sizeOrSections: number | number[], dim?: number): Tensor[];
    chunk(chunks: number, dim?: number): Tensor[];
    indexSelect(dim: number, index: Tensor): Tensor;
    gather(dim: number, index: Tensor): Tensor;
    scatter(dim: number, index: Tensor, src: Tensor | number): Tensor;
    scatter_(dim: number, index: Tensor, src: Tensor): Tensor;
    maskedFill(mask: Tensor, value: number | boolean): Tensor;
    maskedFill_(mask: Tensor, value: number | boolean): Tensor;
    /** Advanced indexing `a[i0, i1, ...]` with integer/boolean index tensors (null = full slice). */
    index(...indices: (Tensor | null)[]): Tensor;
    indexPut_(indices: (Tensor | null)[], values: Tensor, accumulate?: boolean): Tensor;
    clone(): Tensor;
    to(target: Device | DType | { device?: Device; dtype?: DType; copy?: boolean }): Tensor;
    cpu(): Tensor;
    float(): Tensor;
    double(): Tensor;
    long(): Tensor;
    copy_(src: Tensor): Tensor;
    zero_(): Tensor;
    fill_(value: number | boolean): Tensor;
    detach(): Tensor;
    detach_(): Tensor;
    uniform_(from?: number, to?: number): Tensor;
    normal_(mean?: number, std?: number): Tensor;
    bernoulli_(p?: number): Tensor;
    backward(gradient?: Tensor | null, options?: { retainGraph?: boolean; createGraph?: boolean }): void;
  }
}

const P = Tensor.prototype as unknown as Record<string, unknown>;
const N = native;

// Each method reads its op code from the addon's contract (opcodes.ts) on its first call.
function binary(name: BinaryOpName): BinaryFn {
  let code = -1;
  // The addon's argument slots (argSlots() returns the same array to every caller), read on first use.
  let slots: Int32Array = new Int32Array(0);
  return function (this: Tensor, other: Other, alpha = 1): Tensor {
    const a = this.h;
    if (code < 0) {
      code = opCode(BinaryOp, name);
      slots = N().argSlots();
    }
    if (other instanceof Tensor) {
      const b = tensorArg(name, 'other', other);
      try {
        if (alpha !== 1) return new Tensor(N().binary(code, a, b, alpha));
        const n = N();
        slots[0] = code;
        slots[1] = a;
        slots[2] = b;
        return new Tensor(n.binaryFast());
      } catch (e) {
        return relabel(e, name);
      }
    }
    if (typeof other !== 'number' && typeof other !== 'boolean') throw typeError(name, 'other', 'a Tensor, number or boolean', other);
    try {
      return new Tensor(alpha === 1 ? N().binaryScalar1(code, a, other) : N().binaryScalar(code, a, other, alpha));
    } catch (e) {
      return relabel(e, name);
    }
  };
}

for (const name of BINARY_OPS) P[name] = binary(name);
// rsub(other) = other - this; a tensor `other` reduces to other.sub(this).
P['rsub'] = function (this: Tensor, other: Other, alpha = 1): Tensor {
  if (other instanceof Tensor) return new Tensor(N().binary(BinaryOp.sub, tensorArg('rsub', 'other', other), this.h, alpha));
  return new Tensor(N().binaryScalar(BinaryOp.rsub, this.h, scalarArg('rsub', 'other', other), alpha));
};

for (const name of BINARY_INPLACE) {
  let code = -1;
  P[`${name}_`] = function (this: Tensor, other: Other, alpha = 1): Tensor {
    const a = this.h;
    if (code < 0) code = opCode(BinaryOp, name);
    try {
      if (other instanceof Tensor) N().binary_(code, a, tensorArg(`${name}_`, 'other', other), alpha);
      else N().binaryScalar_(code, a, scalarArg(`${name}_`, 'other', other), alpha);
    } catch (e) {
      relabel(e, `${name}_`);
    }
    return this;
  };
}

const INPLACE_UNARY = new Set<string>(UNARY_INPLACE);
for (const name of UNARY_OPS) {
  let code = -1;
  P[name] = function (this: Tensor): Tensor {
    const a = this.h;
    if (code < 0) code = opCode(UnaryOp, name);
    try {
      return new Tensor(N().unary(code, a));
    } catch (e) {
      return relabel(e, name);
    }
  };
  if (INPLACE_UNARY.has(name)) {
    P[`${name}_`] = function (this: Tensor): Tensor {
      const a = this.h;
      if (code < 0) code = opCode(UnaryOp, name);
      try {
        N().unary_(code, a);
      } catch (e) {
        relabel(e, `${name}_`);
      }
      return this;
    };
  }
}

function optNum(fn: string, arg: string, v: unknown): number | null {
  return v === undefined || v === null ? null : numberArg(fn, arg, v);
}

P['clamp'] = function (this: Tensor, min?: number | null, max?: number | null): Tensor {
  return new Tensor(N().clamp(this.h, optNum('clamp', 'min', min), optNum('clamp', 'max', max)));
};
P['clamp_'] = function (this: Tensor, min?: number | null, max?: number | null): Tensor {
  N().clamp_(this.h, optNum('clamp_', 'min', min), optNum('clamp_', 'max', max));
  return this;
};
P['addcmul_'] = function (this: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor {
  N().addcmul_(this.h, tensorArg('addcmul_', 'tensor1', t1), tensorArg('addcmul_', 'tensor2', t2), numberArg('addcmul_', 'value', value));
  return this;
};
P['addcdiv_'] = function (this: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor {
  N().addcdiv_(this.h, tensorArg('addcdiv_', 'tensor1', t1), tensorArg('addcdiv_', 'tensor2', t2), numberArg('addcdiv_', 'value', value));
  return this;
};
P['lerp_'] = function (this: Tensor, end: Tensor, weight: number): Tensor {
  N().lerp_(this.h, tensorArg('lerp_', 'end', end), numberArg('lerp_', 'weight', weight));
  return this;
};

// ---- reductions ----
function optDims(fn: string, t: Tensor, dim: unknown): number[] | null {
  return dim === undefined || dim === null ? null : dimsArg(fn, 'dim', dim, t.ndim);
}
P['sum'] = function (this: Tensor, dim?: number | number[] | null, keepdim = false, dtype?: DType): Tensor {
  return new Tensor(N().sum(this.h, optDims('sum', this, dim), boolArg('sum', 'keepdim', keepdim), dtype === undefined ? null : dtypeCode('sum', dtype)));
};
P['mean'] = function (this: Tensor, dim?: number | number[] | null, keepdim = false): Tensor {
  return new Tensor(N().mean(this.h, optDims('mean', this, dim), boolArg('mean', 'keepdim', keepdim)));
};
for (const [name, all, byDim] of [
  ['max', 'maxAll', 'maxDim'],
  ['min', 'minAll', 'minDim'],
] as const) {
  P[name] = function (this: Tensor, dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    try {
      if (dim === undefined) return new Tensor(N()[all](this.h));
      const [v, i] = wrapList(N()[byDim](this.h, dimArg(name, 'dim', dim, this.ndim), boolArg(name, 'keepdim', keepdim)));
      return { values: v!, indices: i! };
    } catch (e) {
      return relabel(e, name);
    }
  };
}
for (const name of ['argmax', 'argmin'] as const) {
  P[name] = function (this: Tensor, dim?: number | null, keepdim = false): Tensor {
    const d = dim === undefined || dim === null ? null : dimArg(name, 'dim', dim, this.ndim);
    return new Tensor(N()[name](this.h, d, boolArg(name, 'keepdim', keepdim)));
  };
}
P['topk'] = function (this: Tensor, k: number, dim = -1, largest = true, sorted = true) {
  const d = dimArg('topk', 'dim', dim, this.ndim);
  intArg('topk', 'k', k, 0, this.ndim === 0 ? 1 : this.size(d));
  const [v, i] = wrapList(N().topk(this.h, k, d, boolArg('topk', 'largest', largest), boolArg('topk', 'sorted', sorted)));
  return { values: v!, indices: i! };
};
P['norm'] = function (this: Tensor, p = 2, dim?: number | number[] | null, keepdim = false): Tensor {
  return new Tensor(N().norm(this.h, numberArg('norm', 'p', p), optDims('norm', this, dim), boolArg('norm', 'keepdim', keepdim)));
};
P['any'] = function (this: Tensor): Tensor {
  return new Tensor(N().any(this.h));
};
P['all'] = function (this: Tensor): Tensor {
  return new Tensor(N().all(this.h));
};
for (const name of ['matmul', 'mm', 'bmm'] as const) {
  P[name] = function (this: Tensor, other: Tensor): Tensor {
    return new Tensor(N()[name](this.h, tensorArg(name, 'other', other)));
  };
}

// ---- shapes ----
function varShape(fn: string, args: unknown[], allowInfer: boolean): number[] {
  const v = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  return shapeArg(fn, 'shape', v, allowInfer);
}
P['view'] = function (this: Tensor, ...s: unknown[]): Tensor {
  return new Tensor(N().view(this.h, varShape('view', s, true)));
};
P['reshape'] = function (this: Tensor, ...s: unknown[]): Tensor {
  return new Tensor(N().reshape(this.h, varShape('reshape', s, true)));
};
P['expand'] = function (this: Tensor, ...s: unknown[]): Tensor {
  const v = (s.length === 1 && Array.isArray(s[0]) ? s[0] : s) as unknown[];
  v.forEach((x, i) => intArg('expand', `shape[${i}]`, x, -1));
  return new Tensor(N().expand(this.h, v as number[]));
};
P['repeat'] = function (this: Tensor, ...s: unknown[]): Tensor {
  return new Tensor(N().repeat(this.h, varShape('repeat', s, false)));
};
P['permute'] = function (this: Tensor, ...d: unknown[]): Tensor {
  const dims = (d.length === 1 && Array.isArray(d[0]) ? d[0] : d) as unknown[];
  return new Tensor(
    N().permute(
      this.h,
      dims.map((x, i) => dimArg('permute', `dims[${i}]`, x, this.ndim)),
    ),
  );
};
P['transpose'] = function (this: Tensor, d0: number, d1: number): Tensor {
  return new Tensor(N().transpose(this.h, dimArg('transpose', 'dim0', d0, this.ndim), dimArg('transpose', 'dim1', d1, this.ndim)));
};
P['contiguous'] = function (this: Tensor): Tensor {
  return new Tensor(N().contiguous(this.h));
};
P['narrow'] = function (this: Tensor, dim: number, start: number, length: number): Tensor {
  return new Tensor(N().narrow(this.h, dimArg('narrow', 'dim', dim, this.ndim), intArg('narrow', 'start', start), intArg('narrow', 'length', length, 0)));
};
P['slice'] = function (this: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  const s = start === undefined || start === null ? null : intArg('slice', 'start', start);
  const e = end === undefined || end === null ? null : intArg('slice', 'end', end);
  return new Tensor(N().slice(this.h, dimArg('slice', 'dim', dim, this.ndim), s, e, intArg('slice', 'step', step, 1)));
};
P['select'] = function (this: Tensor, dim: number, index: number): Tensor {
  return new Tensor(N().select(this.h, dimArg('select', 'dim', dim, this.ndim), intArg('select', 'index', index)));
};
P['squeeze'] = function (this: Tensor, dim?: number): Tensor {
  return new Tensor(N().squeeze(this.h, dim === undefined ? null : dimArg('squeeze', 'dim', dim, this.ndim)));
};
P['unsqueeze'] = function (this: Tensor, dim: number): Tensor {
  return new Tensor(N().unsqueeze(this.h, dimArg('unsqueeze', 'dim', dim, this.ndim + 1)));
};
P['flatten'] = function (this: Tensor, startDim = 0, endDim = -1): Tensor {
  return new Tensor(N().flatten(this.h, dimArg('flatten', 'startDim', startDim, this.ndim), dimArg('flatten', 'endDim', endDim, this.ndim)));
};
P['flip'] = function (this: Tensor, dims: number | number[]): Tensor {
  return new Tensor(N().flip(this.h, dimsArg('flip', 'dims', dims, this.ndim)));
};
P['split'] = function (this: Tensor, size: number | number[], dim = 0): Tensor[] {
  const d = dimArg('split', 'dim', dim, this.ndim);
  const s = Array.isArray(size) ? shapeArg('split', 'splitSizes', size) : intArg('split', 'splitSize', size, 1);
  return wrapList(N().split(this.h, s, d));
};
P['chunk'] = function (this: Tensor, chunks: number, dim = 0): Tensor[] {
  return wrapList(N().chunk(this.h, intArg('chunk', 'chunks', chunks, 1), dimArg('chunk', 'dim', dim, this.ndim)));
};
P['indexSelect'] = function (this: Tensor, dim: number, index: Tensor): Tensor {
  return new Tensor(N().indexSelect(this.h, dimArg('indexSelect', 'dim', dim, this.ndim), tensorArg('indexSelect', 'index', index)));
};
P['gather'] = function (this: Tensor, dim: number, index: Tensor): Tensor {
  return new Tensor(N().gather(this.h, dimArg('gather', 'dim', dim, this.ndim), tensorArg('gather', 'index', index)));
};
P['scatter'] = function (this: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  const d = dimArg('scatter', 'dim', dim, this.ndim);
  const i = tensorArg('scatter', 'index', index);
  if (typeof src === 'number') return new Tensor(N().scatterValue(this.h, d, i, src));
  return new Tensor(N().scatter(this.h, d, i, tensorArg('scatter', 'src', src)));
};
P['scatter_'] = function (this: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  N().scatter_(this.h, dimArg('scatter_', 'dim', dim, this.ndim), tensorArg('scatter_', 'index', index), tensorArg('scatter_', 'src', src));
  return this;
};
P['maskedFill'] = function (this: Tensor, mask: Tensor, value: number | boolean): Tensor {
  return new Tensor(N().maskedFill(this.h, tensorArg('maskedFill', 'mask', mask), scalarArg('maskedFill', 'value', value)));
};
P['maskedFill_'] = function (this: Tensor, mask: Tensor, value: number | boolean): Tensor {
  N().maskedFill_(this.h, tensorArg('maskedFill_', 'mask', mask), scalarArg('maskedFill_', 'value', value));
  return this;
};
P['index'] = function (this: Tensor, ...indices: (Tensor | null)[]): Tensor {
  return new Tensor(
    N().index(
      this.h,
      indices.map((t, k) => optTensorArg('index', `indices[${k}]`, t)),
    ),
  );
};
P['indexPut_'] = function (this: Tensor, indices: (Tensor | null)[], values: Tensor, accumulate = false): Tensor {
  if (!Array.isArray(indices)) throw typeError('indexPut_', 'indices', 'an array of Tensors or null', indices);
  N().indexPut_(
    this.h,
    indices.map((t, k) => optTensorArg('indexPut_', `indices[${k}]`, t)),
    tensorArg('indexPut_', 'values', values),
    boolArg('indexPut_', 'accumulate', accumulate),
  );
  return this;
};

// ---- copies and conversions ----
P['clone'] = function (this: Tensor): Tensor {
  return new Tensor(N().clone(this.h));
};
P['to'] = function (this: Tensor, target: unknown): Tensor {
  let device: unknown = this.device,
    dtype: unknown = this.dtype,
    copy = false;
  if (typeof target === 'string') {
    if (target === 'cpu' || target.startsWith('cuda')) device = target;
    else dtype = target;
  } else if (target !== null && typeof target === 'object') {
    const o = target as { device?: unknown; dtype?: unknown; copy?: unknown };
    if (o.device !== undefined) device = o.device;
    if (o.dtype !== undefined) dtype = o.dtype;
    if (o.copy !== undefined) copy = boolArg('to', 'copy', o.copy);
  } else {
    throw typeError('to', 'target', 'a device, a dtype or { device, dtype, copy }', target);
  }
  return new Tensor(N().to(this.h, deviceCode('to', device), dtypeCode('to', dtype), copy));
};
P['cpu'] = function (this: Tensor): Tensor {
  return this.to('cpu');
};
P['float'] = function (this: Tensor): Tensor {
  return this.to('float32');
};
P['double'] = function (this: Tensor): Tensor {
  return this.to('float64');
};
P['long'] = function (this: Tensor): Tensor {
  return this.to('int64');
};
P['copy_'] = function (this: Tensor, src: Tensor): Tensor {
  N().copy_(this.h, tensorArg('copy_', 'src', src));
  return this;
};
P['zero_'] = function (this: Tensor): Tensor {
  N().zero_(this.h);
  return this;
};
P['fill_'] = function (this: Tensor, v: number | boolean): Tensor {
  N().fill_(this.h, scalarArg('fill_', 'value', v));
  return this;
};
P['detach'] = function (this: Tensor): Tensor {
  return new Tensor(N().detach(this.h));
};
P['detach_'] = function (this: Tensor): Tensor {
  N().detach_(this.h);
  return this;
};
P['uniform_'] = function (this: Tensor, from = 0, to = 1): Tensor {
  N().uniform_(this.h, finiteArg('uniform_', 'from', from), finiteArg('uniform_', 'to', to));
  return this;
};
P['normal_'] = function (this: Tensor, mean = 0, std = 1): Tensor {
  const s = finiteArg('normal_', 'std', std);
  if (s < 0) throw rangeError('normal_', 'std', 'a non-negative number', s);
  N().normal_(this.h, finiteArg('normal_', 'mean', mean), s);
  return this;
};
P['bernoulli_'] = function (this: Tensor, p = 0.5): Tensor {
  N().bernoulliScalar_(this.h, probArg('bernoulli_', 'p', p));
  return this;
};
P['backward'] = function (this: Tensor, gradient?: Tensor | null, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
  if (options === null || typeof options !== 'object') throw typeError('backward', 'options', 'an options object { retainGraph, createGraph }', options);
  const create = boolArg('backward', 'options.createGraph', options.createGraph ?? false);
  N().backward(this.h, optTensorArg('backward', 'gradient', gradient), boolArg('backward', 'options.retainGraph', options.retainGraph ?? create), create);
};
