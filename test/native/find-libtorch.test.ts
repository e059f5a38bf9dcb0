/** LibTorch discovery: LIBTORCH wins, and a too-old or incomplete LibTorch fails with a message saying how to fix it. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const { locateLibTorch } = await import('../../scripts/find-libtorch.mjs');

function fakeLibTorch(version: string, complete = true): string {
  const root = mkdtempSync(join(tmpdir(), 'fake-libtorch-'));
  mkdirSync(join(root, 'share', 'cmake', 'Torch'), { recursive: true });
  writeFileSync(join(root, 'share', 'cmake', 'Torch', 'TorchConfigVersion.cmake'), `set(PACKAGE_VERSION "${version}")\n`);
  if (complete) {
    mkdirSync(join(root, 'include', 'ATen'), { recursive: true });
    mkdirSync(join(root, 'lib'), { recursive: true });
  }
  return root;
}

const saved = process.env['LIBTORCH'];
afterEach(() => {
  if (saved === undefined) delete process.env['LIBTORCH'];
  else process.env['LIBTORCH'] = saved;
});

describe('find-libtorch', () => {
  it('LIBTORCH=/path is used first and its version reported', () => {
    process.env['LIBTORCH'] = fakeLibTorch('2.13.0');
    const info = locateLibTorch({ log: () => {}, create: false });
    expect(info).toMatchObject({ version: '2.13.0', source: 'LIBTORCH', cuda: false });
  });
  it('refuses a LibTorch older than 2.1 with the fix', () => {
    process.env['LIBTORCH'] = fakeLibTorch('1.13.1');
    expect(() => locateLibTorch({ log: () => {}, create: false })).toThrow(/LibTorch 1\.13\.1 from LIBTORCH .* is older than the supported minimum 2\.1\. Install torch>=2\.1/);
  });
  it('refuses an incomplete install and a missing path', () => {
    process.env['LIBTORCH'] = fakeLibTorch('2.13.0', false);
    expect(() => locateLibTorch({ log: () => {}, create: false })).toThrow(/is incomplete \(include\/ATen or lib\/ missing\)/);
    process.env['LIBTORCH'] = '/nonexistent/libtorch';
    expect(() => locateLibTorch({ log: () => {}, create: false })).toThrow(/LIBTORCH=\/nonexistent\/libtorch does not exist/);
  });
});
