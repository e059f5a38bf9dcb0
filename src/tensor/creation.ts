/** Creating tensors: from JS data, constant fills, ranges, random draws. */
import { native } from './native.js';
import { Tensor, type NestedArray, type TypedArray } from './tensor.js';
import { BYTES_PER_ELEMENT, dtypeCode, type DType } from './dtype.js';
import { deviceCode, type Device } from './device.js';
import { finiteArg, intArg, scalarArg, shapeArg, tensorListArg, tensorArg, dimArg } from './check.js';
import { rangeError, typeError, withCode } from '../util/errors.js';

export interface CreateOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

// An option left out (undefined) takes its default; null is not "left out" (PyTorch's dtype=None
// means the default, but sdarts' options are typed without null: it is refused, not guessed at).
function opts(fn: string, o: CreateOptions | undefined, defaultDtype: DType = 'float32'): [number, number] {
  if (o !== undefined && (o === null || typeof o !== 'object')) throw typeError(fn, 'options', 'an options object', o);
  if (o?.requiresGrad !== undefined && typeof o.requiresGrad !== 'boolean') throw typeError(fn, 'options.requiresGrad', 'a boolean', o.requiresGrad);
  return [
    dtypeCode(fn, o?.dtype === undefined ? defaultDtype : o.dtype, 'options.dtype'),
    deviceCode(fn, o?.device === undefined ? 'cpu' : o.device, 'options.device'),
  ];
}

function finish(t: Tensor, o: CreateOptions | undefined): Tensor {
  if (o?.requiresGrad) t.requiresGrad = true;
  return t;
}

/** The deepest nesting tensor() reads (PyTorch's limit for nested sequences is 128 dims too). */
const MAX_NESTING = 128;

function inferShape(fn: string, data: NestedArray, shape: number[] = []): number[] {
  if (Array.isArray(data)) {
    if (shape.length === MAX_NESTING) {
      throw withCode(
        new RangeError(`Expected nested arrays at most ${MAX_NESTING} deep for 'data' in ${fn}() but received deeper ones`),
        'ERR_SDARTS_OUT_OF_RANGE',
      );
    }
    shape.push(data.length);
    if (data.length > 0) inferShape(fn, data[0]!, shape);
  } else if (typeof data !== 'number' && typeof data !== 'boolean') {
    throw typeError(fn, 'data', 'nested arrays of numbers or booleans', data);
  }
  return shape;
}

function flatten(fn: string, data: NestedArray, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof data === 'boolean') out.push(data ? 1 : 0);
    else if (typeof data === 'number') out.push(data);
    else throw rangeError(fn, 'data', `a scalar at depth ${dim} (ragged nested array)`, data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw rangeError(fn, 'data', `an array of length ${shape[dim]} at depth ${dim} (nested arrays must be rectangular)`, data);
  }
  for (const x of data) flatten(fn, x, shape, dim + 1, out);
}

const TYPED_DTYPE: [new (...a: never[]) => TypedArray, DType][] = [
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Int32Array, 'int32'],
  [BigInt64Array, 'int64'],
  [Uint8Array, 'uint8'],
];

function fromTyped(fn: string, data: TypedArray, shape: number[], dtype: DType, device: number): Tensor {
  const own = TYPED_DTYPE.find(([C]) => data instanceof C)![1];
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel !== data.length) throw rangeError(fn, 'shape', `a shape with ${data.length} elements (the data's length)`, `[${shape.join(', ')}]`);
  const needsCast = own !== dtype;
  const t = new Tensor(native().fromData(data, shape, dtypeCode(fn, own), needsCast ? -1 : device));
  if (!needsCast) return t;
  try {
    return new Tensor(native().to(t.h, device, dtypeCode(fn, dtype), false));
  } finally {
    t.dispose();
  }
}

/**
 * A tensor from a typed array (shape defaults to [length]) or nested arrays (shape inferred).
 * Default dtype: the typed array's own, or float32 for numbers and bool for booleans.
 */
