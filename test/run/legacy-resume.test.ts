/**
 * Run directories written by an earlier version keep resuming: test/fixtures/run/legacy/ holds a
 * `search`, a `train` and a `nasbench search` run, each SIGKILLed after a mid-epoch checkpoint by the
 * CLI of the commit in legacy/VERSION (scripts/make-legacy-run-fixtures.mjs). A copy of each is resumed
 * with the current code and must end bitwise equal to an uninterrupted run with the same flags (and the
 * kernels such a run had: `--kernels reference`, which a config.json without the key resumes with).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../src/index.js';
import { readEvents } from '../../src/run/events-log.js';
import { FIXTURES } from '../helpers/fixture.js';
import { sdarts } from '../e2e/cli.js';
import { LEGACY_JOBS } from '../../scripts/make-legacy-run-fixtures.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-legacy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function weights(dir: string): Record<string, number[]> {
  const { tensors } = loadSafetensors(join(dir, 'checkpoint.safetensors'));
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(tensors)) if (k.startsWith('model.') || k.startsWith('arch.')) out[k] = t.toArray() as number[];
  Object.values(tensors).forEach((t) => t.dispose());
  return out;
}
const losses = (dir: string): unknown[] =>
  readEvents(dir)
    .filter((e) => e['type'] === 'step')
    .map((e) => [e['epoch'], e['step'], e['loss']]);

describe('run directories written by an earlier version resume', () => {
  for (const [name, job] of Object.entries(LEGACY_JOBS)) {
    it(`${name} (written at ${readFileSync(join(FIXTURES, 'run', 'legacy', 'VERSION'), 'utf8')
      .trim()
      .slice(0, 7)}): --resume completes, bitwise equal to an uninterrupted run`, () => {
      const copy = join(tmp, `${name}-resumed`);
      cpSync(join(FIXTURES, 'run', 'legacy', name), copy, { recursive: true });
      const command = job.args.slice(0, job.args[0] === 'nasbench' ? 2 : 1);
      const resumed = sdarts([...command, '--resume', copy, '--json']);
      expect(resumed.stderr).toBe('');
      expect(resumed.status).toBe(0);
      expect(JSON.parse(resumed.stdout.split('\n')[0]!)).toMatchObject({ type: 'start', resumed: true, epoch: job.killAt[0] });
      // The searches of that version ran the reference's kernels (no --kernels flag yet): the resumed run keeps
      // them, so the uninterrupted run it must equal bitwise takes them too.
      const ref = join(tmp, `${name}-ref`);
      const kernels = name === 'train' ? [] : ['--kernels', 'reference'];
      expect(sdarts([...job.args, ...kernels, '--save', ref]).status).toBe(0);
      const a = weights(copy),
        b = weights(ref);
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      for (const k of Object.keys(b)) expect(a[k], k).toEqual(b[k]);
      expect(losses(copy)).toEqual(losses(ref));
    });
  }
});
