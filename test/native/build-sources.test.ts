/** CMakeLists.txt (cmake-js, primary) and binding.gyp (node-gyp) must build the same sources. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

function cmakeSources(): string[] {
  const text = readFileSync(join(root, 'CMakeLists.txt'), 'utf8');
  const m = /set\(SDARTS_NATIVE_SOURCES\s+([^)]*)\)/.exec(text);
  if (!m) throw new Error('SDARTS_NATIVE_SOURCES not found in CMakeLists.txt');
  return m[1]!.split(/\s+/).filter(Boolean).sort();
}

function gypSources(): string[] {
  const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8'));
  return [...gyp.targets[0].sources].sort();
}

describe('native build source lists', () => {
  it('CMakeLists.txt and binding.gyp list the same files', () => {
    expect(gypSources()).toEqual(cmakeSources());
  });
  it('every .cc file in native/ is built (none forgotten)', () => {
    const onDisk = readdirSync(join(root, 'native')).filter((f) => f.endsWith('.cc')).map((f) => `native/${f}`).sort();
    expect(cmakeSources()).toEqual(onDisk);
  });
  it('no translation unit includes the monolithic <torch/torch.h>', () => {
    for (const f of readdirSync(join(root, 'native'))) {
      const text = readFileSync(join(root, 'native', f), 'utf8');
      expect(text.includes('<torch/torch.h>'), f).toBe(false);
    }
  });
});
