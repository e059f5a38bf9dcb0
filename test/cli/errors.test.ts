/** reportError(): the exit code follows the class of the error's catalogued code; anything else is internal. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REPORT_HINT, reportError } from '../../src/cli/errors.js';
import { SdartsError, typeError, withCode } from '../../src/util/errors.js';

let stderr: string;
beforeEach(() => {
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('reportError', () => {
  it('a usage error exits 2 with its message only', () => {
    expect(reportError(new SdartsError('ERR_SDARTS_CONFIG', 'give exactly one of --hash H or --spec JSON'))).toBe(2);
    expect(stderr).toBe('sdarts: give exactly one of --hash H or --spec JSON\n');
  });

  it('a coded TypeError (bad argument) is usage: exit 2', () => {
    expect(reportError(typeError('f', 'x', 'a number', 'a'))).toBe(2);
    expect(stderr).not.toContain(REPORT_HINT);
  });

  it('a data error exits 2, without the report hint', () => {
    expect(reportError(new SdartsError('ERR_SDARTS_DATA_MISSING', 'Dataset file not found: x'))).toBe(2);
    expect(stderr).toBe('sdarts: Dataset file not found: x\n');
  });

  it('an error coded by the native addon is classed by its code', () => {
    expect(reportError(withCode(new RangeError('add(): bad arg'), 'ERR_SDARTS_NATIVE_ARG'))).toBe(2);
    expect(reportError(withCode(new Error('mm(): shapes cannot be multiplied'), 'ERR_SDARTS_TORCH'))).toBe(2);
    expect(stderr).not.toContain(REPORT_HINT);
  });

  it('a plain TypeError (a bug) is internal: exit 1, message and a line asking to report it, no stack', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'shape')");
    expect(reportError(bug)).toBe(1);
    expect(stderr).toContain("sdarts: Cannot read properties of undefined (reading 'shape')\n");
    expect(stderr).toContain(`sdarts: ${REPORT_HINT} Rerun with SDARTS_DEBUG=1`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('an uncatalogued code, a RangeError without code and a non-Error are internal too', () => {
    expect(reportError(Object.assign(new Error('x'), { code: 'ERR_SDARTS_NOT_IN_THE_CATALOGUE' }))).toBe(1);
    expect(reportError(new RangeError('ModuleList index 3 out of range (length 2)'))).toBe(1);
    expect(reportError('thrown string')).toBe(1);
    expect(stderr).toContain('sdarts: thrown string\n');
  });

  it('a failed system call exits 1 without the report hint', () => {
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    expect(reportError(err)).toBe(1);
    expect(stderr).toBe('sdarts: ENOSPC: no space left on device, write\n');
  });

  it('SDARTS_DEBUG=1 prints the stack', () => {
    vi.stubEnv('SDARTS_DEBUG', '1');
    expect(reportError(new TypeError('boom'))).toBe(1);
    expect(stderr).toMatch(/TypeError: boom\n\s+at /);
    expect(stderr).not.toContain('Rerun with SDARTS_DEBUG=1');
    stderr = '';
    expect(reportError(new SdartsError('ERR_SDARTS_CONFIG', 'bad'))).toBe(2);
    expect(stderr).toMatch(/^sdarts: bad\nSdartsError: bad\n\s+at /);
  });
});
