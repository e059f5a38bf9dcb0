/**
 * CLI progress output: the live TTY bar (redrawn in place, ETA = remaining steps × mean step time),
 * plain lines when not a TTY, one JSON object per event with --json; and the real CLI under a
 * pseudo-terminal (util-linux `script`) draws the bar.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../src/cli/progress.js';

function sink(): { out: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const out = {
    write: (s: string) => {
      chunks.push(s);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { out, text: () => chunks.join('') };
}

const start = { type: 'start', epochs: 2, runDir: '/runs/x', resumed: false };
const step = (s: number, seconds: number) => ({ type: 'step', epoch: 0, step: s, stepsPerEpoch: 4, loss: 2.5, top1: 12.5, seconds });

describe('ProgressReporter', () => {
  it('TTY: redraws one bar line in place with step, loss, accuracy, mean s/step and ETA', () => {
    const s = sink();
    const p = new ProgressReporter({ json: false, tty: true, out: s.out });
    p.handle(start);
    p.handle(step(1, 1));
    p.handle(step(2, 3));
    p.logLine('this text-log line is not shown on a TTY');
    const t = s.text();
    expect(t.startsWith('run dir: /runs/x\n')).toBe(true);
    const frames = t.split('\r\x1b[2K').slice(1);
    expect(frames).toHaveLength(2);
    // 2 of 4 steps: half of the 20-cell bar; mean (1 + 3) / 2 = 2 s; remaining (4 − 2) + 1 epoch × 4 = 6 steps → 12 s.
    expect(frames[1]).toBe(`epoch 1/2 ${'█'.repeat(10)}${'░'.repeat(10)} 2/4  loss 2.5000  acc 12.5%  2.00s/step  ETA 00:12`);
    expect(t).not.toContain('text-log line');
    // The next printed line first ends the bar line.
    p.handle({ type: 'end', reason: 'completed', genotype: 'Genotype(...)', runDir: '/runs/x' });
    expect(s.text().endsWith('ETA 00:12\nfinal genotype: Genotype(...)\nrun directory: /runs/x\n')).toBe(true);
  });

  it('not a TTY: no bar, the text log lines pass through; --json: one parseable object per event', () => {
    const plain = sink();
    const p = new ProgressReporter({ json: false, tty: false, out: plain.out });
    p.handle(start);
    p.handle(step(1, 1));
    p.logLine('epoch 0 step 1 loss 2.5');
    expect(plain.text()).toBe('epoch 0 step 1 loss 2.5\n');
    const js = sink();
    const q = new ProgressReporter({ json: true, tty: true, out: js.out });
    q.handle(start);
    q.handle(step(1, 1));
    expect(
      js
        .text()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([start, step(1, 1)]);
  });

  it('the CLI under a pseudo-terminal draws the bar', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sdarts-tty-')), 'run');
    const cmd = [
      process.execPath,
      'dist/cli/main.js',
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
      's3',
      '--save',
      dir,
    ].join(' ');
    const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`run dir: ${dir}`);
    // eslint-disable-next-line no-control-regex -- the bar redraws its line with ESC[2K
    expect(r.stdout).toMatch(/\r\x1b\[2Kepoch 1\/1 █+░* 1\/2 {2}loss \d+\.\d{4} {2}acc [\d.]+% {2}[\d.]+s\/step {2}ETA \d\d:\d\d/);
    expect(r.stdout).toContain('final genotype: Genotype(normal=[');
  });
});
