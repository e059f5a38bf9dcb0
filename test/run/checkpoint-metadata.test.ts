/**
 * A checkpoint whose `checksums` entry was damaged (here: its key renamed) is refused, not taken for a
 * checkpoint of an older sdarts (which has no checksums and only the legacy metadata keys) — found by
 * the checkpoint fuzzer (scripts/fuzz/targets.mjs).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { randn } from '../../src/index.js';
import { CHECKPOINT_FILE, loadCheckpoint, saveCheckpoint } from '../../src/run/checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'sdarts-ckmeta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a renamed checksums key plus a flipped data byte is refused as damaged', () => {
  const t = { 'arch.0': randn([2, 5]) };
  saveCheckpoint(dir, 'search', t, { epoch: 1, step: 0 });
  t['arch.0'].dispose();
  const path = join(dir, CHECKPOINT_FILE);
  const b = readFileSync(path);
  const text = b.toString('latin1');
  const at = text.indexOf('"checksums"');
  expect(at).toBeGreaterThan(0);
  b.write('"checksumz"', at, 'latin1');
  b[b.length - 1] ^= 0x10;
  writeFileSync(path, b);
  expect(() => loadCheckpoint(dir, 'search')).toThrow(/its checksums are missing but its metadata has "checksumz"/);
  try {
    loadCheckpoint(dir, 'search');
  } catch (e) {
    expect((e as { code?: string }).code).toBe('ERR_SDARTS_CHECKPOINT_CHECKSUM');
  }
});
