/**
 * Argument checks run in TS before anything crosses into the addon. Messages name the function,
 * the argument, what was expected and what came (house style: sharp's).
 */
import { Tensor } from './tensor.js';
import { SdartsError, rangeError, typeError } from '../util/errors.js';

export function tensorArg(fn: string, arg: string, v: unknown): number {
  if (!(v instanceof Tensor)) throw typeError(fn, arg, 'a Tensor', v);
  if (v._h < 0) {
    throw new SdartsError(
      'ERR_SDARTS_TENSOR_DISPOSED',
      `Tensor '${arg}' passed to ${fn}() was disposed (by dispose() or at the end of a tidy() scope). Keep it with keep(t) or return it from tidy().`,
    );
  }
  return v._h;
}

export function optTensorArg(fn: string, arg: string, v: unknown): number | null {
  return v === undefined || v === null ? null : tensorArg(fn, arg, v);
}

export function tensorListArg(fn: string, arg: string, v: unknown, minLength = 1): number[] {
  if (!Array.isArray(v)) throw typeError(fn, arg, 'an array of Tensors', v);
  if (v.length < minLength) throw rangeError(fn, arg, `at least ${minLength} tensor(s)`, v);
  return v.map((t, i) => tensorArg(fn, `${arg}[${i}]`, t));
}

export function numberArg(fn: string, arg: string, v: unknown): number {
  if (typeof v !== 'number') throw typeError(fn, arg, 'a number', v);
  return v;
}

export function finiteArg(fn: string, arg: string, v: unknown): number {
  if (typeof v !== 'number') throw typeError(fn, arg, 'a finite number', v);
  if (!Number.isFinite(v)) throw rangeError(fn, arg, 'a finite number', v);
  return v;
}

export function scalarArg(fn: string, arg: string, v: unknown): number | boolean {
  if (typeof v !== 'number' && typeof v !== 'boolean') throw typeError(fn, arg, 'a number or boolean', v);
  return v;
}

export function intArg(fn: string, arg: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number') throw typeError(fn, arg, 'an integer', v);
  if (!Number.isInteger(v)) throw rangeError(fn, arg, 'an integer', v);
  if (v < min || v > max) throw rangeError(fn, arg, `an integer in [${min}, ${max}]`, v);
  return v;
}

/** An options object: undefined (the defaults) or an object; null and primitives are refused. */
export function optionsArg(fn: string, v: unknown, arg = 'options'): void {
  if (v !== undefined && (v === null || typeof v !== 'object')) throw typeError(fn, arg, 'an options object', v);
}

export function boolArg(fn: string, arg: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw typeError(fn, arg, 'a boolean', v);
  return v;
}

export function probArg(fn: string, arg: string, v: unknown): number {
  if (typeof v !== 'number') throw typeError(fn, arg, 'a probability in [0, 1]', v);
  if (!(v >= 0 && v <= 1)) throw rangeError(fn, arg, 'a probability in [0, 1]', v);
  return v;
}

/** A dim for a tensor of `ndim` dims: integer in [-ndim, ndim-1] (a 0-d tensor accepts -1 and 0). */
export function dimArg(fn: string, arg: string, v: unknown, ndim: number): number {
  if (typeof v !== 'number') throw typeError(fn, arg, 'an integer dim', v);
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(v) || v < -n || v >= n) throw rangeError(fn, arg, `a dim in [${-n}, ${n - 1}]`, v);
  return v;
}

export function dimsArg(fn: string, arg: string, v: unknown, ndim: number): number[] {
  if (typeof v === 'number') return [dimArg(fn, arg, v, ndim)];
  if (!Array.isArray(v)) throw typeError(fn, arg, 'a dim or an array of dims', v);
  return v.map((d, i) => dimArg(fn, `${arg}[${i}]`, d, ndim));
}

/** A shape: array of integers >= 0 (or -1 once, for view/reshape when allowInfer). */
export function shapeArg(fn: string, arg: string, v: unknown, allowInfer = false): number[] {
  if (!Array.isArray(v)) throw typeError(fn, arg, 'an array of non-negative integers', v);
  let inferred = 0;
  for (let i = 0; i < v.length; i++) {
    const s = v[i];
    if (typeof s !== 'number') throw typeError(fn, `${arg}[${i}]`, 'a non-negative integer', s);
    if (allowInfer && s === -1 && inferred++ === 0) continue;
    if (!Number.isInteger(s) || s < 0 || s > 2 ** 40)
      throw rangeError(fn, `${arg}[${i}]`, allowInfer ? 'a non-negative integer (or a single -1)' : 'a non-negative integer', s);
  }
  return v as number[];
}

/** An int or a pair for 2-d ops (kernel, stride, padding, dilation). */
export function pairArg(fn: string, arg: string, v: unknown, min: number): number[] {
  if (typeof v === 'number') return [intArg(fn, arg, v, min), v];
  if (!Array.isArray(v) || v.length !== 2) throw typeError(fn, arg, `an integer >= ${min} or a pair of them`, v);
  return [intArg(fn, `${arg}[0]`, v[0], min), intArg(fn, `${arg}[1]`, v[1], min)];
}

/**
 * Generic native dispatchers (binary, unary, ...) report their own name; re-label the error with the
 * API function the user called.
 */
export function relabel(err: unknown, api: string): never {
  if (err instanceof Error) {
    const m = /^[A-Za-z_0-9]+\(\): /.exec(err.message);
    if (m) err.message = `${api}(): ${err.message.slice(m[0].length)}`;
  }
  throw err;
}
