/**
 * End-to-end `sdarts train` / `sdarts test` on the embedded Fashion-MNIST subset with a tiny network
 * (6 layers, 8 channels): one epoch completes and writes its run directory, the cell can come from a
 * search run directory, a SIGKILLed run resumes to bitwise the same weights, and `test` evaluates it.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../src/index.js';
import { readEvents } from '../../src/run/events-log.js';
import { sdarts, sdartsAsync } from './cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-train-'));
const TINY = [
  '--dataset',
  'fashion-mnist',
  '--layers',
  '6',
  '--init-channels',
  '8',
  '--batch-size',
  '32',
  '--limit-train',
  '256',
  '--limit-test',
  '128',
  '--threads',
  '1',
  '--seed',
  '0',
  '--cutout',
];

function modelTensors(dir: string): Record<string, number[]> {
  const { tensors } = loadSafetensors(join(dir, 'checkpoint.safetensors'));
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith('model.')) out[k] = t.toArray();
    t.dispose();
  }
  return out;
}

describe('sdarts train / test (end to end)', () => {
  it('1 epoch of DARTS_V2 completes, logs test top-1/top-5, prints the parameter count; `test` evaluates the run', () => {
    const dir = join(tmp, 'darts-v2');
    const r = sdarts(['train', ...TINY, '--arch', 'DARTS_V2', '--epochs', '1', '--save', dir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: 'start', stepsPerEpoch: 8 });
    expect(events[0].params).toBeGreaterThan(0);
    const epoch = events.find((e) => e.type === 'epoch');
    expect(epoch.testAcc).toBeGreaterThanOrEqual(0);
    expect(epoch.testTop5).toBeGreaterThanOrEqual(epoch.testAcc);
    expect(epoch.lr).toBe(0.025); // epoch 0 trains with the initial learning rate
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toMatch(
      new RegExp(`param size = [0-9.]+MB \\(${events[0].params} parameters, auxiliary head excluded\\)`),
    );
    const t = sdarts(['test', '--checkpoint', dir, '--json']);
    expect(t.status).toBe(0);
    const res = JSON.parse(t.stdout);
    expect(res.n).toBe(128);
    expect(res.top1).toBeCloseTo(epoch.testAcc, 10);
    expect(res.top5).toBeCloseTo(epoch.testTop5, 10);
  });

  it('--arch takes a search run directory (its final genotype)', () => {
    const search = join(tmp, 'search');
    expect(
      sdarts([
        'search',
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
        '--epochs',
        '1',
        '--space',
        's2',
        '--save',
        search,
      ]).status,
    ).toBe(0);
    const final = JSON.parse(readFileSync(join(search, 'genotype.json'), 'utf8')).final;
    const dir = join(tmp, 'from-search');
    const r = sdarts(['train', ...TINY, '--arch', search, '--epochs', '1', '--save', dir, '--json']);
    expect(r.status).toBe(0);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(cfg.config.arch).toBe(search);
    expect(JSON.parse(r.stdout.split('\n')[0]!).genotype).toContain(`('${final.normal[0][0]}', ${final.normal[0][1]})`);
  });

  it('a SIGKILLed training run resumes to bitwise the same weights as an uninterrupted one', async () => {
    const args = ['train', ...TINY, '--arch', 'c10_s3_pgd', '--epochs', '2', '--checkpoint-every', '3', '--json'];
    const ref = join(tmp, 'ref'),
      killed = join(tmp, 'killed');
    expect(sdarts([...args, '--save', ref]).status).toBe(0);
    const r = await sdartsAsync([...args, '--save', killed], (line, child) => {
      const ev = JSON.parse(line);
      if (ev.type === 'step' && ev.epoch === 1 && ev.step === 5) child.kill('SIGKILL');
    });
    expect(r.signal).toBe('SIGKILL');
    const resumed = sdarts(['train', '--resume', killed, '--json']);
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout.split('\n')[0]!)).toMatchObject({ resumed: true, epoch: 1, step: 3 });
    expect(modelTensors(killed)).toEqual(modelTensors(ref));
    const losses = (d: string) =>
      readEvents(d)
        .filter((e) => e['type'] === 'step')
        .map((e) => e['loss']);
    expect(losses(killed)).toEqual(losses(ref));
    expect(existsSync(join(killed, 'checkpoint.safetensors'))).toBe(true);
  });

  it('an unknown --arch and a missing checkpoint give clear errors', () => {
    const r = sdarts(['train', ...TINY, '--arch', 'DARTS_V3', '--save', join(tmp, 'bad')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/DARTS_V3/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const t = sdarts(['test', '--checkpoint', join(tmp, 'nothing-here')]);
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/not a run directory/);
  });
});
