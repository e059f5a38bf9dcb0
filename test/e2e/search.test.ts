/**
 * End-to-end `sdarts search` on the embedded Fashion-MNIST subset with a tiny network: each
 * perturbation completes and writes the run directory; a run killed with SIGKILL mid-epoch and resumed
 * ends with α and genotype bitwise equal to the uninterrupted run; SIGINT / SIGTERM checkpoint and exit
 * 130 / 143.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEvents } from '../../src/run/events-log.js';
import { runPython } from '../helpers/python.js';
import { FIXTURES } from '../helpers/fixture.js';
import { sdarts, sdartsAsync } from './cli.js';

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
  '256',
  '--threads',
  '1',
  '--seed',
  '3',
];
const tmp = mkdtempSync(join(tmpdir(), 'sdarts-e2e-'));

function finalAlphas(dir: string): unknown {
  const a = JSON.parse(readFileSync(join(dir, 'alphas.json'), 'utf8'));
  return a.epochs[a.epochs.length - 1].alphas;
}

describe('sdarts search (end to end)', () => {
  for (const perturb of ['none', 'random', 'pgd_linf'] as const) {
    it(`${perturb}: 2 epochs complete and write the run directory`, () => {
      const dir = join(tmp, `run-${perturb}`);
      const r = sdarts([
        'search',
        ...TINY,
        '--limit-train',
        '128',
        '--space',
        perturb === 'none' ? 's5' : 's3',
        '--perturb',
        perturb,
        '--epochs',
        '2',
        '--save',
        dir,
        '--json',
        '--analyze-every',
        perturb === 'random' ? '1' : '0',
      ]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const events = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(events[0].type).toBe('start');
      expect(events.filter((e) => e.type === 'step')).toHaveLength(2 * 2); // 2 epochs × (64 train images / 32)
      const epochs = events.filter((e) => e.type === 'epoch');
      expect(epochs).toHaveLength(2);
      expect(typeof epochs[1].eigenvalue).toBe(perturb === 'random' ? 'number' : 'object');
      expect(epochs[0].epsilon).toBeCloseTo(0.03, 12); // ε ramp: 0.03 + (0.3 − 0.03)·e/E
      expect(epochs[1].epsilon).toBeCloseTo(0.03 + 0.27 / 2, 12);
      const end = events[events.length - 1];
      expect(end).toMatchObject({ type: 'end', reason: 'completed', runDir: dir });
      for (const f of ['config.json', 'events.jsonl', 'log.txt', 'genotype.json', 'alphas.json', 'checkpoint.safetensors'])
        expect(existsSync(join(dir, f)), f).toBe(true);
      const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      expect(cfg.config.perturb).toBe(perturb);
      expect(cfg.environment.libtorch).toMatch(/^2\./);
      const g = JSON.parse(readFileSync(join(dir, 'genotype.json'), 'utf8'));
      expect(g.final).toEqual(end.genotypeJSON);
      expect(g.epochs).toHaveLength(2);
      expect(readEvents(dir).filter((e) => e['type'] === 'step')).toHaveLength(4);
      expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toMatch(/final genotype = Genotype\(normal=\[/);
      // TensorBoard's own reader parses the event file.
      const tb = JSON.parse(runPython('scripts/fixtures/read_tensorboard.py', [dir]));
      expect(Object.keys(tb.scalars)).toEqual(
        expect.arrayContaining(['Acc/train', 'Acc/valid', 'Obj/train', 'Obj/valid', 'lr', 'epsilon', ...(perturb === 'random' ? ['Analysis/eigenvalue'] : [])]),
      );
      expect(tb.scalars['Acc/valid'].map((s: { step: number }) => s.step)).toEqual([0, 1]);
    });
  }

  it('a run killed with SIGKILL mid-epoch resumes to bitwise the same α and genotype', async () => {
    const args = ['search', ...TINY, '--space', 's3', '--perturb', 'random', '--epochs', '3', '--checkpoint-every', '2', '--json'];
    const ref = join(tmp, 'ref'),
      killed = join(tmp, 'killed');
    expect(sdarts([...args, '--save', ref]).status).toBe(0);
    let sawMidCheckpoint = false;
    const r = await sdartsAsync([...args, '--save', killed], (line, child) => {
      const ev = JSON.parse(line);
      if (ev.type === 'checkpoint' && ev.epoch === 1 && ev.step === 2) sawMidCheckpoint = true;
      if (ev.type === 'step' && ev.epoch === 1 && ev.step === 3) child.kill('SIGKILL');
    });
    expect(sawMidCheckpoint).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    const resumed = sdarts(['search', '--resume', killed, '--json']);
    expect(resumed.status).toBe(0);
    const start = JSON.parse(resumed.stdout.split('\n')[0]!);
    expect(start).toMatchObject({ type: 'start', resumed: true, epoch: 1, step: 2 });
    expect(finalAlphas(killed)).toEqual(finalAlphas(ref));
    const gRef = JSON.parse(readFileSync(join(ref, 'genotype.json'), 'utf8'));
    const gKilled = JSON.parse(readFileSync(join(killed, 'genotype.json'), 'utf8'));
    expect(gKilled.final).toEqual(gRef.final);
    // Replayed steps are not logged twice: the events equal the uninterrupted run's, step for step.
    const steps = (d: string) =>
      readEvents(d)
        .filter((e) => e['type'] === 'step')
        .map((e) => [e['epoch'], e['step'], e['loss']]);
    expect(steps(killed)).toEqual(steps(ref));
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} finishes the step, checkpoints, exits ${code} with a resume hint; --resume completes the run`, async () => {
      const dir = join(tmp, signal.toLowerCase());
      const args = ['search', ...TINY, '--space', 's2', '--epochs', '2', '--json', '--save', dir];
      let sent = false;
      const r = await sdartsAsync(args, (line, child) => {
        const ev = JSON.parse(line);
        if (ev.type === 'step' && ev.epoch === 0 && ev.step === 1 && !sent) {
          sent = true;
          child.kill(signal);
        }
      });
      expect(r.code).toBe(code);
      expect(r.stderr).toContain(`resume with: sdarts search --resume ${dir}`);
      const events = readEvents(dir);
      expect(events.some((e) => e['type'] === 'checkpoint')).toBe(true);
      const resumed = sdarts(['search', '--resume', dir, '--json']);
      expect(resumed.status).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, 'genotype.json'), 'utf8')).final).not.toBeNull();
    });
  }

  it('bad flags and a foreign or truncated checkpoint give clear errors (exit 2), never a stack trace', () => {
    const bad = sdarts(['search', '--space', 's9']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/argument 's9' is invalid|s9/);
    const neg = sdarts(['search', '--dataset', 'fashion-mnist', '--epochs', '-3', '--save', join(tmp, 'neg')]);
    expect(neg.status).toBe(2);
    expect(neg.stderr).toMatch(/--epochs must be ≥ 1, got -3/);
    const noData = sdarts(['search', '--dataset', 'cifar10', '--save', join(tmp, 'nodata')]);
    expect(noData.status).toBe(2);
    expect(noData.stderr).toMatch(/--data is required for --dataset cifar10/);
    // A truncated checkpoint and a foreign one (a train run's) are refused with clear messages.
    const src = join(tmp, 'run-random');
    const cut = join(tmp, 'truncated');
    cpSync(src, cut, { recursive: true });
    const ck = readFileSync(join(cut, 'checkpoint.safetensors'));
    writeFileSync(join(cut, 'checkpoint.safetensors'), ck.subarray(0, ck.length - 100));
    const t = sdarts(['search', '--resume', cut]);
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/Cannot resume: .*checkpoint\.safetensors is not a valid safetensors file/);
    const foreign = join(tmp, 'foreign');
    cpSync(src, foreign, { recursive: true });
    writeFileSync(join(foreign, 'checkpoint.safetensors'), readFileSync(join(FIXTURES, 'nn', 'tinynet-torch.safetensors')));
    const f = sdarts(['search', '--resume', foreign]);
    expect(f.status).toBe(2);
    expect(f.stderr).toMatch(/Cannot resume from .*checkpoint\.safetensors: it is not an sdarts checkpoint/);
    const missing = sdarts(['search', '--resume', join(tmp, 'nope')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/is not a run directory \(no config\.json\)/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