export function tensor(data: TypedArray | NestedArray, options?: CreateOptions & { shape?: number[] }): Tensor {
  const fn = 'tensor';
  const [, dev] = opts(fn, options);
  if (ArrayBuffer.isView(data)) {
    const entry = TYPED_DTYPE.find(([C]) => data instanceof C);
    if (!entry) throw typeError(fn, 'data', 'Float32Array, Float64Array, Int32Array, BigInt64Array or Uint8Array', data);
    const shape = options?.shape !== undefined ? shapeArg(fn, 'options.shape', options.shape) : [data.length];
    const dtype = options?.dtype === undefined ? entry[1] : options.dtype;
    dtypeCode(fn, dtype, 'options.dtype');
    return finish(fromTyped(fn, data as TypedArray, shape, dtype, dev), options);
  }
  const shape = inferShape(fn, data as NestedArray);
  const flat: number[] = [];
  flatten(fn, data as NestedArray, shape, 0, flat);
  const isBool = !Array.isArray(data) ? typeof data === 'boolean' : flat.length > 0 && firstLeaf(data) === 'boolean';
  const dtype = options?.dtype === undefined ? (isBool ? 'bool' : 'float32') : options.dtype;
  dtypeCode(fn, dtype, 'options.dtype');
  const finalShape = options?.shape !== undefined ? shapeArg(fn, 'options.shape', options.shape) : shape;
  const src = dtype === 'float64' || dtype === 'int64' || dtype === 'int32' ? new Float64Array(flat) : new Float32Array(flat);
  return finish(fromTyped(fn, src, finalShape, dtype, dev), options);
}

function firstLeaf(d: NestedArray): string {
  return Array.isArray(d) ? (d.length ? firstLeaf(d[0]!) : 'number') : typeof d;
}

/** A 0-d tensor holding one number. */
export function scalar(value: number, options?: CreateOptions): Tensor {
  return full([], finiteOrNaN('scalar', value), options);
}

function finiteOrNaN(fn: string, v: unknown): number {
  if (typeof v !== 'number') throw typeError(fn, 'value', 'a number', v);
  return v;
}

export function full(shape: number[], value: number | boolean, options?: CreateOptions): Tensor {
  const [dt, dev] = opts('full', options);
  return finish(new Tensor(native().full(shapeArg('full', 'shape', shape), scalarArg('full', 'value', value), dt, dev)), options);
}
export function zeros(shape: number[], options?: CreateOptions): Tensor {
  const [dt, dev] = opts('zeros', options);
  return finish(new Tensor(native().full(shapeArg('zeros', 'shape', shape), 0, dt, dev)), options);
}
export function ones(shape: number[], options?: CreateOptions): Tensor {
  const [dt, dev] = opts('ones', options);
  return finish(new Tensor(native().full(shapeArg('ones', 'shape', shape), 1, dt, dev)), options);
}
export function empty(shape: number[], options?: CreateOptions): Tensor {
  const [dt, dev] = opts('empty', options);
  return finish(new Tensor(native().empty(shapeArg('empty', 'shape', shape), dt, dev)), options);
}
export function zerosLike(t: Tensor, options?: CreateOptions): Tensor {
  tensorArg('zerosLike', 'input', t);
  return zeros(t.shape, { dtype: t.dtype, device: t.device, ...options });
}
export function onesLike(t: Tensor, options?: CreateOptions): Tensor {
  tensorArg('onesLike', 'input', t);
  return ones(t.shape, { dtype: t.dtype, device: t.device, ...options });
}
export function fullLike(t: Tensor, value: number, options?: CreateOptions): Tensor {
  tensorArg('fullLike', 'input', t);
  return full(t.shape, value, { dtype: t.dtype, device: t.device, ...options });
}

