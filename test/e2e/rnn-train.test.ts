/**
 * End-to-end `sdarts rnn train` / `sdarts rnn test` on the embedded corpus at small sizes (16 units,
 * --limit-tokens): one epoch completes and `rnn test` reports its best model's perplexity (= exp of the test
 * loss, in text and JSON); a run stopped by SIGTERM mid-epoch resumes to bitwise the same weights; bad input
 * and a diverging run exit 2 with a clear message.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../src/index.js';
import { readEvents } from '../../src/run/events-log.js';
import { sdarts, sdartsAsync } from './cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'sdarts-rnn-e2e-'));
const SMALL = ['--emsize', '16', '--nhid', '16', '--nhidlast', '16', '--batch-size', '8', '--bptt', '10', '--limit-tokens', '2000', '--threads', '1'];

const jsonLines = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

function tensorsOf(file: string): Record<string, number[]> {
  const { tensors } = loadSafetensors(file);
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(tensors)) {
    out[k] = t.toArray();
    t.dispose();
  }
  return out;
}

describe('sdarts rnn train / rnn test (end to end)', () => {
  it('1 epoch of penn_pgd completes; rnn test prints ppl = exp(test loss), and the same as JSON', () => {
    const dir = join(tmp, 'pgd');
    const r = sdarts(['rnn', 'train', ...SMALL, '--arch', 'penn_pgd', '--epochs', '1', '--save', dir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const events = jsonLines(r.stdout);
    expect(events[0]).toMatchObject({ type: 'start', epoch: 0, step: 0, optimizer: 'sgd', params: 10000 * 16 + 10000 + 32 * 32 + 8 * 16 * 32 });
    const end = events.at(-1)!;
    expect(end).toMatchObject({ type: 'end', reason: 'completed', bestEpoch: 0 });
    const json = sdarts(['rnn', 'test', '--checkpoint', dir, '--json']);
    expect(json.status).toBe(0);
    const t = JSON.parse(json.stdout) as { loss: number; ppl: number; targets: number; batchSize: number; epoch: number };
    expect(t).toMatchObject({ loss: end['testLoss'], batchSize: 1, targets: 1999, epoch: 0 });
    expect(t.ppl).toBe(Math.exp(t.loss));
    const text = sdarts(['rnn', 'test', '--checkpoint', dir]);
    expect(text.status).toBe(0);
    expect(text.stdout).toBe(
      `test loss ${t.loss.toFixed(4)}  ppl ${t.ppl.toFixed(2)}  (1999 tokens at batch size 1; best model of epoch 0, valid ppl ${(end['bestValidPpl'] as number).toFixed(2)})\n`,
    );
  });

  it('a run stopped by SIGTERM mid-epoch resumes to bitwise the same weights as an uninterrupted one', async () => {
    const args = ['rnn', 'train', ...SMALL, '--epochs', '2', '--checkpoint-every', '0', '--json'];
    const ref = join(tmp, 'ref'),
      stopped = join(tmp, 'stopped');
    expect(sdarts([...args, '--save', ref]).status).toBe(0);
    let sent = false;
    const r = await sdartsAsync([...args, '--save', stopped], (line, child) => {
      const ev = JSON.parse(line) as { type: string; epoch?: number; step?: number };
      if (!sent && ev.type === 'step' && ev.epoch === 1 && ev.step === 6) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    expect(r.code).toBe(143);
    expect(r.stderr).toContain(`resume with: sdarts rnn train --resume ${stopped}`);
    const resumed = sdarts(['rnn', 'train', '--resume', stopped, '--json']);
    expect(resumed.status).toBe(0);
    const start = jsonLines(resumed.stdout)[0]!;
    expect(start).toMatchObject({ type: 'start', resumed: true, epoch: 1 });
    expect(start['step']).toBeGreaterThanOrEqual(6);
    expect(tensorsOf(join(stopped, 'checkpoint.safetensors'))).toEqual(tensorsOf(join(ref, 'checkpoint.safetensors')));
    expect(tensorsOf(join(stopped, 'best.safetensors'))).toEqual(tensorsOf(join(ref, 'best.safetensors')));
    const steps = (d: string) =>
      readEvents(d)
        .filter((e) => e['type'] === 'step')
        .map((e) => [e['globalStep'], e['loss'], e['seqLen']]);
    expect(steps(stopped)).toEqual(steps(ref));
    expect(readFileSync(join(stopped, 'log.txt'), 'utf8')).toMatch(/resumed at epoch 1 step \d+ \(sgd\)/);
  });

  it('a bad --arch, a missing run and a diverging run exit 2 with a clear message', () => {
    const bad = sdarts(['rnn', 'train', ...SMALL, '--arch', 'DARTS_V3', '--save', join(tmp, 'bad')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown genotype "DARTS_V3".*Did you mean DARTS_V1, DARTS_V2, DARTS\?/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const none = sdarts(['rnn', 'test', '--checkpoint', join(tmp, 'nothing-here')]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/not a run directory/);
    const diverged = sdarts(['rnn', 'train', ...SMALL, '--epochs', '1', '--lr', '1e6', '--save', join(tmp, 'diverged')]);
    expect(diverged.status).toBe(2);
    expect(diverged.stderr).toMatch(/the run diverges\. Lower --lr \(now 1000000\)/);
  });
});
