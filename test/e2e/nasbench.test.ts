/**
 * End-to-end NAS-Bench-1Shot1: `sdarts nasbench search` on the embedded data with a tiny one-shot
 * model, scored every epoch against mini_nasbench.tfrecord (architectures outside the mini file are
 * reported as not in the benchmark); resume after SIGKILL; `nasbench score` on saved epochs whose
 * alphas are the reference's one-shot vectors (expected means from mini_nasbench_expected.json);
 * `nasbench query` by hash and spec; a corrupted file refused with the byte offset.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvents } from '../../src/run/events-log.js';
import { FIXTURES } from '../helpers/fixture.js';
import { sdarts, sdartsAsync } from './cli.js';

const MINI = join(FIXTURES, 'nasbench', 'mini_nasbench.tfrecord');
const tmp = mkdtempSync(join(tmpdir(), 'sdarts-nb-'));
const TINY = [
  '--dataset',
  'fashion-mnist',
  '--layers',
  '3',
  '--init-channels',
  '4',
  '--batch-size',
  '32',
  '--limit-train',
  '128',
  '--threads',
  '1',
  '--cache-dir',
  join(tmp, 'cache'),
];
const expected = JSON.parse(readFileSync(join(FIXTURES, 'nasbench', 'mini_nasbench_expected.json'), 'utf8'));
const vectors = JSON.parse(readFileSync(join(FIXTURES, 'nasbench', 'oneshot_vectors.json'), 'utf8')).vectors as any[];

describe('sdarts nasbench (end to end)', () => {
  for (const perturb of ['none', 'random', 'pgd_linf'] as const) {
    it(`search space ${perturb === 'none' ? 1 : perturb === 'random' ? 2 : 3} with ${perturb}: 2 epochs scored against the mini benchmark after each epoch`, () => {
      const space = perturb === 'none' ? '1' : perturb === 'random' ? '2' : '3';
      const dir = join(tmp, `search-${perturb}`);
      const r = sdarts(['nasbench', 'search', ...TINY, '--space', space, '--perturb', perturb, '--epochs', '2', '--nasbench', MINI, '--save', dir, '--json']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const epochs = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((e) => e.type === 'epoch');
      expect(epochs).toHaveLength(2);
      for (const e of epochs) {
        expect(['scored', 'not-in-benchmark']).toContain(e.benchmark);
        expect(typeof e.eigenvalue).toBe('number'); // every epoch by default, as the reference
        expect(e.architectureJSON.hash).toMatch(/^[0-9a-f]{32}$/);
      }
      const archs = JSON.parse(readFileSync(join(dir, 'architectures.json'), 'utf8'));
      expect(archs.space).toBe(Number(space));
      expect(archs.epochs.map((e: any) => e.epoch)).toEqual([0, 1]);
      // The epoch's architecture is the one after that epoch's training (no one-epoch lag).
      expect(archs.epochs[1].architecture.hash).toBe(epochs[1].architectureJSON.hash);
      expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toMatch(/(TEST ERROR: [0-9.]+ \| VALID ERROR|is not in the benchmark file)/);
    });
  }

  it('without --nasbench the search runs and says scoring is off', () => {
    const dir = join(tmp, 'noscore');
    const r = sdarts(['nasbench', 'search', ...TINY, '--epochs', '1', '--save', dir, '--analyze-every', '0']);
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toMatch(/scoring is off/);
  });

  it('a SIGKILLed nasbench search resumes to bitwise the same α', async () => {
    const args = [
      'nasbench',
      'search',
      ...TINY,
      '--limit-train',
      '256',
      '--space',
      '3',
      '--perturb',
      'random',
      '--epochs',
      '2',
      '--checkpoint-every',
      '2',
      '--analyze-every',
      '0',
      '--nasbench',
      MINI,
      '--json',
    ];
    const ref = join(tmp, 'ref'),
      killed = join(tmp, 'killed');
    expect(sdarts([...args, '--save', ref]).status).toBe(0);
    const r = await sdartsAsync([...args, '--save', killed], (line, child) => {
      const ev = JSON.parse(line);
      if (ev.type === 'step' && ev.epoch === 1 && ev.step === 3) child.kill('SIGKILL');
    });
    expect(r.signal).toBe('SIGKILL');
    expect(sdarts(['nasbench', 'search', '--resume', killed, '--json']).status).toBe(0);
    const alphas = (d: string) => JSON.parse(readFileSync(join(d, 'architectures.json'), 'utf8')).epochs.map((e: any) => e.alphas);
    expect(alphas(killed)).toEqual(alphas(ref));
    const steps = (d: string) =>
      readEvents(d)
        .filter((e) => e['type'] === 'step')
        .map((e) => e['loss']);
    expect(steps(killed)).toEqual(steps(ref));
  });

  it('nasbench score re-scores saved epochs: the reference one-shot vectors give the reference means', () => {
    const m = expected.modules.find((x: any) => x.oneshot_eval && vectors.some((v) => v.id === x.oneshot_eval.oneshot_vector_id));
    const v = vectors.find((x) => x.id === m.oneshot_eval.oneshot_vector_id)!;
    // A finished run directory of space v.search_space whose one saved epoch has the vector's alphas.
    const src = join(tmp, 'search-none');
    const dir = join(tmp, 'rescore');
    const cfg = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8'));
    cfg.config.space = String(v.search_space);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    writeFileSync(
      join(dir, 'architectures.json'),
      JSON.stringify({
        space: Number(v.search_space),
        epochs: [{ epoch: 0, alphas: { alphasMixedOp: v.alphas_mixed_op, alphasOutput: v.alphas_output, alphasInputs: v.alphas_inputs } }],
      }),
    );
    const r = sdarts(['nasbench', 'score', dir, '--nasbench', MINI, '--cache-dir', join(tmp, 'cache'), '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.epochs[0].hash).toBe(m.hash);
    expect(out.epochs[0].score.status).toBe('scored');
    expect(out.epochs[0].score.score.means).toEqual(m.oneshot_eval.train_search_logged_means);
    const text = sdarts(['nasbench', 'score', dir, '--nasbench', MINI, '--cache-dir', join(tmp, 'cache')]);
    expect(text.stdout).toMatch(/^epoch 0: TEST ERROR: [0-9.]+ \| VALID ERROR: [0-9.]+ \| RUNTIME: [0-9.]+ \| PARAMS: \d+/);
  });

  it('nasbench query by hash and by spec; a corrupted file is refused with the byte offset', () => {
    const hash = '28cfc7874f6d200472e1a9dcd8650aa0'; // the Inception-like cell, real NAS-Bench-101 numbers
    const mod = expected.modules.find((x: any) => x.hash === hash);
    const q = sdarts(['nasbench', 'query', '--nasbench', MINI, '--cache-dir', join(tmp, 'cache'), '--hash', hash, '--json']);
    expect(q.status).toBe(0);
    const j = JSON.parse(q.stdout);
    expect(JSON.stringify(j)).toContain(hash);
    expect(JSON.stringify(j)).toContain(String(mod.trainable_parameters));
    const bySpec = sdarts(['nasbench', 'query', '--nasbench', MINI, '--cache-dir', join(tmp, 'cache'), '--spec', JSON.stringify(mod.query_specs[0])]);
    expect(bySpec.status).toBe(0);
    expect(bySpec.stdout).toContain(hash);
    const bad = join(tmp, 'corrupt.tfrecord');
    copyFileSync(MINI, bad);
    const bytes = readFileSync(bad);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(bad, bytes);
    const c = sdarts(['nasbench', 'query', '--nasbench', bad, '--hash', hash, '--cache-dir', join(tmp, 'cache2')]);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/corrupt\.tfrecord/);
    expect(c.stderr).toMatch(/offset \d+/);
  });
});
