import type { ErrorCode } from './error-codes.js';

/**
 * One error type for the whole library. `code` follows Node's convention
 * (`ERR_SDARTS_<AREA>_<WHAT>`), so callers can branch on it without parsing messages; only codes
 * declared in the catalogue (./error-codes.ts) compile.
 */
export class SdartsError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SdartsError';
    this.code = code;
  }
}

/** Describe a received value for an error message: `-1 (number)`, `"abc" (string)`, `Tensor`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `${JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value)} (string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${String(value)} (${typeof value})`;
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'function') return 'function';
  const name = (value as object).constructor?.name;
  return name ? `${name} object` : 'object';
}

/** Give a built-in error (a TypeError, a RangeError) a catalogued code, for callers that branch on `err.code`. */
export function withCode<E extends Error>(err: E, code: ErrorCode): E & { code: ErrorCode } {
  return Object.assign(err, { code });
}

/** A TypeError with a code, naming the function and argument. */
export function typeError(fn: string, arg: string, expected: string, got: unknown): TypeError & { code: ErrorCode } {
  return withCode(new TypeError(`Expected ${expected} for '${arg}' in ${fn}() but received ${describe(got)}`), 'ERR_SDARTS_INVALID_ARG_TYPE');
}

/** A RangeError with a code, naming the function and argument. */
export function rangeError(fn: string, arg: string, expected: string, got: unknown): RangeError & { code: ErrorCode } {
  return withCode(new RangeError(`Expected ${expected} for '${arg}' in ${fn}() but received ${describe(got)}`), 'ERR_SDARTS_OUT_OF_RANGE');
}

/** A RangeError naming a received tensor's shape (rangeError() would describe the tensor only as an object). */
export function shapeError(fn: string, arg: string, expected: string, shape: readonly number[]): RangeError & { code: ErrorCode } {
  return withCode(
    new RangeError(`Expected ${expected} for '${arg}' in ${fn}() but received a Tensor of shape [${shape.join(', ')}]`),
    'ERR_SDARTS_OUT_OF_RANGE',
  );
}
