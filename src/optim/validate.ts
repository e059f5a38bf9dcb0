/**
 * Argument checks shared by the optimizers, schedules and clipping. Each returns the checked value
 * so a hyperparameter table can both validate and normalise; messages follow util/errors.ts
 * ("Expected … for 'arg' in fn() but received …").
 */
import { Tensor, isFloating } from '../tensor/index.js';
import { SdartsError, describe, rangeError, typeError } from '../util/errors.js';

export type Check<V> = (fn: string, arg: string, value: unknown) => V;

export const finite: Check<number> = (fn, arg, v) => {
  if (typeof v !== 'number') throw typeError(fn, arg, 'a finite number', v);
  if (!Number.isFinite(v)) throw rangeError(fn, arg, 'a finite number', v);
  return v;
};

export const nonNegative: Check<number> = (fn, arg, v) => {
  if (typeof v !== 'number') throw typeError(fn, arg, 'a non-negative finite number', v);
  if (!Number.isFinite(v) || v < 0) throw rangeError(fn, arg, 'a non-negative finite number', v);
  return v;
};

export const positive: Check<number> = (fn, arg, v) => {
  if (typeof v !== 'number') throw typeError(fn, arg, 'a positive finite number', v);
  if (!Number.isFinite(v) || v <= 0) throw rangeError(fn, arg, 'a positive finite number', v);
  return v;
};

/** A coefficient in [0, 1), e.g. one of Adam's betas (beta = 1 would freeze the moving average). */
export const unitInterval: Check<number> = (fn, arg, v) => {
  if (typeof v !== 'number') throw typeError(fn, arg, 'a number in [0, 1)', v);
  if (!(v >= 0 && v < 1)) throw rangeError(fn, arg, 'a number in [0, 1)', v);
  return v;
};

export const bool: Check<boolean> = (fn, arg, v) => {
  if (typeof v !== 'boolean') throw typeError(fn, arg, 'a boolean', v);
  return v;
};

/** Adam's (beta1, beta2): a pair of numbers in [0, 1). Returns a fresh array (groups must not share it). */
export const betaPair: Check<[number, number]> = (fn, arg, v) => {
  if (!Array.isArray(v) || v.length !== 2) throw typeError(fn, arg, 'an array [beta1, beta2] of two numbers in [0, 1)', v);
  return [unitInterval(fn, `${arg}[0]`, v[0]), unitInterval(fn, `${arg}[1]`, v[1])];
};

/** A parameter an optimizer may update in place: a live, floating-point leaf tensor. */
export function paramTensor(fn: string, arg: string, v: unknown): Tensor {
  if (!(v instanceof Tensor)) throw typeError(fn, arg, 'a Tensor', v);
  if (v.isDisposed) {
    throw new SdartsError(
      'ERR_SDARTS_OPTIM_DISPOSED_PARAM',
      `${fn}(): '${arg}' is a disposed tensor. Pass the model's live parameters (keep() them, or create them outside tidy()).`,
    );
  }
  if (!isFloating(v.dtype)) {
    const err = typeError(fn, arg, 'a floating-point Tensor', v);
    err.message = `Expected a floating-point Tensor for '${arg}' in ${fn}() but received a Tensor of dtype ${v.dtype}`;
    throw err;
  }
  if (!v.isLeaf) {
    throw new SdartsError(
      'ERR_SDARTS_OPTIM_NON_LEAF',
      `${fn}(): '${arg}' is not a leaf tensor (it was computed from other tensors), so it cannot be optimized. Pass the parameter itself, or detach() it and set requiresGrad.`,
    );
  }
  return v;
}

/** A plain object (an options bag or a state dict); `undefined` becomes `{}` when allowed. */
export function plainObject(fn: string, arg: string, v: unknown, allowUndefined = false): Record<string, unknown> {
  if (v === undefined && allowUndefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor) throw typeError(fn, arg, 'a plain object', v);
  return v as Record<string, unknown>;
}

/** Names a value for messages where `describe` is too terse (tensor shapes). */
export function describeValue(v: unknown): string {
  return v instanceof Tensor && !v.isDisposed ? `Tensor of shape [${v.shape.join(', ')}] (${v.dtype})` : describe(v);
}
