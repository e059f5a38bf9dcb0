/** writeFileAtomic: the new content or the old, never a part; no temp file left behind when the rename fails. */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/util/atomic-write.js';

const dir = mkdtempSync(join(tmpdir(), 'sdarts-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces a file with the complete new content and leaves only the target', () => {
    const path = join(dir, 'a.json');
    writeFileSync(path, 'old');
    writeFileAtomic(path, 'new content');
    expect(readFileSync(path, 'utf8')).toBe('new content');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('when the target cannot be replaced (a non-empty directory), throws and leaves no temp file', () => {
    const sub = join(dir, 'taken');
    mkdirSync(sub);
    writeFileSync(join(sub, 'inside'), 'x');
    expect(() => writeFileAtomic(sub, 'data')).toThrow();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(sub)).toEqual(['inside']);
  });
});
