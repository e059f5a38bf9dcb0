/**
 * The one error handler: a clear message and an exit code, never a stack trace (unless SDARTS_DEBUG=1).
 * The exit code comes from the class of the error's code in the catalogue (src/util/error-codes.ts):
 * usage and data errors exit 2, internal ones 1. An error without a catalogued code (a TypeError from
 * a bug, anything unforeseen) is internal too.
 */
import { errorClass, EXIT_CODES, isErrorCode } from '../util/error-codes.js';

/** The line after an internal error's message. */
export const REPORT_HINT = 'This is a bug in sdarts (or LibTorch); please report it, with the command you ran.';

export function reportError(err: unknown): number {
  const e = err as (Error & { code?: unknown }) | null | undefined;
  const code = e?.code;
  const cls = isErrorCode(code) ? errorClass(code) : systemError(err) ? null : 'internal';
  process.stderr.write(`sdarts: ${e?.message ?? String(err)}\n`);
  const debug = process.env['SDARTS_DEBUG'] === '1';
  if (cls === 'internal') process.stderr.write(`sdarts: ${REPORT_HINT}${debug ? '' : ' Rerun with SDARTS_DEBUG=1 to print the stack trace.'}\n`);
  if (debug && e?.stack) process.stderr.write(e.stack + '\n');
  return cls === null ? 1 : EXIT_CODES[cls];
}

/**
 * A failed system call (ENOSPC, EACCES, …): no sdarts code, exit 1 as any uncatalogued error, but
 * it is the machine's trouble, not a bug, so no "report it" line.
 */
function systemError(err: unknown): boolean {
  const e = err as { code?: unknown; syscall?: unknown } | null | undefined;
  return typeof e?.syscall === 'string' && typeof e.code === 'string';
}
