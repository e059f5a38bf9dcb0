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
  it('TTY: redraws one bar line in place with step, running means of loss and accuracy, mean s/step and ETA', () => {
    const s = sink();
    const p = new ProgressReporter({ json: false, tty: true, out: s.out });
    p.handle(start);
    p.handle(step(1, 1));
    p.handle({ ...step(2, 3), loss: 1.5, top1: 37.5 });
    p.logLine('this text-log line is not shown on a TTY');
    const t = s.text();
    expect(t.startsWith('run dir: /runs/x\n')).toBe(true);
    const frames = t.split('\r\x1b[2K').slice(1);
    expect(frames).toHaveLength(2);
    // 2 of 4 steps: half of the 20-cell bar; means (2.5 + 1.5) / 2 = 2 and (12.5 + 37.5) / 2 = 25 %; mean step (1 + 3) / 2 = 2 s;
    // remaining (4 − 2) + 1 epoch × 4 = 6 steps → 12 s, a lower bound ('≥') until an epoch's validation time is known.
    expect(frames[1]).toBe(`epoch 1/2 ${'█'.repeat(10)}${'░'.repeat(10)} 2/4  loss 2.0000  acc 25.0%  2.00s/step  ETA ≥00:12`);
    expect(t).not.toContain('text-log line');
    // The next printed line first clears the bar line.
    p.handle({ type: 'end', reason: 'completed', genotype: 'Genotype(...)', runDir: '/runs/x' });
    expect(s.text().endsWith('ETA ≥00:12\r\x1b[2Kfinal genotype: Genotype(...)\nrun directory: /runs/x\n')).toBe(true);
  });

  it('TTY: every phase has a label and its time; validation batches count; the ETA adds the validation time measured last epoch', () => {
    const s = sink();
    let now = 0;
    const p = new ProgressReporter({ json: false, tty: true, out: s.out, now: () => now });
    const last = () => s.text().split('\r\x1b[2K').at(-1)!;
    p.handle(start);
    p.handle({ type: 'phase', phase: 'first-step', epoch: 0 });
    now = 7000;
    p.tick(); // the CLI's timer: redrawn, the time in the phase moves on
    expect(last()).toMatch(/^epoch 1\/2 . first step \(.*\) {2}00:07$/);
    for (let k = 1; k <= 4; k++) {
      now += 2000;
      p.handle(step(k, 2));
    }
    p.handle({ type: 'phase', phase: 'validation', epoch: 0, total: 2 });
    expect(last()).toMatch(/^epoch 1\/2 . validation pass {2}2 batches {2}00:00 {2}ETA ≥00:08$/);
    now += 3000;
    p.handle({ type: 'progress', phase: 'validation', epoch: 0, done: 1, total: 2 });
    expect(last()).toMatch(/^epoch 1\/2 . validation pass {2}1\/2 batches {2}00:03/);
    p.handle({ type: 'phase', phase: 'analysis', epoch: 0 });
    expect(last()).toMatch(/^epoch 1\/2 . Hessian analysis .* {2}00:00/);
    now += 4000;
    p.handle({ type: 'epoch', epoch: 0, epochs: 2, trainAcc: 12.5, validAcc: 25, trainLoss: 2.5, eigenvalue: 0.0125, seconds: 15, genotype: 'G' });
    p.handle({ type: 'phase', phase: 'checkpoint', epoch: 1 });
    expect(last()).toMatch(/^epoch 1\/2 . writing checkpoint {2}00:00/);
    now += 1000;
    p.handle({ type: 'checkpoint', epoch: 1, step: 0, path: '/runs/x/checkpoint.safetensors' });
    expect(last()).toMatch(/^epoch 1\/2 . writing checkpoint {2}written \(epoch 1, step 0\)/);
    expect(s.text()).toContain('epoch 1/2: train acc 12.50%  valid acc 25.00%  loss 2.5000  λmax 1.250e-2  (15.0 s)\n  genotype: G\n');
    // Next epoch's first step (2 s) began 2 s after the checkpoint: overhead = (3 + 4 + 1 + 2) − 2 = 8 s per epoch.
    now += 2000;
    p.handle({ ...step(1, 2), epoch: 1 });
    // 3 steps × 2 s + this epoch's 8 s of validation, analysis and checkpoint.
    expect(last()).toMatch(/ETA 00:14$/);
  });

  it('TTY: the status line is cut to the terminal width (a wrapped line could not be redrawn in place)', () => {
    const s = sink();
    (s.out as { columns?: number }).columns = 30;
    const p = new ProgressReporter({ json: false, tty: true, out: s.out });
    p.handle(start);
    p.handle(step(1, 1));
    const frame = s.text().split('\r\x1b[2K').at(-1)!;
    // Below 100 columns the bar has 10 cells (1/4 → 3 done), so that the line fits 80; cut at 30 − 2, then '…'.
    expect(frame).toBe(`epoch 1/2 ${'█'.repeat(3)}${'░'.repeat(7)} 1/4  lo…`);
    expect(frame).toHaveLength(29);
  });

  it('TTY, recurrent jobs: loss and perplexity (of the running mean loss); epoch lines without accuracy fields are shown', () => {
    const s = sink();
    const p = new ProgressReporter({ json: false, tty: true, out: s.out, metric: 'ppl' });
    p.handle(start);
    p.handle({ ...step(1, 1), loss: 4 });
    p.handle({ ...step(2, 1), loss: 6 });
    expect(s.text().split('\r\x1b[2K').at(-1)).toContain(`loss 5.0000  ppl ${Math.exp(5).toFixed(2)}  1.00s/step`);
    p.handle({
      type: 'epoch',
      epoch: 0,
      epochs: 2,
      trainLoss: 5,
      trainPpl: Math.exp(5),
      validLoss: 4,
      validPpl: Math.exp(4),
      best: true,
      switched: false,
      seconds: 2,
    });
    expect(s.text()).toContain(
      `epoch 1/2: train loss 5.0000 ppl ${Math.exp(5).toFixed(2)}  valid loss 4.0000 ppl ${Math.exp(4).toFixed(2)}  (best so far)  (2.0 s)\n`,
    );
    p.handle({ type: 'end', reason: 'completed', runDir: '/runs/x', testPpl: 60.5, bestEpoch: 0, bestValidPpl: 54.6 });
    expect(s.text()).toContain('test perplexity 60.50 (best model of epoch 1, valid ppl 54.60)\n');
  });

  it('not a TTY: no bar, the text log lines pass through, a line when a long phase begins; --json: one parseable object per event but progress', () => {
    const plain = sink();
    const p = new ProgressReporter({ json: false, tty: false, out: plain.out });
    p.handle(start);
    p.handle(step(1, 1));
    p.logLine('epoch 0 step 1 loss 2.5');
    p.handle({ type: 'phase', phase: 'validation', epoch: 0, total: 8 });
    p.handle({ type: 'progress', phase: 'validation', epoch: 0, done: 1, total: 8 });
    p.handle({ type: 'phase', phase: 'checkpoint', epoch: 1 });
    expect(plain.text()).toBe('epoch 0 step 1 loss 2.5\nepoch 1/2 validation pass (8 batches) …\n');
    const js = sink();
    const q = new ProgressReporter({ json: true, tty: true, out: js.out });
    const phase = { type: 'phase', phase: 'validation', epoch: 0, total: 8, time: '2026-01-01T00:00:00.000Z' };
    q.handle(start);
    q.handle(step(1, 1));
    q.handle(phase);
    q.handle({ type: 'progress', phase: 'validation', epoch: 0, done: 1, total: 8 });
    expect(
      js
        .text()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([start, step(1, 1), phase]);
  });

  it('the CLI under a pseudo-terminal draws the bar', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sdarts-tty-')), 'run');
    const cmd = [
      'stty cols 200;',
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
    expect(r.stdout).toMatch(/\r\x1b\[2Kepoch 1\/1 █+░* 1\/2 {2}loss \d+\.\d{4} {2}acc [\d.]+% {2}[\d.]+s\/step {2}ETA ≥?\d\d:\d\d/);
    expect(r.stdout).toContain('final genotype: Genotype(normal=[');
  });
});
