/** Assert that `fn` throws an error of class `cls` with `code` and exactly `message` (or matching a RegExp). */
import { expect } from 'vitest';

export function expectError(fn: () => unknown, cls: new (...a: never[]) => Error, code: string, message: string | RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'should throw').toBeInstanceOf(cls);
  expect((err as { code?: string }).code).toBe(code);
  if (typeof message === 'string') expect((err as Error).message).toBe(message);
  else expect((err as Error).message).toMatch(message);
}
