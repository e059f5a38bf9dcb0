/**
 * A small seeded slice of `npm run fuzz` (scripts/fuzz.mjs): a few hundred mutated inputs over every
 * reader and the native boundary, each target in child processes. Nothing may crash, hang or fail with
 * an error outside the catalogue's usage/data classes. Uses the built library (npm run build:ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TARGETS } from '../../scripts/fuzz/harness.mjs';

const ROOT = join(__dirname, '..', '..');
const TARGETS: string[] = DEFAULT_TARGETS;
const PER_TARGET = 30;

interface Stats {
  inputs: number;
  wrong: number;
  hangs: number;
  crashes: number;
  setupError?: string;
  wrongKinds: Record<string, { count: number; inputs: number[] }>;
  failures: { kind: string; input: number; how: string }[];
}

describe('fuzz slice (seed 7)', () => {
  const r = spawnSync(
    process.execPath,
    ['scripts/fuzz.mjs', '--json', '--seed', '7', '--jobs', '2', '--total', String(PER_TARGET * TARGETS.length), '--targets', TARGETS.join(',')],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  const stats = JSON.parse(r.stdout) as Record<string, Stats>;
  it.each(TARGETS)('%s: every input accounted for; 0 crashes, 0 hangs, 0 wrong-kind errors', (t) => {
    const s = stats[t]!;
    expect(s.setupError, 'the target could not start').toBeUndefined();
    expect(s.inputs).toBe(PER_TARGET);
    expect({ wrongKinds: s.wrongKinds, failures: s.failures }).toEqual({ wrongKinds: {}, failures: [] });
    expect([s.wrong, s.hangs, s.crashes]).toEqual([0, 0, 0]);
  });
});