/** arange(end) or arange(start, end, step?): int64 when all arguments are integers (as PyTorch). */
export function arange(startOrEnd: number, end?: number, step = 1, options?: CreateOptions): Tensor {
  const s = end === undefined ? 0 : finiteArg('arange', 'start', startOrEnd);
  const e = end === undefined ? finiteArg('arange', 'end', startOrEnd) : finiteArg('arange', 'end', end);
  finiteArg('arange', 'step', step);
  if (step === 0) throw rangeError('arange', 'step', 'a non-zero number', step);
  if ((e - s) / step < 0) throw rangeError('arange', 'end', `a value reachable from start=${s} with step=${step}`, e);
  const allInt = Number.isInteger(s) && Number.isInteger(e) && Number.isInteger(step);
  const [dt, dev] = opts('arange', options, allInt ? 'int64' : 'float32');
  return finish(new Tensor(native().arange(s, e, step, dt, dev)), options);
}
export function linspace(start: number, end: number, steps: number, options?: CreateOptions): Tensor {
  const [dt, dev] = opts('linspace', options);
  return finish(
    new Tensor(native().linspace(finiteArg('linspace', 'start', start), finiteArg('linspace', 'end', end), intArg('linspace', 'steps', steps, 0), dt, dev)),
    options,
  );
}
export function eye(n: number, m?: number, options?: CreateOptions): Tensor {
  const [dt, dev] = opts('eye', options);
  const nn = intArg('eye', 'n', n, 0);
  return finish(new Tensor(native().eye(nn, m === undefined ? nn : intArg('eye', 'm', m, 0), dt, dev)), options);
}
export function rand(shape: number[], options?: CreateOptions): Tensor {
  const [dt, dev] = opts('rand', options);
  return finish(new Tensor(native().rand(shapeArg('rand', 'shape', shape), dt, dev)), options);
}
export function randn(shape: number[], options?: CreateOptions): Tensor {
  const [dt, dev] = opts('randn', options);
  return finish(new Tensor(native().randn(shapeArg('randn', 'shape', shape), dt, dev)), options);
}
/** Integers uniform in [low, high). */
export function randint(low: number, high: number, shape: number[], options?: CreateOptions): Tensor {
  const lo = intArg('randint', 'low', low);
  const hi = intArg('randint', 'high', high);
  if (hi <= lo) throw rangeError('randint', 'high', `an integer > low (${lo})`, high);
  const [dt, dev] = opts('randint', options, 'int64');
  return finish(new Tensor(native().randint(lo, hi, shapeArg('randint', 'shape', shape), dt, dev)), options);
}
export function randperm(n: number, options?: CreateOptions): Tensor {
  const [dt, dev] = opts('randperm', options, 'int64');
  return finish(new Tensor(native().randperm(intArg('randperm', 'n', n, 0), dt, dev)), options);
}
/** One Bernoulli draw per element of the probability tensor `p`. */
export function bernoulli(p: Tensor): Tensor {
  return new Tensor(native().bernoulli(tensorArg('bernoulli', 'input', p)));
}

export function cat(tensors: Tensor[], dim = 0): Tensor {
  const hs = tensorListArg('cat', 'tensors', tensors);
  return new Tensor(native().cat(hs, dimArg('cat', 'dim', dim, tensors[0]!.ndim)));
}
export function stack(tensors: Tensor[], dim = 0): Tensor {
  const hs = tensorListArg('stack', 'tensors', tensors);
  return new Tensor(native().stack(hs, dimArg('stack', 'dim', dim, tensors[0]!.ndim + 1)));
}
/** Elementwise select: `cond ? a : b` (b may be a number). */
export function where(cond: Tensor, a: Tensor, b: Tensor | number): Tensor {
  const c = tensorArg('where', 'condition', cond);
  const x = tensorArg('where', 'input', a);
  if (typeof b === 'number' || typeof b === 'boolean') return new Tensor(native().whereScalar(c, x, b));
  return new Tensor(native().where(c, x, tensorArg('where', 'other', b)));
}
/** addmm(bias, a, b, beta, alpha) = beta·bias + alpha·(a @ b). */
export function addmm(bias: Tensor, a: Tensor, b: Tensor, beta = 1, alpha = 1): Tensor {
  return new Tensor(
    native().addmm(
      tensorArg('addmm', 'input', bias),
      tensorArg('addmm', 'mat1', a),
      tensorArg('addmm', 'mat2', b),
      finiteArg('addmm', 'beta', beta),
      finiteArg('addmm', 'alpha', alpha),
    ),
  );
}

/** Bytes of one element of a dtype. */
export function elementSize(dtype: DType): number {
  dtypeCode('elementSize', dtype);
  return BYTES_PER_ELEMENT[dtype];
}
