/**
 * One error type for the whole library. `code` follows Node's convention
 * (`ERR_SDARTS_<AREA>_<WHAT>`), so callers can branch on it without parsing messages.
 */
export class SdartsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
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

/** A TypeError with a code, naming the function and argument. */
export function typeError(fn: string, arg: string, expected: string, got: unknown): TypeError & { code: string } {
  const err = new TypeError(`Expected ${expected} for '${arg}' in ${fn}() but received ${describe(got)}`) as TypeError & { code: string };
  err.code = 'ERR_SDARTS_INVALID_ARG_TYPE';
  return err;
}

/** A RangeError with a code, naming the function and argument. */
export function rangeError(fn: string, arg: string, expected: string, got: unknown): RangeError & { code: string } {
  const err = new RangeError(`Expected ${expected} for '${arg}' in ${fn}() but received ${describe(got)}`) as RangeError & { code: string };
  err.code = 'ERR_SDARTS_OUT_OF_RANGE';
  return err;
}
