/** The one error handler: a clear message and an exit code, never a stack trace (unless SDARTS_DEBUG=1). */
import { SdartsError } from '../util/errors.js';

export function reportError(err: unknown): number {
  const e = err as Error & { code?: string };
  const debug = process.env['SDARTS_DEBUG'] === '1';
  const userError =
    err instanceof SdartsError || err instanceof TypeError || err instanceof RangeError || (typeof e?.code === 'string' && e.code.startsWith('ERR_SDARTS'));
  process.stderr.write(`sdarts: ${e?.message ?? String(err)}\n`);
  if (debug && e?.stack) process.stderr.write(e.stack + '\n');
  return userError ? 2 : 1;
}
