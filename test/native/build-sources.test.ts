/**
 * CMakeLists.txt (cmake-js, primary) and binding.gyp (node-gyp) must build the same sources: the product
 * addon sdarts_native, and the bench-only sdarts_bench_floor (cmake: a target excluded from the default
 * build; gyp: a target present when SDARTS_BENCH_FLOOR=1, i.e. `build-native.mjs --bench-floor`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const cmake = readFileSync(join(root, 'CMakeLists.txt'), 'utf8');

function cmakeSources(list: string): string[] {
  const m = new RegExp(`set\\(${list}\\s+([^)]*)\\)`).exec(cmake);
  if (!m) throw new Error(`${list} not found in CMakeLists.txt`);
  return m[1]!.split(/\s+/).filter(Boolean).sort();
}

interface GypTarget {
  target_name: string;
  sources: string[];
}
const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8')) as {
  targets: GypTarget[];
  conditions?: [string, { targets?: GypTarget[] }][];
};

/** The gyp target's sources, and the condition it is built under ('' = always). */
function gypTarget(name: string): { sources: string[]; condition: string } {
  const all: [string, GypTarget][] = [
    ...gyp.targets.map((t): [string, GypTarget] => ['', t]),
    ...(gyp.conditions ?? []).flatMap(([cond, body]) => (body.targets ?? []).map((t): [string, GypTarget] => [cond, t])),
  ];
  const hit = all.filter(([, t]) => t.target_name === name);
  if (hit.length !== 1) throw new Error(`binding.gyp has ${hit.length} targets named ${name}`);
  return { sources: [...hit[0]![1].sources].sort(), condition: hit[0]![0] };
}

const product = cmakeSources('SDARTS_NATIVE_SOURCES');
const bench = cmakeSources('SDARTS_BENCH_FLOOR_SOURCES');

describe('native build source lists', () => {
  it('CMakeLists.txt and binding.gyp list the same files for each addon', () => {
    expect(gypTarget('sdarts_native').sources).toEqual(product);
    expect(gypTarget('sdarts_bench_floor').sources).toEqual(bench);
  });
  it('the bench floor is built only on request, and never into the product addon', () => {
    expect(product).not.toContain('native/bench_floor.cc');
    expect(bench).toContain('native/bench_floor.cc');
    expect(gypTarget('sdarts_native').condition).toBe('');
    expect(gypTarget('sdarts_bench_floor').condition).toBe('bench_floor==1');
    expect(cmake).toMatch(/set_target_properties\(sdarts_bench_floor PROPERTIES EXCLUDE_FROM_ALL TRUE\)/);
  });
  it('every .cc file in native/ is built (none forgotten)', () => {
    const onDisk = readdirSync(join(root, 'native'))
      .filter((f) => f.endsWith('.cc'))
      .map((f) => `native/${f}`)
      .sort();
    expect([...new Set([...product, ...bench])].sort()).toEqual(onDisk);
  });
  it('no translation unit includes the monolithic <torch/torch.h>', () => {
    for (const f of readdirSync(join(root, 'native'))) {
      const text = readFileSync(join(root, 'native', f), 'utf8');
      expect(text.includes('<torch/torch.h>'), f).toBe(false);
    }
  });
});
