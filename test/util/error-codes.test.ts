/**
 * The error catalogue is complete and has nothing extra: every ERR_SDARTS_* code that src/ or the
 * C++ addon (native/*.cc, *.h) mentions is declared in src/util/error-codes.ts, and every declared
 * code is used somewhere outside it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, EXIT_CODES, errorClass, isErrorCode } from '../../src/util/error-codes.js';

const ROOT = join(__dirname, '..', '..');
const CATALOGUE = join(ROOT, 'src', 'util', 'error-codes.ts');
const CODE = /ERR_SDARTS_[A-Z0-9_]+/g;

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && keep(d.name))
    .map((d) => join(d.parentPath, d.name));
}

/** Code mentioned in each file, comments left out (a code named only in a comment is not used). */
function codesIn(files: string[]): Map<string, string[]> {
  const where = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const c of new Set(text.match(CODE) ?? [])) where.set(c, [...(where.get(c) ?? []), relative(ROOT, f)]);
  }
  return where;
}

const srcFiles = filesUnder(join(ROOT, 'src'), (n) => n.endsWith('.ts')).filter((f) => f !== CATALOGUE);
const nativeFiles = filesUnder(join(ROOT, 'native'), (n) => n.endsWith('.cc') || n.endsWith('.h'));
const catalogued = Object.keys(ERROR_CODES);

describe('error catalogue', () => {
  it('declares every code used in src/ and native/', () => {
    const used = codesIn([...srcFiles, ...nativeFiles]);
    const missing = [...used].filter(([c]) => !isErrorCode(c)).map(([c, files]) => `${c} (${files.join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('covers the codes the C++ addon raises', () => {
    const native = [...codesIn(nativeFiles).keys()].sort();
    expect(native).toEqual(['ERR_SDARTS_NATIVE_ARG', 'ERR_SDARTS_OUT_OF_MEMORY', 'ERR_SDARTS_TORCH']);
    for (const c of native) expect(isErrorCode(c)).toBe(true);
  });

  it('has no unused codes', () => {
    const used = codesIn([...srcFiles, ...nativeFiles]);
    expect(catalogued.filter((c) => !used.has(c))).toEqual([]);
  });

  it('gives every code a class with an exit code and a one-line meaning', () => {
    for (const c of catalogued) {
      const info = ERROR_CODES[c as keyof typeof ERROR_CODES];
      expect(Object.keys(EXIT_CODES)).toContain(info.class);
      expect(info.meaning).toMatch(/^[^\n]{10,100}$/);
    }
    expect(EXIT_CODES).toEqual({ usage: 2, data: 2, internal: 1 });
    expect(errorClass('ERR_SDARTS_CONFIG')).toBe('usage');
    expect(errorClass('ERR_SDARTS_DATA_MISSING')).toBe('data');
    expect(errorClass('ERR_SDARTS_TORCH')).toBe('usage');
    expect(isErrorCode('ERR_SDARTS_NOPE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
  });
});
